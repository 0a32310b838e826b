"""A local fake of the part of Razorpay's REST API that NEXA uses, served over real HTTP.

In-memory orders, payments and refunds; basic auth checked; every request recorded. A test
drives what the customer did (`pay`: a payment attempt on an order, in any status) and what
goes wrong (`fail_next`: the next answers are errors; `delay`: answers come late).
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.live import free_port

KEY_ID = "rzp_test_fakekey"
KEY_SECRET = "fake-razorpay-key-secret"

Json = dict[str, Any]
Handler = Callable[[Request, Json], Awaitable[JSONResponse]]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Json | None


@dataclass
class FakeRazorpay:
    orders: dict[str, Json] = field(default_factory=dict)
    payments: dict[str, Json] = field(default_factory=dict)
    refunds: dict[str, Json] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    refund_status: str = "processed"  # what new refunds are
    failures: list[int] = field(default_factory=list)  # statuses to answer next
    delay: float = 0.0
    _idempotency: dict[str, tuple[Json, str]] = field(default_factory=dict)
    _serial: int = 0

    def reset(self) -> None:
        """Back to empty (the server keeps serving this same object)."""
        for name, value in vars(FakeRazorpay()).items():
            setattr(self, name, value)

    def fail_next(self, *statuses: int) -> None:
        self.failures.extend(statuses)

    def pay(
        self, order_id: str, status: str, *, amount: int | None = None, error: str | None = None
    ) -> Json:
        """A payment attempt on `order_id` (by default of the order's amount)."""
        order = self.orders[order_id]
        payment = {
            "id": self._id("pay"),
            "entity": "payment",
            "amount": order["amount"] if amount is None else amount,
            "currency": order["currency"],
            "status": status,
            "order_id": order_id,
            "method": "upi",
            "captured": status == "captured",
            "notes": [],
            "error_code": "BAD_REQUEST_ERROR" if error else None,
            "error_description": error,
            "created_at": int(time.time()) + self._serial,  # later attempts sort last
        }
        self.payments[payment["id"]] = payment
        order["attempts"] += 1
        return payment

    def calls(self, method: str, path_start: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_start)]

    def _id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}_FAKE{self._serial:010d}"

    # --- the API ----------------------------------------------------------------------------

    async def create_order(self, request: Request, body: Json) -> JSONResponse:
        amount = body.get("amount")
        if not isinstance(amount, int) or amount < 100:
            return _error(400, "The amount must be atleast INR 1.00", "amount")
        order = {
            "id": self._id("order"),
            "entity": "order",
            "amount": amount,
            "amount_paid": 0,
            "amount_due": amount,
            "currency": body.get("currency", "INR"),
            "receipt": body.get("receipt"),
            "status": "created",
            "attempts": 0,
            "notes": body.get("notes") or [],
            "created_at": int(time.time()),
        }
        self.orders[order["id"]] = order
        return JSONResponse(order)

    async def list_orders(self, request: Request, body: Json) -> JSONResponse:
        receipt = request.query_params.get("receipt")
        found = [o for o in self.orders.values() if receipt is None or o["receipt"] == receipt]
        return _collection(found)

    async def order_payments(self, request: Request, body: Json) -> JSONResponse:
        order_id = request.path_params["order_id"]
        if order_id not in self.orders:
            return _error(400, "The id provided does not exist", "id")
        found = [p for p in self.payments.values() if p["order_id"] == order_id]
        return _collection(sorted(found, key=lambda p: -p["created_at"]))  # newest first

    async def capture(self, request: Request, body: Json) -> JSONResponse:
        payment = self.payments.get(request.path_params["payment_id"])
        if payment is None:
            return _error(400, "The id provided does not exist", "id")
        if payment["status"] != "authorized":
            return _error(400, "Only payments which have been authorized can be captured")
        if body.get("amount") != payment["amount"] or body.get("currency") != payment["currency"]:
            return _error(400, "Capture amount must be equal to the amount authorized", "amount")
        payment.update(status="captured", captured=True)
        return JSONResponse(payment)

    async def refund(self, request: Request, body: Json) -> JSONResponse:
        key = request.headers.get("x-refund-idempotency")
        if key and key in self._idempotency:
            first_body, refund_id = self._idempotency[key]
            if first_body != body:
                return _error(400, "Different request with the same idempotency key")
            return JSONResponse(self.refunds[refund_id])
        payment = self.payments.get(request.path_params["payment_id"])
        if payment is None or payment["status"] != "captured":
            return _error(400, "The payment has not been captured")
        refunded = sum(
            r["amount"] for r in self.refunds.values() if r["payment_id"] == payment["id"]
        )
        amount = body.get("amount", payment["amount"] - refunded)
        if not isinstance(amount, int) or amount > payment["amount"] - refunded:
            return _error(400, "The refund amount provided is greater than amount captured")
        refund = {
            "id": self._id("rfnd"),
            "entity": "refund",
            "amount": amount,
            "currency": payment["currency"],
            "payment_id": payment["id"],
            "notes": body.get("notes") or [],
            "receipt": body.get("receipt"),
            "status": self.refund_status,
            "speed_requested": "normal",
            "created_at": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        if key:
            self._idempotency[key] = (body, refund["id"])
        return JSONResponse(refund)


def _error(status: int, description: str, field_name: str | None = None) -> JSONResponse:
    code = "BAD_REQUEST_ERROR" if status < 500 else "SERVER_ERROR"
    error = {"code": code, "description": description, "source": "business", "field": field_name}
    return JSONResponse({"error": error}, status_code=status)


def _collection(items: list[Json]) -> JSONResponse:
    return JSONResponse({"entity": "collection", "count": len(items), "items": items})


def _authorized(request: Request) -> bool:
    expected = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
    return request.headers.get("authorization") == f"Basic {expected}"


def build_app(fake: FakeRazorpay) -> Starlette:
    def endpoint(handler: Handler) -> Callable[[Request], Awaitable[JSONResponse]]:
        async def serve(request: Request) -> JSONResponse:
            raw = await request.body()
            body = await request.json() if raw else None
            fake.requests.append(
                Recorded(
                    request.method,
                    request.url.path,
                    dict(request.query_params),
                    dict(request.headers),
                    body,
                )
            )
            if fake.delay:
                await asyncio.sleep(fake.delay)
            if not _authorized(request):
                return _error(401, "The api key provided is invalid")
            if fake.failures:
                status = fake.failures.pop(0)
                return _error(status, f"Injected failure {status}")
            return await handler(request, body or {})

        return serve

    return Starlette(
        routes=[
            Route("/v1/orders", endpoint(fake.create_order), methods=["POST"]),
            Route("/v1/orders", endpoint(fake.list_orders), methods=["GET"]),
            Route("/v1/orders/{order_id}/payments", endpoint(fake.order_payments)),
            Route("/v1/payments/{payment_id}/capture", endpoint(fake.capture), methods=["POST"]),
            Route("/v1/payments/{payment_id}/refund", endpoint(fake.refund), methods=["POST"]),
        ]
    )


@contextmanager
def serve_fake_razorpay() -> Iterator[tuple[FakeRazorpay, str]]:
    """The fake on a free loopback port in a background thread, stopped on exit."""
    fake = FakeRazorpay()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(fake), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, name="fake-razorpay", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("the fake Razorpay server did not start")
        time.sleep(0.02)
    try:
        yield fake, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
