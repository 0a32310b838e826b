from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field, model_validator

from nexa.core.schemas import Schema


class ClockMove(Schema):
    """Exactly one of `advance_seconds` or `set_to` (an instant with a time zone)."""

    advance_seconds: int | None = Field(default=None, gt=0, le=10 * 366 * 86400)
    set_to: AwareDatetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _exactly_one(cls, data: Any) -> Any:
        if isinstance(data, dict):
            given = [name for name in ("advance_seconds", "set_to") if data.get(name) is not None]
            if len(given) != 1:
                raise ValueError("send exactly one of advance_seconds or set_to")
        return data


class ClockState(Schema):
    now: datetime
    real_now: datetime
    offset_seconds: int


class ClockMoved(ClockState):
    jobs_run: dict[str, int]
