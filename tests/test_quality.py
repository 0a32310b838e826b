"""The house rules that tools can check: ruff (lint + format), mypy, the import contracts
(.importlinter), module size, and services that import on their own."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy", "nexa"],
        ["lint-imports", "--no-cache"],
    ],
    ids=["ruff-lint", "ruff-format", "mypy", "import-contracts"],
)
def test_code_quality(command: list[str]) -> None:
    result = subprocess.run(
        [tool(command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


MAX_MODULE_LINES = 500


def test_no_module_is_over_500_lines() -> None:
    """Small modules are read whole (docs/decisions.md#layout)."""
    sources = [
        path
        for path in (ROOT / "nexa").rglob("*")
        if path.suffix in {".py", ".js", ".css", ".html"} and path.is_file()
    ]
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in sources
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert len(sources) > 100
    assert too_long == {}


DOMAINS = sorted(
    path.parent.name for path in (ROOT / "nexa").glob("*/service.py") if path.parent.name != "core"
)


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_service_imports_on_its_own(domain: str) -> None:
    """Services use each other, so an import cycle would only show in the order a process
    first imports them: each is imported first in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", f"import nexa.{domain}.service"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


DECISIONS = ROOT / "docs" / "decisions.md"
# `docs/decisions.md#<id>` (`decisions.md#<id>` in docs/), then any `, #<id>` after it
CITATION = re.compile(r"decisions\.md#([a-z0-9-]+)((?:,\s*#[a-z0-9-]+)*)")


def test_cited_decisions_exist() -> None:
    """Code, tests and docs cite rules as `docs/decisions.md#<id>`: each id is an entry
    (`### <id>`), and the file's own `(#anchor)` links land on an entry or a section."""
    text = DECISIONS.read_text()
    ids = set(re.findall(r"^### ([a-z0-9-]+)$", text, re.MULTILINE))
    sections = {
        re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")
        for title in re.findall(r"^## (.+)$", text, re.MULTILINE)
    }
    sources = [ROOT / "README.md", ROOT / ".env.example"] + [
        path
        for folder in ("nexa", "tests", "bench", "docs")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".md"} and path.is_file()
    ]
    missing = {
        f"{path.relative_to(ROOT)}#{cited}"
        for path in sources
        for first, more in CITATION.findall(path.read_text())
        for cited in [first, *re.findall(r"#([a-z0-9-]+)", more)]
        if cited not in ids
    }
    missing |= {
        f"docs/decisions.md#{anchor}"
        for anchor in re.findall(r"\]\(#([^)]+)\)", text)
        if anchor not in ids | sections
    }
    assert len(ids) > 100
    assert missing == set()
