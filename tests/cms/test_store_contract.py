"""One contract for every document store: PostgreSQL always, MongoDB when
NEXA_TEST_MONGODB_URL names a server (e.g. mongodb://127.0.0.1:27017)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.cms.repository import DocumentStore, MongoDocumentStore, PostgresDocumentStore
from nexa.core import clock

STORES = ["postgres"] + (["mongodb"] if os.environ.get("NEXA_TEST_MONGODB_URL") else [])


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, db: AsyncSession) -> AsyncIterator[DocumentStore]:
    if request.param == "postgres":
        yield PostgresDocumentStore(db)
        return
    mongo = MongoDocumentStore(
        os.environ["NEXA_TEST_MONGODB_URL"], f"nexa_contract_{uuid.uuid4().hex[:8]}"
    )
    yield mongo
    await mongo.client.drop_database(mongo.database.name)
    await mongo.client.close()


async def test_insert_get_update_delete(store: DocumentStore) -> None:
    created = await store.insert("headers", {"title": "Hi"}, is_active=True, position=None)
    assert store.valid_id(created.id)
    found = await store.get("headers", created.id)
    assert found is not None and found.body == {"title": "Hi"} and found.is_active
    updated = await store.update("headers", created.id, {"title": "Hello"}, is_active=False)
    assert updated is not None and updated.body["title"] == "Hello" and not updated.is_active
    assert updated.updated_at >= created.updated_at
    assert await store.get("carousels", created.id) is None  # another collection
    assert await store.delete("headers", created.id)
    assert await store.get("headers", created.id) is None
    assert not await store.delete("headers", created.id)


async def test_malformed_and_unknown_ids(store: DocumentStore) -> None:
    assert not store.valid_id("not-an-id")
    assert await store.get("faqs", "not-an-id") is None
    created = await store.insert("faqs", {"question": "q"}, is_active=True, position=1)
    await store.delete("faqs", created.id)
    assert await store.get("faqs", created.id) is None  # well-formed but unknown


async def test_orders_stay_one_to_n(store: DocumentStore) -> None:
    a = await store.insert("carousels", {"title": "a"}, is_active=True, position=1)
    b = await store.insert("carousels", {"title": "b"}, is_active=True, position=2)
    c = await store.insert("carousels", {"title": "c"}, is_active=False, position=1)  # in front

    async def titles() -> list[tuple[str, int | None]]:
        return [(d.body["title"], d.position) for d in await store.find_all("carousels")]

    assert await titles() == [("c", 1), ("a", 2), ("b", 3)]
    assert await store.move("carousels", c.id, 99)  # beyond the end: last
    assert await titles() == [("a", 1), ("b", 2), ("c", 3)]
    assert await store.move("carousels", a.id, 1)  # unchanged order is fine
    assert await store.delete("carousels", b.id)
    assert await titles() == [("a", 1), ("c", 2)]
    active = await store.find_all("carousels", active_only=True)
    assert [d.body["title"] for d in active] == ["a"]
    assert not await store.move("carousels", b.id, 1)


async def test_headers_list_newest_first(store: DocumentStore) -> None:
    first = await store.insert("headers", {"title": "1"}, is_active=False, position=None)
    second = await store.insert("headers", {"title": "2"}, is_active=True, position=None)
    assert [d.id for d in await store.find_all("headers")][:2] == [second.id, first.id]


async def test_export_and_replace_round_trip(store: DocumentStore) -> None:
    await store.insert("faqs", {"question": "q1", "answer": "a"}, is_active=True, position=1)
    await store.insert("headers", {"title": "h"}, is_active=True, position=None)
    exported = await store.export_all()
    await store.replace_all([])
    assert await store.export_all() == []
    await store.replace_all(exported)
    assert sorted(d["id"] for d in await store.export_all()) == sorted(d["id"] for d in exported)


async def test_times_follow_the_service_clock(store: DocumentStore) -> None:
    """Created and updated times are the service's clock (the test clock outside
    production), not the machine's."""
    clock.set_offset(timedelta(days=40))
    created = await store.insert("faqs", {"question": "q"}, is_active=True, position=1)
    assert abs(created.created_at - clock.now()) < timedelta(minutes=1)
    assert abs(created.updated_at - clock.now()) < timedelta(minutes=1)
    clock.set_offset(timedelta(days=41))
    updated = await store.update("faqs", created.id, {"answer": "a"})
    assert updated is not None and updated.created_at == created.created_at
    assert abs(updated.updated_at - clock.now()) < timedelta(minutes=1)
