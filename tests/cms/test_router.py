"""CMS through the API: admins create, reorder and deactivate; customers see the result."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import Category
from tests.recharge.conftest import admin_headers

__all__ = ["admin_headers"]


@pytest.fixture
async def category_id(db: AsyncSession) -> str:
    category = Category(category_name="CMS tests")
    db.add(category)
    await db.flush()
    return str(category.category_id)


def carousel(title: str, order: int, category_id: str) -> dict[str, object]:
    return {
        "title": title,
        "details": "2 GB/day",
        "price_text": "₹299",
        "category_id": category_id,
        "image_url": "https://cdn.example.com/c.png",
        "cta_text": "Buy",
        "order": order,
    }


def faq(question: str, order: int, **extra: object) -> dict[str, object]:
    return {"question": question, "answer": "Yes.", "order": order, **extra}


async def test_admin_changes_are_what_customers_see_in_order(
    client: httpx.AsyncClient, admin_headers: dict[str, str], category_id: str
) -> None:
    ids = []
    for title in ("One", "Two", "Three"):
        response = await client.post(
            "/admin/cms/carousels", headers=admin_headers, json=carousel(title, 99, category_id)
        )
        assert response.status_code == 200, response.text
        ids.append(response.json()["id"])
    assert [
        c["order"] for c in (await client.get("/admin/cms/carousels", headers=admin_headers)).json()
    ] == [1, 2, 3]
    moved = await client.post(
        "/admin/cms/reorder",
        headers=admin_headers,
        json={"item_id": ids[2], "new_order": 1, "collection_type": "carousel"},
    )
    assert moved.status_code == 200
    off = await client.put(
        f"/admin/cms/carousels/{ids[0]}", headers=admin_headers, json={"is_active": False}
    )
    assert off.json()["is_active"] is False

    public = await client.get("/customer/cms/carousels")  # no token needed
    assert [(c["title"], c["order"]) for c in public.json()] == [("Three", 1), ("Two", 3)]
    content = await client.get("/customer/cms/content")
    assert [c["title"] for c in content.json()["carousels"]] == ["Three", "Two"]
    overview = (await client.get("/admin/cms/overview", headers=admin_headers)).json()
    assert [c["title"] for c in overview["carousels"]] == ["Three", "One", "Two"]


async def test_content_etag_round_trip(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await client.post("/admin/cms/faqs", headers=admin_headers, json=faq("Q1", 1))
    first = await client.get("/customer/cms/content")
    etag = first.headers["etag"]
    again = await client.get("/customer/cms/content", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    await client.post("/admin/cms/faqs", headers=admin_headers, json=faq("Q2", 2))
    changed = await client.get("/customer/cms/content", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert [f["question"] for f in changed.json()["faqs"]] == ["Q1", "Q2"]


async def test_one_active_header(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    header = {
        "title": "Welcome",
        "description": "Plans for all",
        "button_text": "Go",
        "image_url": "https://cdn.example.com/h.png",
    }
    first = await client.post("/admin/cms/headers", headers=admin_headers, json=header)
    assert first.status_code == 200
    second = await client.post("/admin/cms/headers", headers=admin_headers, json=header)
    assert (second.status_code, second.json()["code"]) == (400, "header_exists")
    spare = await client.post(
        "/admin/cms/headers", headers=admin_headers, json={**header, "is_active": False}
    )
    assert spare.status_code == 200
    swap = await client.put(
        f"/admin/cms/headers/{spare.json()['id']}", headers=admin_headers, json={"is_active": True}
    )
    assert swap.json()["code"] == "header_exists"
    await client.put(
        f"/admin/cms/headers/{first.json()['id']}", headers=admin_headers, json={"is_active": False}
    )
    swap = await client.put(
        f"/admin/cms/headers/{spare.json()['id']}",
        headers=admin_headers,
        json={"is_active": True, "title": "New"},
    )
    assert swap.status_code == 200
    assert [h["title"] for h in (await client.get("/customer/cms/headers")).json()] == ["New"]


async def test_validation_and_ids(
    client: httpx.AsyncClient, admin_headers: dict[str, str], category_id: str
) -> None:
    bad = [
        ("/admin/cms/carousels", {**carousel("x", 1, category_id), "image_url": "ftp://x"}),
        ("/admin/cms/carousels", {**carousel("x", 1, category_id), "title": ""}),
        ("/admin/cms/carousels", {**carousel("x", 0, category_id)}),
        ("/admin/cms/faqs", faq("q", 1, image_url="not a url")),
        ("/admin/cms/faqs", {"question": "q", "answer": "a"}),
    ]
    for path, body in bad:
        response = await client.post(path, headers=admin_headers, json=body)
        assert response.status_code == 422, body
    unknown_category = await client.post(
        "/admin/cms/carousels", headers=admin_headers, json=carousel("x", 1, "999999999")
    )
    assert (unknown_category.status_code, unknown_category.json()["code"]) == (
        400,
        "category_not_found",
    )
    malformed = await client.get("/admin/cms/headers/nope", headers=admin_headers)
    assert (malformed.status_code, malformed.json()["code"]) == (400, "invalid_id")
    unknown = await client.get("/admin/cms/headers/" + "0" * 32, headers=admin_headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "cms_item_not_found")
    created = (await client.post("/admin/cms/faqs", headers=admin_headers, json=faq("q", 1))).json()
    empty = await client.put(f"/admin/cms/faqs/{created['id']}", headers=admin_headers, json={})
    assert (empty.status_code, empty.json()["code"]) == (400, "empty_update")
    null = await client.put(
        f"/admin/cms/faqs/{created['id']}", headers=admin_headers, json={"question": None}
    )
    assert null.status_code == 422
    wrong_kind = await client.post(
        "/admin/cms/reorder",
        headers=admin_headers,
        json={"item_id": created["id"], "new_order": 1, "collection_type": "header"},
    )
    assert (wrong_kind.status_code, wrong_kind.json()["code"]) == (400, "invalid_collection")
    gone = await client.delete(f"/admin/cms/faqs/{created['id']}", headers=admin_headers)
    assert gone.status_code == 200
    again = await client.delete(f"/admin/cms/faqs/{created['id']}", headers=admin_headers)
    assert again.status_code == 404
