"""Backup -> change -> restore, end to end with real commits, jobs and files."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
import zipfile
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, select, text

from nexa.backup import service
from nexa.backup.archive import MANIFEST, table_member
from nexa.backup.snapshot import EXCLUDED_TABLES, SYSTEM_TABLES, all_tables, driver
from nexa.core.db import get_sessionmaker
from nexa.models import (
    AccountStatus,
    AuditLog,
    BackupStatus,
    BackupType,
    Category,
    CmsDocument,
    Customer,
    StatusReason,
)
from tests.backup.conftest import (
    APPEND_ONLY,
    CommittedAdmin,
    backup_rows,
    cms_documents,
    fingerprints,
    restore_rows,
    run_jobs,
)
from tests.cleanup import committed_customer_and_plan, purge
from tests.factories.accounts import make_customer
from tests.helpers import bearer, login_customer

BASE = "/admin/backup-restore"


async def _recharge(client: httpx.AsyncClient, phone: str, plan_id: int) -> None:
    token = (await login_customer(client, phone))["access_token"]
    response = await client.post(
        "/customer/recharge",
        headers=bearer(token),
        json={"plan_id": plan_id, "recipient_phone_number": phone, "payment_method": "upi"},
    )
    assert response.status_code == 200, response.text


async def _take_backup(admin_id: int = 0) -> tuple[int, Path]:
    backup = await service.take_backup(
        admin_id=admin_id, backup_type=BackupType.manual, trigger="test"
    )
    assert backup.status == BackupStatus.completed, backup.error
    return backup.backup_id, Path(backup.path)


async def _new_category() -> int:
    async with get_sessionmaker()() as db, db.begin():
        category = Category(category_name=f"After backup {uuid.uuid4().hex[:8]}")
        db.add(category)
        await db.flush()
        return category.category_id


async def test_every_table_is_backed_up_or_deliberately_left_out() -> None:
    async with get_sessionmaker()() as db:
        tables = set(await all_tables(await driver(db)))
    backed_up = {
        name
        for name in tables
        if name not in EXCLUDED_TABLES
        and name not in SYSTEM_TABLES
        and not name.startswith("procrastinate_")
    }
    # every business table, including ones added by later migrations (audit_log)
    assert {"customer", "admin", "transaction", "subscription", "plan", "audit_log"} <= backed_up
    assert set(EXCLUDED_TABLES) <= tables  # no stale exclusions
    _, path = await _take_backup()
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        names = set(archive.namelist())
    assert set(manifest["tables"]) == backed_up
    assert {table_member(table) for table in backed_up} | {MANIFEST, "cms/documents.jsonl"} == names
    assert manifest["data_version"] == "2.0" and manifest["format"] == "nexa-backup"
    assert re.fullmatch(r"\d{4}", manifest["schema_revision"])
    assert all(re.fullmatch(r"[0-9a-f]{64}", t["sha256"]) for t in manifest["tables"].values())
    assert path.stat().st_mode & 0o777 == 0o600


async def test_backup_change_restore_gives_back_every_table_and_the_cms(
    committing_client: httpx.AsyncClient, committed_admin: CommittedAdmin
) -> None:
    setup = await committed_customer_and_plan()
    extra_categories: list[int] = []
    late_phone: str | None = None
    faq_id: str | None = None
    try:
        await _recharge(committing_client, setup.phone_number, setup.plan_id)
        faq = await committing_client.post(
            "/admin/cms/faqs",
            headers=committed_admin.headers,
            json={"question": "Backed up?", "answer": "Yes", "order": 1},
        )
        assert faq.status_code == 200, faq.text
        faq_id = faq.json()["id"]
        before = await fingerprints()
        cms_before = await cms_documents()
        assert before["transaction"].rows >= 1 and before["subscription"].rows >= 1
        assert any(d["id"] == faq_id for d in cms_before)

        backup_id, path = await _take_backup(committed_admin.admin_id)
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read(MANIFEST))
        assert {t: e["rows"] for t, e in manifest["tables"].items()} == {
            t: f.rows for t, f in before.items()
        }
        assert manifest["cms"]["rows"] == len(cms_before)

        # change everything we can reach: new rows, edited rows, deleted content, a new account
        await _recharge(committing_client, setup.phone_number, setup.plan_id)
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(
                text("UPDATE customer SET full_name = 'Changed' WHERE customer_id = :id"),
                {"id": setup.customer_id},
            )
        extra_categories.append(await _new_category())
        deleted = await committing_client.delete(
            f"/admin/cms/faqs/{faq_id}", headers=committed_admin.headers
        )
        assert deleted.status_code == 200
        registered = await committing_client.post(
            "/customer/register",
            json={
                "phone_number": "9" + str(uuid.uuid4().int)[:9],
                "password": "secret1",
                "full_name": "Late Customer",
            },
        )
        assert registered.status_code in (200, 201), registered.text
        late_phone = registered.json()["phone_number"]
        late_token = (await login_customer(committing_client, late_phone, "secret1"))[
            "access_token"
        ]
        assert (
            await committing_client.get("/customer/profile", headers=bearer(late_token))
        ).status_code == 200
        changed = await fingerprints()
        assert changed != before
        restores_before = len(await restore_rows())

        restore = await service.restore_file(path)

        assert restore.status == BackupStatus.completed, restore.error
        after = await fingerprints()
        for table, fingerprint in before.items():
            if table in APPEND_ONLY:
                assert after[table].rows >= fingerprint.rows, table
            else:
                assert after[table] == fingerprint, table
        assert await cms_documents() == cms_before
        # the audit trail outlives the restore: the FAQ deletion after the backup is still there
        async with get_sessionmaker()() as db:
            actions = set(
                (
                    await db.execute(select(AuditLog.action).where(AuditLog.target_id == faq_id))
                ).scalars()
            )
        assert {"cms_faq.create", "cms_faq.delete"} <= actions

        # one history row; a safety backup of the data as it was just before
        restores = await restore_rows()
        assert len(restores) == restores_before + 1
        row = restores[-1]
        assert row.backup_source_id == backup_id and row.type == BackupType.manual
        assert sorted(row.data_list["tables_restored"]) == sorted(before)
        assert row.data_list["record_counts"] == {t: f.rows for t, f in before.items()}
        safety = next(b for b in await backup_rows() if b.backup_id == row.safety_backup_id)
        assert safety.status == BackupStatus.completed
        assert safety.data_list["trigger"] == "pre_restore"
        assert safety.data_list["record_counts"] == {t: f.rows for t, f in changed.items()}

        # the account created after the backup is gone, and so is its session
        assert (
            await committing_client.get("/customer/profile", headers=bearer(late_token))
        ).status_code == 401
        # the restoring admin existed in the backup: still signed in
        assert (
            await committing_client.get(f"{BASE}/stats", headers=committed_admin.headers)
        ).status_code == 200
        # ids handed out before the restore are not handed out again
        new_category = await _new_category()
        extra_categories.append(new_category)
        assert new_category > extra_categories[0]
    finally:
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(delete(Category).where(Category.category_id.in_(extra_categories)))
            if faq_id is not None:
                await db.execute(delete(CmsDocument).where(CmsDocument.document_id == faq_id))
            if late_phone is not None:
                late = (
                    await db.execute(
                        select(Customer.customer_id).where(Customer.phone_number == late_phone)
                    )
                ).scalar_one_or_none()
                if late is not None:
                    setup.extra_customer_ids.append(late)
        await setup.purge()


async def test_manual_backup_and_restore_run_as_jobs_and_show_in_the_history(
    committing_client: httpx.AsyncClient, committed_admin: CommittedAdmin
) -> None:
    headers = committed_admin.headers
    created = await committing_client.post(f"{BASE}/backup/manual", headers=headers)
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["status"] == "pending" and body["type"] == "manual"
    assert body["admin_id"] == committed_admin.admin_id
    assert re.fullmatch(r"backup_\d{8}_\d{6}(_\d+)?\.zip", body["file_name"])
    assert "queued" in body["message"]
    backup_id = body["backup_id"]

    await run_jobs()

    history = await committing_client.get(f"{BASE}/backup", headers=headers)
    assert history.status_code == 200
    row = next(b for b in history.json() if b["backup_id"] == backup_id)
    assert row["status"] == "completed" and row["size_bytes"] > 0
    assert row["data_list"]["record_counts"]["admin"] >= 1
    assert "customer" in row["data_list"]["tables_backed_up"]
    assert Path(row["path"]).name == row["file_name"]
    assert await asyncio.to_thread(Path(row["path"]).is_file)
    manual_only = await committing_client.get(
        f"{BASE}/backup", headers=headers, params={"backup_type": "manual"}
    )
    assert {b["type"] for b in manual_only.json()} == {"manual"}

    category_id = await _new_category()
    try:
        for body_sent in (None, {"confirm": False}):
            refused = await committing_client.post(
                f"{BASE}/restore/{backup_id}", headers=headers, json=body_sent
            )
            assert refused.status_code == 400
            assert refused.json()["code"] == "confirmation_required"
        started = await committing_client.post(
            f"{BASE}/restore/{backup_id}", headers=headers, json={"confirm": True}
        )
        assert started.status_code == 200, started.text
        assert started.json()["status"] == "pending"
        restore_id = started.json()["restore_id"]
        again = await committing_client.post(
            f"{BASE}/restore/{backup_id}", headers=headers, json={"confirm": True}
        )
        assert again.status_code == 409 and again.json()["code"] == "restore_in_progress"

        await run_jobs()

        restores = await committing_client.get(f"{BASE}/restore", headers=headers)
        done = next(r for r in restores.json() if r["restore_id"] == restore_id)
        assert done["status"] == "completed", done["error"]
        assert done["backup_source_id"] == backup_id and done["safety_backup_id"]
        assert "customer" in done["data_list"]["tables_restored"]
        async with get_sessionmaker()() as db:
            assert await db.get(Category, category_id) is None  # made after the backup
            actions = set(
                (
                    await db.execute(
                        select(AuditLog.action).where(AuditLog.admin_id == committed_admin.admin_id)
                    )
                ).scalars()
            )
        assert {"backup.create", "restore.start", "restore.complete"} <= actions

        stats = (await committing_client.get(f"{BASE}/stats", headers=headers)).json()
        assert stats["total_backups"] >= 2 and stats["manual_backups"] >= 1
        assert stats["auto_backups"] >= 1  # the safety backup
        assert stats["recent_backups"] >= 2 and stats["total_restores"] >= 1
    finally:
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(delete(Category).where(Category.category_id == category_id))


def _rewrite(path: Path, edit: dict[str, bytes]) -> None:
    """Rewrite the archive with some members' content replaced (valid ZIP, stale manifest)."""
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members.update(edit)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)


