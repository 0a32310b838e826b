"""Every backup endpoint is for admins only; bad ids and filters are clear 4xx answers."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.backup import runner, service
from nexa.backup.repository import RESTORE_RUN_LOCK, backup_run_lock
from nexa.core import clock
from nexa.models import Backup, BackupStatus, BackupType, Restore
from tests.backup.conftest import AdminLogin

BASE = "/admin/backup-restore"
ENDPOINTS = [
    ("POST", f"{BASE}/backup/manual"),
    ("GET", f"{BASE}/backup"),
    ("POST", f"{BASE}/backup/schedule"),
    ("GET", f"{BASE}/backup/schedule/status"),
    ("GET", f"{BASE}/backup/schedule/options"),
    ("POST", f"{BASE}/restore/1"),
    ("GET", f"{BASE}/restore"),
    ("GET", f"{BASE}/stats"),
    ("DELETE", f"{BASE}/backup/1"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_anonymous_is_401_and_customer_is_403(
    client: httpx.AsyncClient, customer_headers: dict[str, str], method: str, path: str
) -> None:
    anonymous = await client.request(method, path)
    assert anonymous.status_code == 401
    as_customer = await client.request(method, path, headers=customer_headers)
    assert as_customer.status_code == 403 and as_customer.json()["code"] == "admin_only"


async def test_unknown_backups_and_bad_input(
    client: httpx.AsyncClient, admin_login: AdminLogin
) -> None:
    headers = admin_login.headers
    missing = await client.post(
        f"{BASE}/restore/999999999", headers=headers, json={"confirm": True}
    )
    assert missing.status_code == 404 and missing.json()["code"] == "backup_not_found"
    gone = await client.delete(f"{BASE}/backup/999999999", headers=headers)
    assert gone.status_code == 404 and gone.json()["code"] == "backup_not_found"
    for bad in ("0", "abc", str(2**63)):
        answer = await client.delete(f"{BASE}/backup/{bad}", headers=headers)
        assert answer.status_code == 422
    filtered = await client.get(f"{BASE}/backup", headers=headers, params={"backup_type": "x"})
    assert filtered.status_code == 422
    malformed = await client.post(f"{BASE}/restore/1", headers=headers, json={"confirm": "maybe"})
    assert malformed.status_code == 422


async def test_a_backup_still_queued_cannot_be_restored(
    client: httpx.AsyncClient, admin_login: AdminLogin
) -> None:
    created = await client.post(f"{BASE}/backup/manual", headers=admin_login.headers)
    assert created.status_code == 200 and created.json()["status"] == "pending"
    backup_id = created.json()["backup_id"]
    answer = await client.post(
        f"{BASE}/restore/{backup_id}", headers=admin_login.headers, json={"confirm": True}
    )
    assert answer.status_code == 409 and answer.json()["code"] == "backup_not_completed"
    listed = await client.get(f"{BASE}/backup", headers=admin_login.headers)
    assert listed.headers["X-Total-Count"] == str(len(listed.json()))
    assert backup_id in {b["backup_id"] for b in listed.json()}


async def _restore_row(db: AsyncSession, status: BackupStatus) -> Restore:
    restore = Restore(
        admin_id=1,
        file_name="x.zip",
        path="/nowhere/x.zip",
        type=BackupType.manual,
        status=status,
        date=clock.now().date(),
        data_list={},
        created_at=clock.now(),
        started_at=clock.now() if status == BackupStatus.running else None,
    )
    db.add(restore)
    await db.flush()
    return restore


async def test_a_restore_left_behind_by_a_stopped_process_does_not_block_the_next(
    client: httpx.AsyncClient, admin_login: AdminLogin, db: AsyncSession, clean_history: None
) -> None:
    backup = await service.take_backup(admin_id=1, backup_type=BackupType.manual, trigger="test")
    url = f"{BASE}/restore/{backup.backup_id}"
    running = await _restore_row(db, BackupStatus.running)
    # while a process holds the run lock, the running restore is alive: 409
    async with runner.hold_lock(RESTORE_RUN_LOCK):
        busy = await client.post(url, headers=admin_login.headers, json={"confirm": True})
    assert busy.status_code == 409 and busy.json()["code"] == "restore_in_progress"
    # nobody holds it: the row was left by a stopped process; so is a pending one without job
    orphan = await _restore_row(db, BackupStatus.pending)
    started = await client.post(url, headers=admin_login.headers, json={"confirm": True})
    assert started.status_code == 200, started.text
    for left in (running, orphan):
        await db.refresh(left)
        assert left.status == BackupStatus.failed
        assert left.error is not None and left.error.startswith("Interrupted")
    # the new one is queued (its job exists): the next request waits for it
    again = await client.post(url, headers=admin_login.headers, json={"confirm": True})
    assert again.status_code == 409


async def test_a_running_backup_is_deleted_only_when_nobody_is_writing_it(
    client: httpx.AsyncClient, admin_login: AdminLogin, db: AsyncSession
) -> None:
    created = await client.post(f"{BASE}/backup/manual", headers=admin_login.headers)
    backup_id = created.json()["backup_id"]
    row = await db.get(Backup, backup_id)
    assert row is not None
    row.status = BackupStatus.running
    await db.flush()
    async with runner.hold_lock(backup_run_lock(backup_id)):
        busy = await client.delete(f"{BASE}/backup/{backup_id}", headers=admin_login.headers)
    assert busy.status_code == 409 and busy.json()["code"] == "backup_in_progress"
    deleted = await client.delete(f"{BASE}/backup/{backup_id}", headers=admin_login.headers)
    assert deleted.status_code == 200
