"""Backups and restores act on the whole (per-process) test database with real commits:
these fixtures write committed data, compare whole tables, and remove what they wrote."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from psycopg import sql
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from nexa import jobs
from nexa.backup import snapshot
from nexa.backup.snapshot import business_layout, driver
from nexa.cms import service as cms_service
from nexa.core.config import get_settings
from nexa.core.db import get_sessionmaker
from nexa.models import Admin, AuthSession, Backup, BackupSchedule, Restore, UserType
from tests.factories.accounts import make_admin, make_customer
from tests.helpers import bearer, login_admin, login_customer


@pytest.fixture(autouse=True)
def backup_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "backups"
    monkeypatch.setattr(get_settings(), "backup_dir", folder)
    return folder


@pytest.fixture
async def clean_history() -> AsyncIterator[None]:
    """Remove the backup/restore rows, the schedule and the queued backup jobs a test made."""
    async with get_sessionmaker()() as db:
        before_backups = set((await db.execute(select(Backup.backup_id))).scalars())
        before_restores = set((await db.execute(select(Restore.restore_id))).scalars())
    yield
    async with get_sessionmaker()() as db, db.begin():
        await db.execute(delete(Backup).where(Backup.backup_id.not_in(before_backups)))
        await db.execute(delete(Restore).where(Restore.restore_id.not_in(before_restores)))
        await db.execute(delete(BackupSchedule))
        await db.execute(
            text(
                "DELETE FROM procrastinate_jobs WHERE task_name LIKE 'backup:%' AND status = 'todo'"
            )
        )


@dataclass
class CommittedAdmin:
    admin_id: int
    email: str
    headers: dict[str, str]


@pytest.fixture
async def committed_admin(
    committing_client: httpx.AsyncClient, clean_history: None
) -> AsyncIterator[CommittedAdmin]:
    async with get_sessionmaker()() as db, db.begin():
        admin = await make_admin(db, email=f"backup-{uuid.uuid4().hex[:8]}@example.com")
        admin_id, email = admin.admin_id, admin.email
    tokens = await login_admin(committing_client, email)
    yield CommittedAdmin(admin_id, email, bearer(tokens["access_token"]))
    async with get_sessionmaker()() as db, db.begin():
        await db.execute(
            delete(AuthSession).where(
                AuthSession.user_type == UserType.admin, AuthSession.subject_id == admin_id
            )
        )
        await db.execute(delete(Admin).where(Admin.admin_id == admin_id))


async def run_jobs() -> None:
    """Run every queued job (backups, restores, and whatever else is due) to the end."""
    async with jobs.opened_app() as app:
        await app.run_worker_async(wait=False, install_signal_handlers=False)


@dataclass(frozen=True)
class TableFingerprint:
    rows: int
    md5: str


async def fingerprints() -> dict[str, TableFingerprint]:
    """Row count and an order-independent checksum of every business table."""
    result: dict[str, TableFingerprint] = {}
    async with get_sessionmaker()() as db, db.begin():
        pg = await driver(db)
        for table in sorted(await business_layout(pg)):
            cursor = await pg.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), "
                    "'')) FROM {} t"
                ).format(sql.Identifier(table))
            )
            row = await cursor.fetchone()
            assert row is not None
            result[table] = TableFingerprint(int(row[0]), str(row[1]))
    return result


async def cms_documents() -> list[dict[str, Any]]:
    async with get_sessionmaker()() as db:
        return sorted(await cms_service.export_documents(db), key=lambda d: str(d["id"]))


async def backup_rows() -> list[Backup]:
    async with get_sessionmaker()() as db:
        return list((await db.execute(select(Backup).order_by(Backup.backup_id))).scalars())


async def restore_rows() -> list[Restore]:
    async with get_sessionmaker()() as db:
        return list((await db.execute(select(Restore).order_by(Restore.restore_id))).scalars())


@pytest.fixture
def small_rotation(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(get_settings(), "max_backups", 2)
    yield


@dataclass
class AdminLogin:
    admin: Admin
    headers: dict[str, str]


@pytest.fixture
async def admin_login(client: httpx.AsyncClient, db: AsyncSession) -> AdminLogin:
    """An admin in the test's rolled-back transaction."""
    admin = await make_admin(db)
    return AdminLogin(admin, bearer((await login_admin(client, admin))["access_token"]))


@pytest.fixture
async def customer_headers(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, str]:
    customer = await make_customer(db)
    return bearer((await login_customer(client, customer))["access_token"])


APPEND_ONLY = snapshot.APPEND_ONLY_TABLES