async def test_truncated_archive_is_refused_before_anything_changes(
    committing_client: httpx.AsyncClient, committed_admin: CommittedAdmin
) -> None:
    backup_id, path = await _take_backup(committed_admin.admin_id)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    category_id = await _new_category()
    try:
        before = await fingerprints()
        backups, restores = len(await backup_rows()), len(await restore_rows())

        refused = await committing_client.post(
            f"{BASE}/restore/{backup_id}", headers=committed_admin.headers, json={"confirm": True}
        )
        assert refused.status_code == 422
        assert refused.json()["code"] == "invalid_backup_file"
        assert "truncated" in refused.json()["detail"]
        with pytest.raises(service.InvalidBackupFile) as refused_file:
            await service.restore_file(path)
        assert refused_file.value.code == "invalid_backup_file"

        assert await fingerprints() == before
        assert (len(await backup_rows()), len(await restore_rows())) == (backups, restores)
    finally:
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(delete(Category).where(Category.category_id == category_id))


async def test_edited_archive_is_refused_before_anything_changes(
    committing_client: httpx.AsyncClient, committed_admin: CommittedAdmin
) -> None:
    category_id = await _new_category()
    try:
        backup_id, path = await _take_backup(committed_admin.admin_id)
        member = table_member("category")
        with zipfile.ZipFile(path) as archive:
            original = archive.read(member)
        assert b"After backup" in original
        _rewrite(path, {member: original.replace(b"After backup", b"Tampered  xx")})
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(delete(Category).where(Category.category_id == category_id))
        before = await fingerprints()
        backups = len(await backup_rows())

        with pytest.raises(service.InvalidBackupFile) as refused:
            await service.restore_file(path)
        assert refused.value.code == "backup_damaged"
        assert member in refused.value.detail and "SHA-256" in refused.value.detail
        assert await fingerprints() == before

        # through the API the quick checks pass; the job's full check refuses it
        started = await committing_client.post(
            f"{BASE}/restore/{backup_id}", headers=committed_admin.headers, json={"confirm": True}
        )
        assert started.status_code == 200, started.text
        await run_jobs()
        row = next(r for r in await restore_rows() if r.restore_id == started.json()["restore_id"])
        assert row.status == BackupStatus.failed
        assert row.error is not None and "SHA-256" in row.error
        assert "nothing was changed" in row.error
        assert row.safety_backup_id is None
        assert len(await backup_rows()) == backups  # no safety backup was taken
        after = await fingerprints()
        # only the audit trail moved: it records that a restore was asked for
        assert {t: f for t, f in after.items() if t != "audit_log"} == {
            t: f for t, f in before.items() if t != "audit_log"
        }
        assert after["audit_log"].rows == before["audit_log"].rows + 1
    finally:
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(delete(Category).where(Category.category_id == category_id))


