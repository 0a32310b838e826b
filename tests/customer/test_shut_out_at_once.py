"""Acceptance (docs/decisions.md#account-statuses): deactivating or suspending a customer
through the admin API, really committed, refuses their open tokens on the very next request
and their next login."""

from __future__ import annotations

import httpx
from sqlalchemy import delete, select

from nexa.core.db import get_sessionmaker
from nexa.models import Admin, AuditLog, AuthSession, UserType
from tests.cleanup import committed_customer_and_plan, purge
from tests.factories.accounts import make_admin
from tests.helpers import bearer, login_admin, login_customer


async def test_deactivated_and_suspended_customers_are_shut_out_at_once(
    committing_client: httpx.AsyncClient,
) -> None:
    setup = await committed_customer_and_plan()
    async with get_sessionmaker()() as db, db.begin():
        admin = await make_admin(db)
        admin_id, email = admin.admin_id, admin.email
    client = committing_client
    try:
        admin_headers = bearer((await login_admin(client, email))["access_token"])
        for action, code in (("suspend", "account_suspended"), ("deactivate", "account_inactive")):
            tokens = await login_customer(client, setup.phone_number)
            access = bearer(tokens["access_token"])
            # the session is known (and cached) before the change
            assert (await client.get("/customer/profile", headers=access)).status_code == 200
            changed = await client.post(
                f"/admin/customers/{setup.customer_id}/{action}",
                headers=admin_headers,
                json={"reason": "chargeback"},
            )
            assert changed.status_code == 200, changed.text
            assert changed.json()["sessions_revoked"] >= 1
            # no waiting: the very next request is refused, and so is a refresh
            assert (await client.get("/customer/profile", headers=access)).status_code == 401
            refreshed = await client.post(
                "/refresh", json={"refresh_token": tokens["refresh_token"]}
            )
            assert refreshed.status_code in (401, 403)
            login = await client.post(
                "/customer/login",
                json={"phone_number": setup.phone_number, "password": "secret-pass-1"},
            )
            assert (login.status_code, login.json()["code"]) == (403, code)
            back = await client.post(
                f"/admin/customers/{setup.customer_id}/activate", headers=admin_headers
            )
            assert back.status_code == 200
        async with get_sessionmaker()() as db:
            actions = (
                await db.execute(
                    select(AuditLog.action)
                    .where(AuditLog.admin_id == admin_id)
                    .order_by(AuditLog.audit_id)
                )
            ).scalars()
            assert list(actions) == [
                "customer.suspend",
                "customer.activate",
                "customer.deactivate",
                "customer.activate",
            ]
    finally:
        await purge(
            customer_ids=[setup.customer_id],
            plan_ids=[setup.plan_id],
            category_ids=[setup.category_id],
        )
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(delete(AuditLog).where(AuditLog.admin_id == admin_id))
            await db.execute(
                delete(AuthSession).where(
                    AuthSession.user_type == UserType.admin, AuthSession.subject_id == admin_id
                )
            )
            await db.execute(delete(Admin).where(Admin.admin_id == admin_id))
