"""Where CMS documents live: PostgreSQL JSONB (default) or MongoDB (when MONGODB_URL is set).

Both implement `DocumentStore` (this module is the CMS domain's repository); the contract
tests (tests/cms/test_store_contract.py) run the same checks against each. Ids are opaque
strings; `valid_id` tells a malformed one apart. Carousels and FAQs keep their `order` as
1..n without gaps: every insert, move and delete renumbers the collection.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, cast

from pydantic import JsonValue
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import TypedDict

from nexa.core import clock
from nexa.core.config import get_settings
from nexa.models import CmsDocument

if TYPE_CHECKING:
    from bson import ObjectId
    from pymongo import AsyncMongoClient
    from pymongo.asynchronous.database import AsyncDatabase

COLLECTIONS = ("headers", "carousels", "faqs")
ORDERED = ("carousels", "faqs")

# a document's own fields (title, order…), as stored: JSON
Body = dict[str, JsonValue]
# fields to store (checked by the schemas; JSON-serialisable)
Fields = Mapping[str, object]


@dataclass
class Document:
    id: str
    collection: str
    body: Body
    is_active: bool
    position: int | None
    created_at: datetime
    updated_at: datetime


class ExportedDocument(TypedDict):
    """A document as backups keep it (JSON: the instants in ISO-8601). A restore checks
    documents against it with pydantic, which wants typing_extensions' TypedDict on 3.11."""

    id: str
    collection: str
    body: Body
    is_active: bool
    position: int | None
    created_at: str
    updated_at: str


class DocumentStore(Protocol):
    def valid_id(self, document_id: str) -> bool: ...

    async def insert(
        self, collection: str, body: Fields, *, is_active: bool, position: int | None
    ) -> Document: ...

    async def get(self, collection: str, document_id: str) -> Document | None: ...

    async def find_all(self, collection: str, *, active_only: bool = False) -> list[Document]: ...

    async def update(
        self,
        collection: str,
        document_id: str,
        body: Fields,
        *,
        is_active: bool | None = None,
    ) -> Document | None: ...

    async def delete(self, collection: str, document_id: str) -> bool: ...

    async def move(self, collection: str, document_id: str, position: int) -> bool:
        """Put the document at `position` (1-based; beyond the end = last); renumber 1..n."""

    async def lock(self, collection: str) -> None:
        """Serialise changes of one collection until the end of the unit of work."""

    async def export_all(self) -> list[ExportedDocument]: ...

    async def replace_all(self, documents: Sequence[ExportedDocument]) -> None: ...


def _ordered(documents: list[Document], collection: str) -> list[Document]:
    if collection in ORDERED:
        return sorted(documents, key=lambda d: (d.position or 0, d.created_at, d.id))
    return sorted(documents, key=lambda d: (d.created_at, d.id), reverse=True)


def _placed(ids: list[str], document_id: str, position: int) -> list[str]:
    rest = [i for i in ids if i != document_id]
    index = min(max(position, 1), len(rest) + 1) - 1
    return [*rest[:index], document_id, *rest[index:]]


def export_document(document: Document) -> ExportedDocument:
    return {
        "id": document.id,
        "collection": document.collection,
        "body": document.body,
        "is_active": document.is_active,
        "position": document.position,
        "created_at": document.created_at.isoformat(),
        "updated_at": document.updated_at.isoformat(),
    }


# --- PostgreSQL ---------------------------------------------------------------------------------

_PG_ID = re.compile(r"[0-9a-f]{32}")