async def test_foreign_archives_are_refused_with_the_reason(
    committing_client: httpx.AsyncClient, committed_admin: CommittedAdmin
) -> None:
    backup_id, path = await _take_backup(committed_admin.admin_id)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    manifest["schema_revision"] = "0001"
    _rewrite(path, {MANIFEST: json.dumps(manifest).encode()})
    url, body = f"{BASE}/restore/{backup_id}", {"confirm": True}
    answer = await committing_client.post(url, headers=committed_admin.headers, json=body)
    assert answer.status_code == 422 and answer.json()["code"] == "schema_mismatch"
    assert "0001" in answer.json()["detail"]

    path.write_text(json.dumps({"metadata": {"data_version": "1.0"}, "customers": []}))
    answer = await committing_client.post(url, headers=committed_admin.headers, json=body)
    assert answer.status_code == 422 and answer.json()["code"] == "unsupported_backup_format"

    path.unlink()
    answer = await committing_client.post(url, headers=committed_admin.headers, json=body)
    assert answer.status_code == 422 and answer.json()["code"] == "backup_file_missing"


async def test_rotation_keeps_the_newest_max_backups(small_rotation: None) -> None:
    taken = [await _take_backup() for _ in range(3)]
    kept = {b.backup_id for b in await backup_rows()}
    assert taken[0][0] not in kept and {taken[1][0], taken[2][0]} <= kept
    assert not taken[0][1].exists() and taken[1][1].exists() and taken[2][1].exists()


