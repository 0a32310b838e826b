"""What the routes of money-moving requests share."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from nexa.payment.schemas import PaymentPending

Answer = TypeVar("Answer", bound=BaseModel)

# documents the 202 of a purchase whose payment is still open
PENDING_RESPONSE: dict[int | str, dict[str, Any]] = {
    202: {"model": PaymentPending, "description": "Payment pending: confirmed later by webhook"}
}


def pending_as_202(result: Answer | PaymentPending) -> Answer | JSONResponse:
    """A purchase's answer: the body itself (200), or 202 while the payment is pending."""
    if isinstance(result, PaymentPending):
        return JSONResponse(result.model_dump(mode="json"), status_code=202)
    return result
