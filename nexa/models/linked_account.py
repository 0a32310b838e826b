from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, CreatedAt


class LinkedAccount(CreatedAt, Base):
    """A number a customer recharges for (family, friends). Whether that number belongs to
    a registered customer is looked up on every read, never stored
    (docs/decisions.md#linked-accounts)."""

    __tablename__ = "linked_account"

    linked_account_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    primary_customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.customer_id"), nullable=False
    )
    linked_phone_number: Mapped[str] = mapped_column(String(20), nullable=False)

    __table_args__ = (
        Index(
            "uq_linked_account_primary_phone",
            "primary_customer_id",
            "linked_phone_number",
            unique=True,
        ),
        Index("ix_linked_account_phone", "linked_phone_number"),
    )