async def test_delete_removes_row_and_file(
    committing_client: httpx.AsyncClient, committed_admin: CommittedAdmin
) -> None:
    backup_id, path = await _take_backup(committed_admin.admin_id)
    deleted = await committing_client.delete(
        f"{BASE}/backup/{backup_id}", headers=committed_admin.headers
    )
    assert deleted.status_code == 200 and str(backup_id) in deleted.json()["message"]
    assert not path.exists()
    assert backup_id not in {b.backup_id for b in await backup_rows()}
    again = await committing_client.delete(
        f"{BASE}/backup/{backup_id}", headers=committed_admin.headers
    )
    assert again.status_code == 404 and again.json()["code"] == "backup_not_found"
    async with get_sessionmaker()() as db:
        actions = set(
            (
                await db.execute(
                    select(AuditLog.action).where(AuditLog.target_id == str(backup_id))
                )
            ).scalars()
        )
    assert "backup.delete" in actions


async def test_a_restore_applies_the_restored_account_status_to_live_sessions(
    committing_client: httpx.AsyncClient, committed_admin: CommittedAdmin
) -> None:
    async with get_sessionmaker()() as db, db.begin():
        customer = await make_customer(
            db, account_status=AccountStatus.suspended, status_reason=StatusReason.admin
        )
        customer_id, phone = customer.customer_id, customer.phone_number
    try:
        _, path = await _take_backup(committed_admin.admin_id)
        activated = await committing_client.post(
            f"/admin/customers/{customer_id}/activate", headers=committed_admin.headers
        )
        assert activated.status_code == 200, activated.text
        headers = bearer((await login_customer(committing_client, phone))["access_token"])
        for _ in range(2):  # the second answer may come from the session cache
            assert (
                await committing_client.get("/customer/profile", headers=headers)
            ).status_code == 200

        restore = await service.restore_file(path)
        assert restore.status == BackupStatus.completed, restore.error

        # the session outlives the restore (the customer is in the backup), but the restored
        # status applies at once, in every process (the restore announces itself)
        for _ in range(40):
            answer = await committing_client.get("/customer/profile", headers=headers)
            if answer.status_code != 200:
                break
            await asyncio.sleep(0.05)
        assert answer.status_code == 403 and answer.json()["code"] == "account_suspended"
    finally:
        await purge(customer_ids=[customer_id], phones=[phone])


