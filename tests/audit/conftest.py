from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories.accounts import make_admin
from tests.helpers import bearer, login_admin


@dataclass
class Actor:
    admin_id: int
    email: str
    headers: dict[str, str]


@pytest.fixture
async def actor(client: httpx.AsyncClient, db: AsyncSession) -> Actor:
    admin = await make_admin(db, name="Audited Admin")
    tokens = await login_admin(client, admin)
    return Actor(admin.admin_id, admin.email, bearer(tokens["access_token"]))
