"""The domain-boundary contract (.importlinter) really catches what it forbids."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

import grimp
import pytest

from tests.architecture import DomainBoundaryContract

ROOT = Path(__file__).resolve().parent.parent


def _contract() -> DomainBoundaryContract:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    section = config["importlinter:contract:domain-boundaries"]
    options = {
        key: [line.strip() for line in value.strip().splitlines()] if "\n" in value else value
        for key, value in section.items()
        if key not in ("name", "type")
    }
    return DomainBoundaryContract(
        name=section["name"], session_options={}, contract_options=options
    )


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("nexa")


def test_the_code_keeps_the_contract(graph: grimp.ImportGraph) -> None:
    assert _contract().check(graph, verbose=False).kept


def test_a_domain_reaching_into_another_domains_repository_breaks_it(
    graph: grimp.ImportGraph,
) -> None:
    graph.add_import(
        importer="nexa.recharge.service",
        imported="nexa.catalog.repository",
        line_number=1,
        line_contents="from nexa.catalog.repository import PlanRepository",
    )
    try:
        check = _contract().check(graph, verbose=False)
    finally:
        graph.remove_import(importer="nexa.recharge.service", imported="nexa.catalog.repository")
    assert not check.kept
    [violation] = check.metadata["violations"]
    assert (violation.importer, violation.imported) == (
        "nexa.recharge.service",
        "nexa.catalog.repository",
    )


def test_another_domains_table_is_seen_in_orm_imports_and_sql_text() -> None:
    source = """
from typing import TYPE_CHECKING
from nexa.models import Customer, PlanType
if TYPE_CHECKING:
    from nexa.models import Plan
QUERY = "SELECT 1 FROM subscription s JOIN line l ON true"
"""
    import nexa.models

    used = list(_contract()._tables_used(ast.parse(source), nexa.models))
    # Customer is imported for use (line 3), Plan for annotations only, PlanType is an enum
    assert sorted(used) == [(3, "customer"), (6, "line"), (6, "subscription")]
