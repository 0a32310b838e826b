"""Apply Alembic migrations programmatically (used by `nexa serve`, `nexa migrate`, tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, pool, text

# session-level advisory lock: processes starting together migrate one after the other
MIGRATION_LOCK_KEY = 0x4E455841  # "NEXA"


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


def _pending(connection: Connection, config: Config) -> list[str]:
    current = set(MigrationContext.configure(connection).get_current_heads())
    pending: list[str] = []
    for revision in ScriptDirectory.from_config(config).walk_revisions():
        if revision.revision in current:
            break
        pending.append(revision.revision)
    return list(reversed(pending))


def pending_revisions(database_url: str) -> list[str]:
    """Revisions that `upgrade head` would apply, oldest first."""
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return _pending(connection, alembic_config(database_url))
    finally:
        engine.dispose()


def upgrade_to_head(database_url: str) -> list[str]:
    """Apply pending migrations under a lock and return the revisions applied."""
    config = alembic_config(database_url)
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()
            try:
                pending = _pending(connection, config)
                connection.commit()
                if pending:
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
                    connection.commit()
                return pending
            finally:
                connection.rollback()
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                connection.commit()
    finally:
        engine.dispose()


def current_revision(database_url: str) -> str | None:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
