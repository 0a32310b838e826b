from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, Timestamps


class CmsDocument(Timestamps, Base):
    """A CMS item (header, carousel, FAQ) in the default PostgreSQL JSONB document store."""

    __tablename__ = "cms_document"

    document_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    collection: Mapped[str] = mapped_column(String(30), nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    position: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_cms_document_listing", "collection", "is_active", "position", "created_at"),
    )