async def test_the_audit_log_keeps_its_entries_and_gains_the_backups(
    committed_admin: CommittedAdmin,
) -> None:
    marker = uuid.uuid4().hex[:12]
    insert = text(
        "INSERT INTO audit_log (admin_id, admin_email, admin_name, action, target_type, "
        "target_id, created_at) VALUES (:admin, 'a@example.com', 'A', :action, 'test', "
        ":marker, now()) RETURNING audit_id"
    )
    async with get_sessionmaker()() as db, db.begin():
        backed_up = (
            await db.execute(
                insert,
                {"admin": committed_admin.admin_id, "action": "test.before", "marker": marker},
            )
        ).scalar_one()
    try:
        _, path = await _take_backup(committed_admin.admin_id)
        # after the backup, the backed-up entry's id is taken by another entry
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(text("DELETE FROM audit_log WHERE audit_id = :id"), {"id": backed_up})
            await db.execute(
                text(
                    "INSERT INTO audit_log (audit_id, admin_id, admin_email, admin_name, action, "
                    "target_type, target_id, created_at) VALUES (:id, :admin, 'b@example.com', "
                    "'B', 'test.after', 'test', :marker, now())"
                ),
                {"id": backed_up, "admin": committed_admin.admin_id, "marker": marker},
            )

        restore = await service.restore_file(path)

        assert restore.status == BackupStatus.completed, restore.error
        assert restore.data_list["merged_rows"]["audit_log"] >= 1
        async with get_sessionmaker()() as db:
            rows = (
                await db.execute(
                    select(AuditLog.audit_id, AuditLog.action)
                    .where(AuditLog.target_id == marker)
                    .order_by(AuditLog.audit_id)
                )
            ).all()
        # the current entry keeps its id; the backup's comes back under a new one
        assert rows[0] == (backed_up, "test.after")
        assert [action for _, action in rows[1:]] == ["test.before"]
        assert rows[1][0] > backed_up
    finally:
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(delete(AuditLog).where(AuditLog.target_id == marker))
