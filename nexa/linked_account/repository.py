from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select, text

from nexa.core.repository import Repository
from nexa.models import LinkedAccount


def for_primary(customer_id: int) -> ColumnElement[bool]:
    return LinkedAccount.primary_customer_id == customer_id


def for_link(linked_account_id: int) -> ColumnElement[bool]:
    return LinkedAccount.linked_account_id == linked_account_id


def linked_to_phone(phone_number: str) -> ColumnElement[bool]:
    return LinkedAccount.linked_phone_number == phone_number


def phone_contains(fragment: str) -> ColumnElement[bool]:
    return LinkedAccount.linked_phone_number.contains(fragment, autoescape=True)


class LinkedAccountRepository(Repository[LinkedAccount]):
    model = LinkedAccount

    async def lock_owner(self, customer_id: int) -> None:
        """Serialise link creation per primary customer until commit (the limit holds)."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended('linked_account:' || :id, 0))"),
            {"id": str(customer_id)},
        )

    async def exists(self, customer_id: int, phone_number: str) -> bool:
        found = await self.session.execute(
            select(LinkedAccount.linked_account_id).where(
                for_primary(customer_id), linked_to_phone(phone_number)
            )
        )
        return found.first() is not None

    async def delete(self, link: LinkedAccount) -> None:
        await self.session.delete(link)
        await self.session.flush()

    def _listing(self, conditions: list[ColumnElement[bool]]) -> Select[LinkedAccount]:
        return (
            select(LinkedAccount)
            .where(*conditions)
            .order_by(LinkedAccount.created_at, LinkedAccount.linked_account_id)
        )

    async def rows(self, conditions: list[ColumnElement[bool]]) -> list[LinkedAccount]:
        """Every matching link, oldest first (small sets: one customer's links)."""
        return list((await self.session.execute(self._listing(conditions))).scalars())

    async def find(
        self, conditions: list[ColumnElement[bool]], skip: int, limit: int
    ) -> tuple[list[LinkedAccount], int]:
        return await self.page(self._listing(conditions), skip=skip, limit=limit)
