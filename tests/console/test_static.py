"""The console's files: served at /console with the right types and a strict CSP; no inline
script, no HTML built from strings; every module import and every API path it calls exists."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from enum import StrEnum
from pathlib import Path
from typing import get_args

import httpx
import pytest
from fastapi import FastAPI

from nexa.console import STATIC_DIR
from nexa.core.config import Settings
from nexa.models import (
    NotificationType,
    PaymentMethod,
    PaymentState,
    PaymentStatus,
    TransactionType,
)

FILES = sorted(path for path in STATIC_DIR.rglob("*") if path.is_file())
SCRIPTS = [path for path in FILES if path.suffix == ".js"]
CONTENTS = {path: path.read_bytes() for path in FILES}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


def url_of(path: Path) -> str:
    return "/console/" + path.relative_to(STATIC_DIR).as_posix()


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """No database needed: static files only."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def test_the_console_has_its_files() -> None:
    names = {path.relative_to(STATIC_DIR).as_posix() for path in FILES}
    assert {"index.html", "console.css", "js/app.js", "js/api.js", "js/charts.js"} <= names
    assert {path.suffix for path in FILES} <= set(TYPES)


@pytest.mark.parametrize("path", ["/console", "/console/"])
async def test_index_is_served_with_a_strict_csp(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script type="module" src="/console/js/app.js"></script>' in response.text
    csp = response.headers["content-security-policy"]
    directives = dict(item.strip().split(" ", 1) for item in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.relative_to(STATIC_DIR).as_posix())
async def test_every_file_is_served_with_its_type(http: httpx.AsyncClient, path: Path) -> None:
    response = await http.get(url_of(path))
    assert response.status_code == 200
    assert response.headers["content-type"] == TYPES[path.suffix]
    assert response.content == CONTENTS[path]
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_revalidation_and_head(http: httpx.AsyncClient) -> None:
    first = await http.get("/console/js/app.js")
    again = await http.get("/console/js/app.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    # a 304's headers update the cached response: it must carry the console's CSP too
    assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
    index = await http.get("/console")
    cached = await http.get("/console", headers={"If-None-Match": index.headers["etag"]})
    assert cached.status_code == 304
    assert "script-src 'self'" in cached.headers["content-security-policy"]
    head = await http.head("/console")
    assert head.status_code == 200
    assert head.headers["content-type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    [
        "/console/nothing.js",
        "/console/js/",
        "/console/%2e%2e/main.py",
        "/console/..%2f__init__.py",
        "/console/js/%2e%2e/%2e%2e/__init__.py",
    ],
)
async def test_unknown_or_escaping_paths_are_404(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_writes_are_refused(http: httpx.AsyncClient) -> None:
    response = await http.post("/console/js/app.js")
    assert response.status_code == 405


async def test_the_console_is_not_in_the_openapi(http: httpx.AsyncClient) -> None:
    paths = (await http.get("/openapi.json")).json()["paths"]
    assert not [path for path in paths if path.startswith("/console")]


def test_no_inline_script_style_or_handler_in_the_page() -> None:
    html = (STATIC_DIR / "index.html").read_text()
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert 'src="' in attributes and not body.strip()
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.name)
def test_scripts_never_build_html_from_strings(path: Path) -> None:
    """Text goes in as text (no injection from customer names or CMS content); nothing the
    strict CSP would block (eval, inline styles set as attributes)."""
    source = path.read_text()
    for forbidden in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "setAttribute('style'",
        'setAttribute("style"',
    ):
        assert forbidden not in source, f"{path.name} uses {forbidden}"


IMPORT = re.compile(r"""^\s*import\s[^'"]*?from\s+['"]([^'"]+)['"]""", re.M)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.name)
async def test_every_module_import_is_served(http: httpx.AsyncClient, path: Path) -> None:
    for target in IMPORT.findall(CONTENTS[path].decode()):
        assert target.startswith("."), f"{path.name} imports {target}: only local modules"
        resolved = (path.parent / target).resolve()
        assert resolved.is_file(), f"{path.name} imports a missing {target}"
        response = await http.get(url_of(resolved))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/javascript")


API_PATH = re.compile(r"""['"`](/(?:admin|refresh|logout)[^'"`?]*)[?'"`]""")


def _segments_match(ours: str, documented: str) -> bool:
    left, right = ours.strip("/").split("/"), documented.strip("/").split("/")
    if len(left) != len(right):
        return False
    return all(
        a == b or a.startswith("${") or b.startswith("{") for a, b in zip(left, right, strict=True)
    )


async def test_every_api_path_the_console_calls_is_documented(http: httpx.AsyncClient) -> None:
    documented = list((await http.get("/openapi.json")).json()["paths"])
    called = {
        path
        for script in SCRIPTS
        for path in API_PATH.findall(script.read_text())
        if not path.endswith("/${")  # a template cut at a placeholder
    }
    assert len(called) > 30
    missing = [
        path
        for path in sorted(called)
        if not any(_segments_match(path, known) for known in documented)
    ]
    assert not missing, f"the console calls undocumented paths: {missing}"


def _listed(script: str, constant: str) -> set[str]:
    """The string values in `const NAME = [...]` of a console script (options as [value, text]
    pairs count by value; the blank "any" choice is left out)."""
    source = (STATIC_DIR / "js" / script).read_text()
    match = re.search(rf"const {constant} = \[(.*?)\];", source, re.S)
    assert match, f"{script} has no {constant}"
    values = re.findall(r"(?:^|[\[,(]|\.\.\.any\()\s*'([^']*)'", match.group(1), re.M)
    return {value for value in values if value and not value.startswith("Any ")}


@pytest.mark.parametrize(
    ("script", "constant", "enum"),
    [
        ("pages/notifications.js", "TYPES", NotificationType),
        ("pages/transactions.js", "TYPES", TransactionType),
        ("pages/transactions.js", "STATUSES", PaymentStatus),
        ("pages/transactions.js", "METHODS", PaymentMethod),
        ("pages/payments.js", "STATUSES", PaymentState),
    ],
)
def test_the_console_offers_every_value_of_an_enum(
    script: str, constant: str, enum: type[StrEnum]
) -> None:
    assert _listed(script, constant) == {member.value for member in enum}


def test_the_payments_page_offers_every_provider() -> None:
    providers = set(get_args(Settings.model_fields["payment_provider"].annotation))
    assert providers and _listed("pages/payments.js", "PROVIDERS") == providers


def test_every_page_is_in_the_navigation() -> None:
    app = (STATIC_DIR / "js" / "app.js").read_text()
    pages = sorted(path.stem for path in (STATIC_DIR / "js" / "pages").glob("*.js"))
    for name in pages:
        assert f"import {name} from './pages/{name}.js';" in app, name
        assert re.search(rf"^\s+{name},$", app, re.M), f"{name} is not in PAGES"
