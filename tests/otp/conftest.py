"""One-time codes end to end: ask for a code, let the delivery job send it through the
simulated gateway, read it where a tester would (`GET /admin/test-sms/{phone}`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import rate_limit
from nexa.core.config import get_settings
from nexa.notification import service as notification_service
from tests.factories.accounts import make_admin
from tests.helpers import bearer, login_admin

CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
async def admin_headers(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, str]:
    return bearer((await login_admin(client, await make_admin(db)))["access_token"])


@pytest.fixture
def verification_required(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """NEXA_PHONE_VERIFICATION=required, as production has it by default."""
    monkeypatch.setattr(get_settings(), "phone_verification", "required")
    yield


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set limits with `limits.setattr(get_settings(), "...", "5/minute")`, then
    `rate_limit.reset()`; fresh counters before and after."""
    rate_limit.reset()
    yield monkeypatch
    monkeypatch.undo()
    rate_limit.reset()


async def request_code(
    client: httpx.AsyncClient, phone: str, purpose: str = "register"
) -> httpx.Response:
    response = await client.post(
        "/customer/otp/request", json={"phone_number": phone, "purpose": purpose}
    )
    assert response.status_code == 202, response.text
    return response


async def deliver_all(db: AsyncSession) -> int:
    """What the delivery job does: send every due SMS/push row; how many were tried."""
    sent = 0
    while await notification_service.deliver_next(db):
        sent += 1
    return sent


async def inbox(client: httpx.AsyncClient, admin_headers: dict[str, str], phone: str) -> list[str]:
    response = await client.get(f"/admin/test-sms/{phone}", headers=admin_headers)
    assert response.status_code == 200, response.text
    return [message["message"] for message in response.json()]


async def code_sent_to(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str], phone: str
) -> str:
    """Deliver what is due and read the newest code the number received."""
    await deliver_all(db)
    messages = await inbox(client, admin_headers, phone)
    assert messages, f"no SMS reached {phone}"
    found = CODE.search(messages[0])
    assert found, messages[0]
    return found.group(1)


async def new_code(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin_headers: dict[str, str],
    phone: str,
    purpose: str = "register",
) -> str:
    await request_code(client, phone, purpose)
    return await code_sent_to(client, db, admin_headers, phone)


def other_than(code: str) -> str:
    """A well-formed code that is not `code`."""
    return f"{(int(code) + 1) % 10**6:06d}"
