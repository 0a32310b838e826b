"""Apply Alembic migrations programmatically (used by `nexa serve`, `nexa migrate`, tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate ignores the job queue's objects: Procrastinate owns their schema."""
    table = getattr(obj, "table", None)
    table_name = table.name if table is not None else name
    return not (table_name or "").startswith("procrastinate")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "nexa:migrations")
    config.attributes["database_url"] = database_url
    return config


def pending_revisions(database_url: str) -> list[str]:
    """Revisions that `upgrade head` would apply, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    pending: list[str] = []
    for revision in script.walk_revisions():
        if revision.revision in current:
            break
        pending.append(revision.revision)
    return list(reversed(pending))


def upgrade_to_head(database_url: str) -> list[str]:
    """Apply pending migrations and return the revisions applied."""
    pending = pending_revisions(database_url)
    if pending:
        command.upgrade(alembic_config(database_url), "head")
    return pending


def current_revision(database_url: str) -> str | None:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
