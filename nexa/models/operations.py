"""Operational tables: idempotency keys and the test clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, CreatedAt


class IdempotencyKey(CreatedAt, Base):
    """The stored answer of a money-moving request, replayed when the key comes again."""

    __tablename__ = "idempotency_key"

    idempotency_key_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # who used the key, e.g. "customer:42": keys are private to their owner
    owner: Mapped[str] = mapped_column(String(60), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    endpoint: Mapped[str] = mapped_column(String(100), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        Index("uq_idempotency_key_owner_key", "owner", "key", unique=True),
        Index("ix_idempotency_key_expires_at", "expires_at"),
    )


class TestClock(Base):
    """The simulated time offset shared by every process (never used in production)."""

    __tablename__ = "test_clock"
    __test__ = False  # not a pytest class

    clock_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset_seconds: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("clock_id = 1", name="single_row"),)
