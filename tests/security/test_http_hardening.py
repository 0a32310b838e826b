"""Security headers, the docs pages' CSP, request size limit, request ids, metrics."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import metrics
from nexa.core.config import get_settings
from nexa.core.middleware import route_template
from tests.factories.accounts import make_customer
from tests.helpers import bearer, login_customer


async def test_every_response_has_security_headers(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/health"),
        await client.get("/customer/profile"),  # 401
        await client.get("/no/such/route"),  # 404
        await client.post("/customer/login", content=b"{"),  # 422
    ):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert "strict-transport-security" not in headers  # plain HTTP: no HSTS


async def test_hsts_only_behind_tls(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://api.example") as tls:
        response = await tls.get("/health")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


@pytest.mark.parametrize("page", ["docs", "redoc", "oauth2"])
async def test_docs_pages_have_a_strict_csp(client: httpx.AsyncClient, page: str) -> None:
    settings = get_settings()
    assert settings.docs_url and settings.redoc_url
    path = {
        "docs": settings.docs_url,
        "redoc": settings.redoc_url,
        "oauth2": settings.docs_url + "/oauth2-redirect",
    }[page]
    response = await client.get(path)
    assert response.status_code == 200
    policy = dict(
        [*part.split(" ", 1), ""][:2]
        for part in response.headers["content-security-policy"].split("; ")
    )
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    inline_scripts = re.findall(r"<script>(.*?)</script>", response.text, re.S)
    assert policy["script-src"].count("'sha256-") == len(inline_scripts)
    assert response.headers["x-frame-options"] == "DENY"


async def test_oversized_body_is_413_before_reading(client: httpx.AsyncClient) -> None:
    limit = get_settings().max_body_bytes
    response = await client.post(
        "/customer/login",
        content=b"x" * (limit + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is too large",
        "code": "payload_too_large",
    }


async def test_oversized_streamed_body_is_413(client: httpx.AsyncClient) -> None:
    limit = get_settings().max_body_bytes

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    response = await client.post(
        "/customer/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_request_id_in_and_out(client: httpx.AsyncClient) -> None:
    kept = await client.get("/health", headers={"X-Request-ID": "trace-42"})
    assert kept.headers["x-request-id"] == "trace-42"
    replaced = await client.get("/health", headers={"X-Request-ID": "x" * 65})
    assert len(replaced.headers["x-request-id"]) == 32


async def test_cors_exposes_rate_limit_and_request_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"Origin": "http://localhost:3000"})
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "x-request-id" in exposed and "retry-after" in exposed


async def test_metrics_count_requests_by_route_template(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    headers = bearer((await login_customer(client, customer))["access_token"])
    for path in ("/customer/profile", "/customer/profile/"):
        assert (await client.get(path, headers=headers)).status_code == 200
    await client.get(f"/customer/linked-accounts/{10**9}/spending", headers=headers)
    text = (await client.get("/metrics")).text
    assert 'nexa_http_requests_total{method="GET",route="/customer/profile",status="200"}' in text
    assert 'route="/customer/linked-accounts/{linked_account_id}/spending",status="404"' in text
    assert "nexa_http_request_duration_seconds_bucket" in text
    assert "nexa_db_pool_checked_out" in text
    # ids never become labels
    assert f"/{10**9}/" not in text


async def test_metrics_token(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "metrics_token", "scrape-secret")
    assert (await client.get("/metrics")).status_code == 401
    allowed = await client.get("/metrics", headers=bearer("scrape-secret"))
    assert allowed.status_code == 200 and "nexa_http_requests_total" in allowed.text


def test_route_template_puts_prefixes_back() -> None:
    class Route:
        path_format = "/customers/{customer_id}/activate"

    scope = {"path": "/admin/customers/12/activate", "route": Route()}
    assert route_template(scope) == "/admin/customers/{customer_id}/activate"
    assert route_template({"path": "/nope"}) == "<unmatched>"


async def test_job_middleware_counts_runs_and_failures() -> None:
    class Job:
        task_name = "test:sample"

    class Context:
        job = Job()

    async def ok() -> int:
        return 1

    async def boom() -> None:
        raise RuntimeError("x")

    before = metrics.JOB_RUNS.labels("test:sample", "failed")._value.get()
    assert await metrics.job_middleware(ok, Context(), None) == 1
    with pytest.raises(RuntimeError):
        await metrics.job_middleware(boom, Context(), None)
    assert metrics.JOB_RUNS.labels("test:sample", "failed")._value.get() == before + 1
    text = metrics.exposition().decode()
    assert 'nexa_job_runs_total{outcome="succeeded",task="test:sample"}' in text
    assert 'nexa_job_duration_seconds_count{task="test:sample"}' in text
