"""Every backup endpoint is for admins only; bad ids and filters are clear 4xx answers."""

from __future__ import annotations

import httpx
import pytest

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
