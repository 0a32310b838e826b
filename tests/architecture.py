"""NEXA's own import-linter contract type (registered in `.importlinter`, run by `lint-imports`).

`domain_boundaries`: a domain (a package such as `nexa.postpaid`) uses another domain only
through that domain's public modules (its `service`, and the `schemas` and `dependencies` it
offers), never its repository, jobs or helpers; and it neither queries nor writes another
domain's tables — not through the ORM (importing another domain's ORM class is allowed only
for type annotations, under `if TYPE_CHECKING:`) and not in SQL text (a string naming the
table after FROM / JOIN / UPDATE / INTO). `table_readers` names the exceptions: the read side
(analytics, history, backup, synthetic data) reads every table, which is what reports and
backups are for; `auth: customer, admin` reads the account rows it authenticates.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True)
class Violation:
    importer: str
    line_number: int
    imported: str
    reason: str


# a table named in SQL text
_SQL_TABLE = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """Line numbers of the imports under `if TYPE_CHECKING:` (annotations only)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                for inner in ast.walk(child):
                    if isinstance(inner, ast.ImportFrom):
                        lines.add(inner.lineno)
    return lines


class DomainBoundaryContract(Contract):
    type_name = "domain_boundaries"

    root = fields.StringField()
    domains = fields.ListField(subfield=fields.StringField())
    public_modules = fields.ListField(subfield=fields.StringField())
    models = fields.StringField()
    # model modules named otherwise than the domain that owns their tables: "module:domain"
    table_owners = fields.ListField(subfield=fields.StringField(), required=False)
    table_readers = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        violations = [*self._module_violations(graph), *self._table_violations(graph)]
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for violation in check.metadata["violations"]:
            output.print_error(
                f"{violation.importer}:{violation.line_number} -> {violation.imported}: "
                f"{violation.reason}",
                bold=False,
            )
        output.new_line()

    # --- helpers ---------------------------------------------------------------------------

    def _domain_of(self, module: str) -> str | None:
        parts = module.split(".")
        if len(parts) >= 2 and parts[0] == self.root and parts[1] in self.domains:
            return parts[1]
        return None

    def _is_public(self, module: str) -> bool:
        parts = module.split(".")
        return len(parts) >= 3 and parts[2] in self.public_modules

    def _modules_of_domains(self, graph: ImportGraph) -> list[tuple[str, str]]:
        found = []
        for domain in self.domains:
            package = f"{self.root}.{domain}"
            for module in sorted({package, *graph.find_descendants(package)}):
                found.append((domain, module))
        return found

    def _module_violations(self, graph: ImportGraph) -> list[Violation]:
        violations = []
        for domain, module in self._modules_of_domains(graph):
            for imported in sorted(graph.find_modules_directly_imported_by(module)):
                target = self._domain_of(imported)
                if target is None or target == domain or self._is_public(imported):
                    continue
                for detail in graph.get_import_details(importer=module, imported=imported):
                    violations.append(
                        Violation(
                            module,
                            detail["line_number"],
                            imported,
                            f"{domain} may use {target} only through "
                            f"{' / '.join(f'{target}.{name}' for name in self.public_modules)}",
                        )
                    )
        return violations

    def _owner_of_table(self, model_module: str) -> str:
        owners = dict(item.split(":", 1) for item in (self.table_owners or []))
        name = model_module.rsplit(".", 1)[-1]
        return owners.get(name, name)

    def _readable_by(self) -> dict[str, set[str] | None]:
        """Domain -> the owners whose tables it may read (None: every table)."""
        readers: dict[str, set[str] | None] = {}
        for item in self.table_readers or []:
            domain, _, owners = item.partition(":")
            names = {owner.strip() for owner in owners.split(",") if owner.strip()}
            readers[domain.strip()] = names or None
        return readers

    def _table_violations(self, graph: ImportGraph) -> list[Violation]:
        models = importlib.import_module(self.models)
        table_owner = {
            mapper.class_.__tablename__: self._owner_of_table(mapper.class_.__module__)
            for mapper in models.Base.registry.mappers
        }
        readable_by = self._readable_by()
        violations = []
        for domain, module in self._modules_of_domains(graph):
            spec = importlib.util.find_spec(module)
            if spec is None or spec.origin is None:
                continue
            tree = ast.parse(Path(spec.origin).read_text(), spec.origin)
            readable = readable_by.get(domain, set())
            if readable is None:
                continue
            for line, table in self._tables_used(tree, models):
                owner = table_owner[table]
                if owner in (domain, *readable):
                    continue
                violations.append(
                    Violation(
                        module,
                        line,
                        f"table {table}",
                        f"the {table} table belongs to {owner}: ask {owner}'s service "
                        "(ORM classes of other domains only under TYPE_CHECKING)",
                    )
                )
        return violations

    def _tables_used(self, tree: ast.Module, models: object) -> Iterator[tuple[int, str]]:
        """(line, table) for each ORM class imported for use, and each table in SQL text."""
        annotations_only = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module is not None
                and node.module.startswith(self.models)
                and node.lineno not in annotations_only
            ):
                source = importlib.import_module(node.module)
                for alias in node.names:
                    imported = getattr(source, alias.name, None) or getattr(models, alias.name)
                    if hasattr(imported, "__tablename__"):
                        yield node.lineno, imported.__tablename__
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                for table in _SQL_TABLE.findall(node.value):
                    if table in self._known_tables(models):
                        yield node.lineno, table

    @staticmethod
    def _known_tables(models: object) -> set[str]:
        return set(models.Base.metadata.tables)  # type: ignore[attr-defined]
