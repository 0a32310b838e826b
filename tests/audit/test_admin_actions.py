"""Every state-changing admin action leaves one audit row: who, what, when, target,
before/after — and a failed action leaves none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.models import LinkedAccount
from tests.audit.conftest import Actor
from tests.factories.accounts import make_customer
from tests.helpers import bearer, login_admin

OFFER_FORMAT = "%d.%m.%Y %H:%M"


async def audit(client: httpx.AsyncClient, actor: Actor, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(
        "/admin/audit-log", headers=actor.headers, params={"admin_id": actor.admin_id, **params}
    )
    assert response.status_code == 200, response.text
    assert int(response.headers["X-Total-Count"]) >= len(response.json())
    return list(response.json())


async def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def summary(entries: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    """(action, target_type, target_id), oldest first."""
    return [(e["action"], e["target_type"], e["target_id"]) for e in reversed(entries)]


async def test_catalogue_changes_are_audited(client: httpx.AsyncClient, actor: Actor) -> None:
    h = actor.headers
    category = await ok(
        await client.post("/admin/categories/", headers=h, json={"category_name": "Audit Cat"})
    )
    cid = category["category_id"]
    await ok(
        await client.put(
            f"/admin/categories/{cid}", headers=h, json={"category_name": "Audit Cat 2"}
        )
    )
    plan = await ok(
        await client.post(
            "/admin/plans/",
            headers=h,
            json={
                "category_id": cid,
                "plan_name": "Audit 599",
                "plan_type": "Prepaid",
                "price": 599,
                "validity_days": 28,
                "description": "for the audit",
                "data_allowance_gb": 56,
            },
        )
    )
    pid = plan["plan_id"]
    await ok(await client.put(f"/admin/plans/{pid}", headers=h, json={"price": 649.5}))
    await ok(await client.post(f"/admin/plans/{pid}/deactivate", headers=h))
    await ok(await client.post(f"/admin/plans/{pid}/activate", headers=h))
    now = clock.now()
    dates = {
        "valid_from": (now - timedelta(days=1)).strftime(OFFER_FORMAT),
        "valid_until": (now + timedelta(days=10)).strftime(OFFER_FORMAT),
    }
    offer = await ok(
        await client.post(
            "/admin/offers/",
            headers=h,
            json={"plan_id": pid, "offer_name": "Audit deal", "discounted_price": 499, **dates},
        )
    )
    percent = await ok(
        await client.post(
            "/admin/offers/create-with-discount",
            headers=h,
            json={"plan_id": pid, "offer_name": "Ten off", "discount_percentage": 10, **dates},
        )
    )
    oid = offer["offer_id"]
    await ok(await client.put(f"/admin/offers/{oid}", headers=h, json={"discounted_price": 479}))
    await ok(await client.delete(f"/admin/offers/{oid}", headers=h))
    await ok(await client.delete(f"/admin/plans/{pid}", headers=h))
    other = await ok(
        await client.post("/admin/categories/", headers=h, json={"category_name": "Audit Tmp"})
    )
    await ok(await client.delete(f"/admin/categories/{other['category_id']}", headers=h))

    entries = await audit(client, actor)
    assert summary(entries) == [
        ("category.create", "category", str(cid)),
        ("category.update", "category", str(cid)),
        ("plan.create", "plan", str(pid)),
        ("plan.update", "plan", str(pid)),
        ("plan.deactivate", "plan", str(pid)),
        ("plan.activate", "plan", str(pid)),
        ("offer.create", "offer", str(oid)),
        ("offer.create", "offer", str(percent["offer_id"])),
        ("offer.update", "offer", str(oid)),
        ("offer.delete", "offer", str(oid)),
        ("plan.delete", "plan", str(pid)),
        ("category.create", "category", str(other["category_id"])),
        ("category.delete", "category", str(other["category_id"])),
    ]
    by_action = {(e["action"], e["target_id"]): e for e in entries}
    update = by_action[("plan.update", str(pid))]
    assert (update["before"], update["after"]) == ({"price": "599.00"}, {"price": "649.50"})
    assert update["admin_email"] == actor.email and update["created_at"]
    assert by_action[("category.update", str(cid))]["before"] == {"category_name": "Audit Cat"}
    created = by_action[("plan.create", str(pid))]
    assert created["before"] is None
    assert created["after"]["plan_name"] == "Audit 599"
    assert created["after"]["data_allowance_mb"] == 56 * 1024
    assert by_action[("plan.deactivate", str(pid))]["after"] == {"status": "inactive"}
    assert by_action[("offer.update", str(oid))]["after"] == {"discounted_price": "479.00"}
    assert (
        by_action[("offer.create", str(percent["offer_id"]))]["after"]["discount_percentage"]
        == "10"
    )
    deleted = by_action[("plan.delete", str(pid))]
    assert deleted["before"]["deleted_at"] is None and deleted["after"]["deleted_at"]
    assert by_action[("category.delete", str(other["category_id"]))]["after"] is None


async def test_a_refused_action_leaves_no_audit_row(
    client: httpx.AsyncClient, actor: Actor
) -> None:
    h = actor.headers
    category = await ok(
        await client.post("/admin/categories/", headers=h, json={"category_name": "Refused"})
    )
    bad = await client.post(
        "/admin/plans/",
        headers=h,
        json={
            "category_id": category["category_id"],
            "plan_name": "Bad",
            "plan_type": "Prepaid",
            "price": 0,
            "validity_days": 28,
            "description": "price 0 is refused",
        },
    )
    assert bad.status_code == 400
    clash = await client.post("/admin/categories/", headers=h, json={"category_name": "refused"})
    assert clash.status_code == 400
    assert summary(await audit(client, actor)) == [
        ("category.create", "category", str(category["category_id"]))
    ]


async def test_customer_status_changes_are_audited(
    client: httpx.AsyncClient, db: AsyncSession, actor: Actor
) -> None:
    customer = await make_customer(db)
    cid = customer.customer_id
    h = actor.headers
    await ok(
        await client.post(
            f"/admin/customers/{cid}/suspend", headers=h, json={"reason": "chargeback"}
        )
    )
    await ok(await client.post(f"/admin/customers/{cid}/activate", headers=h))
    await ok(await client.post(f"/admin/customers/{cid}/deactivate", headers=h))
    entries = await audit(client, actor, target_type="customer", target_id=str(cid))
    assert [e["action"] for e in reversed(entries)] == [
        "customer.suspend",
        "customer.activate",
        "customer.deactivate",
    ]
    suspend = entries[-1]
    assert suspend["before"] == {"account_status": "active"} | suspend["before"]
    assert suspend["after"]["account_status"] == "suspended"
    assert suspend["after"]["status_note"] == "chargeback"
    assert suspend["after"]["sessions_revoked"] == 0


async def test_cms_changes_are_audited(client: httpx.AsyncClient, actor: Actor) -> None:
    h = actor.headers
    header = await ok(
        await client.post(
            "/admin/cms/headers",
            headers=h,
            json={
                "title": "Hello",
                "description": "Welcome",
                "button_text": "Go",
                "image_url": "https://example.com/h.png",
                "is_active": False,
            },
        )
    )
    await ok(
        await client.put(f"/admin/cms/headers/{header['id']}", headers=h, json={"title": "Hi"})
    )
    await ok(await client.delete(f"/admin/cms/headers/{header['id']}", headers=h))
    faqs = [
        await ok(
            await client.post(
                "/admin/cms/faqs", headers=h, json={"question": f"Q{n}?", "answer": "A", "order": n}
            )
        )
        for n in (1, 2)
    ]
    await ok(
        await client.post(
            "/admin/cms/reorder",
            headers=h,
            json={"item_id": faqs[1]["id"], "new_order": 1, "collection_type": "faq"},
        )
    )
    entries = await audit(client, actor)
    assert summary(entries) == [
        ("cms_header.create", "cms_header", header["id"]),
        ("cms_header.update", "cms_header", header["id"]),
        ("cms_header.delete", "cms_header", header["id"]),
        ("cms_faq.create", "cms_faq", faqs[0]["id"]),
        ("cms_faq.create", "cms_faq", faqs[1]["id"]),
        ("cms_faq.reorder", "cms_faq", faqs[1]["id"]),
    ]
    update = entries[-2]
    assert update["action"] == "cms_header.update"
    assert (update["before"]["title"], update["after"]["title"]) == ("Hello", "Hi")
    assert (entries[0]["before"], entries[0]["after"]) == ({"order": 2}, {"order": 1})
    assert entries[-3]["before"]["title"] == "Hi"  # the deleted header as it was


async def test_notifications_sent_and_broadcast_are_audited(
    client: httpx.AsyncClient, db: AsyncSession, actor: Actor
) -> None:
    customers = [await make_customer(db) for _ in range(2)]
    ids = sorted(c.customer_id for c in customers)
    body = {"title": "Promo", "message": "20% off", "channel": "in_app"}
    await ok(
        await client.post(
            "/admin/notifications/send", headers=actor.headers, json={**body, "customer_ids": ids}
        )
    )
    broadcast = await ok(
        await client.post(
            "/admin/notifications/send", headers=actor.headers, json={**body, "send_to_all": True}
        )
    )
    sent, fanned = (
        await audit(client, actor, action="notification.send"),
        await audit(client, actor, action="notification.broadcast"),
    )
    assert len(sent) == 1 and sent[0]["target_id"] is None
    assert sent[0]["after"]["customer_ids"] == ids and sent[0]["after"]["sent"] == 2
    assert sent[0]["after"]["title"] == "Promo"
    assert [e["target_id"] for e in fanned] == [str(broadcast["broadcast_id"])]
    assert fanned[0]["after"]["target_count"] == broadcast["total_sent"]


async def test_test_clock_moves_are_audited(client: httpx.AsyncClient, actor: Actor) -> None:
    moved = await ok(
        await client.post(
            "/admin/test-clock", headers=actor.headers, json={"advance_seconds": 3600}
        )
    )
    [entry] = await audit(client, actor, action="test_clock.move")
    assert entry["target_type"] == "test_clock"
    assert entry["after"]["offset_seconds"] == moved["offset_seconds"]
    assert entry["after"]["offset_seconds"] - entry["before"]["offset_seconds"] == 3600
    assert "subscription_lifecycle" in entry["after"]["jobs_run"]


async def test_admin_accounts_and_links_are_audited_without_passwords(
    client: httpx.AsyncClient, db: AsyncSession, actor: Actor
) -> None:
    h = actor.headers
    new_password = "brand-new-admin-pass-1"
    created = await ok(
        await client.post(
            "/admin/admins/",
            headers=h,
            json={
                "name": "Second",
                "email": "second-audit@example.com",
                "phone_number": "9000012345",
                "password": new_password,
            },
        )
    )
    await ok(
        await client.put(
            f"/admin/admins/{created['admin_id']}", headers=h, json={"name": "Second B"}
        )
    )
    changed_to = "changed-admin-pass-2"
    await ok(
        await client.post(
            "/admin/admins/change-password",
            headers=h,
            json={"current_password": "admin-password-1", "new_password": changed_to},
        )
    )
    # the password change ended no session of this admin's own login
    customer = await make_customer(db)
    link = LinkedAccount(primary_customer_id=customer.customer_id, linked_phone_number="9111122222")
    db.add(link)
    await db.flush()
    await ok(await client.delete(f"/admin/linked-accounts/{link.linked_account_id}", headers=h))
    tokens = await login_admin(client, actor.email, changed_to)

    response = await client.get(
        "/admin/audit-log",
        headers=bearer(tokens["access_token"]),
        params={"admin_id": actor.admin_id},
    )
    entries = response.json()
    assert summary(entries) == [
        ("admin.create", "admin", str(created["admin_id"])),
        ("admin.update", "admin", str(created["admin_id"])),
        ("admin.password_change", "admin", str(actor.admin_id)),
        ("linked_account.delete", "linked_account", str(link.linked_account_id)),
    ]
    assert entries[-1]["after"] == {
        "email": "second-audit@example.com",
        "name": "Second",
        "phone_number": "9000012345",
    }
    assert (entries[-2]["before"], entries[-2]["after"]) == (
        {"name": "Second"},
        {"name": "Second B"},
    )
    assert entries[0]["before"]["linked_phone_number"] == "9111122222"
    text = response.text
    for secret in (new_password, changed_to, "admin-password-1", "argon2", tokens["access_token"]):
        assert secret not in text
    assert "password_hash" not in text