class PostgresDocumentStore:
    """Documents in the `cms_document` table, inside the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def valid_id(self, document_id: str) -> bool:
        return bool(_PG_ID.fullmatch(document_id))

    @staticmethod
    def _document(row: CmsDocument) -> Document:
        return Document(
            id=row.document_id,
            collection=row.collection,
            body=dict(row.body),
            is_active=row.is_active,
            position=row.position,
            created_at=row.created_at,
            updated_at=row.updated_at or row.created_at,
        )

    async def lock(self, collection: str) -> None:
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"cms:{collection}"}
        )

    async def _row(self, collection: str, document_id: str) -> CmsDocument | None:
        if not self.valid_id(document_id):
            return None
        return (
            await self.session.execute(
                select(CmsDocument).where(
                    CmsDocument.collection == collection, CmsDocument.document_id == document_id
                )
            )
        ).scalar_one_or_none()

    async def insert(
        self, collection: str, body: Fields, *, is_active: bool, position: int | None
    ) -> Document:
        now = clock.now()  # not the transaction's start: order of creation matters
        row = CmsDocument(
            document_id=uuid.uuid4().hex,
            collection=collection,
            body=body,
            is_active=is_active,
            position=None,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        if collection in ORDERED:
            await self.move(collection, row.document_id, position or 10**9)
        await self.session.refresh(row)
        return self._document(row)

    async def get(self, collection: str, document_id: str) -> Document | None:
        row = await self._row(collection, document_id)
        return self._document(row) if row else None

    async def find_all(self, collection: str, *, active_only: bool = False) -> list[Document]:
        query = select(CmsDocument).where(CmsDocument.collection == collection)
        if active_only:
            query = query.where(CmsDocument.is_active.is_(True))
        rows = (await self.session.execute(query)).scalars()
        return _ordered([self._document(row) for row in rows], collection)

    async def update(
        self,
        collection: str,
        document_id: str,
        body: Fields,
        *,
        is_active: bool | None = None,
    ) -> Document | None:
        row = await self._row(collection, document_id)
        if row is None:
            return None
        row.body = {**row.body, **body}
        if is_active is not None:
            row.is_active = is_active
        row.updated_at = clock.now()
        await self.session.flush()
        await self.session.refresh(row)
        return self._document(row)

    async def delete(self, collection: str, document_id: str) -> bool:
        if not self.valid_id(document_id):
            return False
        result = await self.session.execute(
            delete(CmsDocument).where(
                CmsDocument.collection == collection, CmsDocument.document_id == document_id
            )
        )
        if collection in ORDERED:
            await self._renumber(collection, [d.id for d in await self.find_all(collection)])
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def move(self, collection: str, document_id: str, position: int) -> bool:
        ids = [d.id for d in await self.find_all(collection)]
        if document_id not in ids:
            return False
        await self._renumber(collection, _placed(ids, document_id, position))
        return True

    async def _renumber(self, collection: str, ids: list[str]) -> None:
        now = clock.now()
        for position, document_id in enumerate(ids, start=1):
            await self.session.execute(
                update(CmsDocument)
                .where(
                    CmsDocument.document_id == document_id,
                    CmsDocument.position.is_distinct_from(position),
                )
                .values(position=position, updated_at=now)
            )
        self.session.expire_all()

    async def export_all(self) -> list[ExportedDocument]:
        rows = (
            await self.session.execute(select(CmsDocument).order_by(CmsDocument.document_id))
        ).scalars()
        return [export_document(self._document(row)) for row in rows]

    async def replace_all(self, documents: Sequence[ExportedDocument]) -> None:
        await self.session.execute(delete(CmsDocument))
        for document in documents:
            self.session.add(
                CmsDocument(
                    document_id=document["id"],
                    collection=document["collection"],
                    body=document["body"],
                    is_active=document["is_active"],
                    position=document["position"],
                    created_at=datetime.fromisoformat(document["created_at"]),
                    updated_at=datetime.fromisoformat(document["updated_at"]),
                )
            )
        await self.session.flush()


# --- MongoDB ------------------------------------------------------------------------------------

_MONGO_ID = re.compile(r"[0-9a-f]{24}")
# a document as MongoDB holds it: the body's fields beside _id, is_active, position and times
RawDocument = dict[str, object]


class MongoDocumentStore:
    """Documents in MongoDB (one collection per content type), through PyMongo's async client.

    MongoDB runs outside the PostgreSQL transaction: a change is written when the request
    does it. Renumbering is one ordered bulk write.
    """

    def __init__(self, url: str, database: str) -> None:
        from pymongo import AsyncMongoClient

        self.client: AsyncMongoClient[RawDocument] = AsyncMongoClient(url, tz_aware=True)
        self.database: AsyncDatabase[RawDocument] = self.client[database]

    def valid_id(self, document_id: str) -> bool:
        return bool(_MONGO_ID.fullmatch(document_id))

    @staticmethod
    def _document(collection: str, raw: RawDocument) -> Document:
        # the fields NEXA wrote: a JSON body beside its own, typed ones
        body = {
            k: v
            for k, v in raw.items()
            if k not in ("_id", "is_active", "position", "created_at", "updated_at")
        }
        created_at = cast(datetime, raw["created_at"])
        return Document(
            id=str(raw["_id"]),
            collection=collection,
            body=cast(Body, body),
            is_active=bool(raw.get("is_active", True)),
            position=cast(int | None, raw.get("position")),
            created_at=created_at,
            updated_at=cast(datetime, raw.get("updated_at", created_at)),
        )

    def _id(self, document_id: str) -> ObjectId:
        from bson import ObjectId

        return ObjectId(document_id)

    async def lock(self, collection: str) -> None:
        return None  # single-document writes; renumbering is idempotent

    async def insert(
        self, collection: str, body: Fields, *, is_active: bool, position: int | None
    ) -> Document:
        now = clock.now()
        raw: RawDocument = {
            **body,
            "is_active": is_active,
            "position": None,
            "created_at": now,
            "updated_at": now,
        }
        result = await self.database[collection].insert_one(raw)
        document_id = str(result.inserted_id)
        if collection in ORDERED:
            await self.move(collection, document_id, position or 10**9)
        found = await self.get(collection, document_id)
        assert found is not None
        return found

    async def get(self, collection: str, document_id: str) -> Document | None:
        if not self.valid_id(document_id):
            return None
        raw = await self.database[collection].find_one({"_id": self._id(document_id)})
        return self._document(collection, raw) if raw else None

    async def find_all(self, collection: str, *, active_only: bool = False) -> list[Document]:
        query = {"is_active": True} if active_only else {}
        raws = await self.database[collection].find(query).to_list(None)
        return _ordered([self._document(collection, raw) for raw in raws], collection)

    async def update(
        self,
        collection: str,
        document_id: str,
        body: Fields,
        *,
        is_active: bool | None = None,
    ) -> Document | None:
        if not self.valid_id(document_id):
            return None
        changes: RawDocument = {**body, "updated_at": clock.now()}
        if is_active is not None:
            changes["is_active"] = is_active
        result = await self.database[collection].update_one(
            {"_id": self._id(document_id)}, {"$set": changes}
        )
        if result.matched_count == 0:
            return None
        return await self.get(collection, document_id)

    async def delete(self, collection: str, document_id: str) -> bool:
        if not self.valid_id(document_id):
            return False
        result = await self.database[collection].delete_one({"_id": self._id(document_id)})
        if collection in ORDERED:
            await self._renumber(collection, [d.id for d in await self.find_all(collection)])
        return bool(result.deleted_count)

    async def move(self, collection: str, document_id: str, position: int) -> bool:
        ids = [d.id for d in await self.find_all(collection)]
        if document_id not in ids:
            return False
        await self._renumber(collection, _placed(ids, document_id, position))
        return True

    async def _renumber(self, collection: str, ids: list[str]) -> None:
        from pymongo import UpdateOne

        if ids:
            now = clock.now()
            await self.database[collection].bulk_write(
                [
                    UpdateOne({"_id": self._id(i)}, {"$set": {"position": n, "updated_at": now}})
                    for n, i in enumerate(ids, start=1)
                ]
            )

    async def export_all(self) -> list[ExportedDocument]:
        documents: list[ExportedDocument] = []
        for collection in COLLECTIONS:
            documents += [export_document(d) for d in await self.find_all(collection)]
        return documents

    async def replace_all(self, documents: Sequence[ExportedDocument]) -> None:
        for collection in COLLECTIONS:
            await self.database[collection].delete_many({})
            raws: list[RawDocument] = [
                {
                    **d["body"],
                    "_id": self._id(d["id"]) if self.valid_id(d["id"]) else None,
                    "is_active": d["is_active"],
                    "position": d["position"],
                    "created_at": datetime.fromisoformat(d["created_at"]),
                    "updated_at": datetime.fromisoformat(d["updated_at"]),
                }
                for d in documents
                if d["collection"] == collection
            ]
            for raw in raws:
                if raw["_id"] is None:
                    del raw["_id"]
            if raws:
                await self.database[collection].insert_many(raws)


@lru_cache
def _mongo_store(url: str, database: str) -> MongoDocumentStore:
    return MongoDocumentStore(url, database)


def get_store(db: AsyncSession) -> DocumentStore:
    """MongoDB when MONGODB_URL is set, else PostgreSQL in the request's transaction."""
    settings = get_settings()
    if settings.mongodb_url:
        return _mongo_store(settings.mongodb_url, settings.mongodb_database)
    return PostgresDocumentStore(db)
