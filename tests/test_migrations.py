"""The schema comes only from migrations: they match the models and run both ways."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool

import nexa.models
from nexa.core.migrate import (
    alembic_config,
    current_revision,
    include_object,
    pending_revisions,
    upgrade_to_head,
)
from tests.database import drop_database, recreate_database, server_url


@pytest.fixture
def scratch_database() -> Iterator[str]:
    name = f"nexa_migrations_{uuid.uuid4().hex[:8]}"
    url = recreate_database(server_url(), name)
    yield url.replace("postgresql://", "postgresql+psycopg://", 1)
    drop_database(server_url(), name)


def test_migrations_match_models_and_downgrade_cleanly(scratch_database: str) -> None:
    assert pending_revisions(scratch_database)[0] == "0001"
    applied = upgrade_to_head(scratch_database)
    assert applied and current_revision(scratch_database) == applied[-1]
    assert upgrade_to_head(scratch_database) == []  # idempotent

    engine = create_engine(scratch_database, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object}
            )
            diff = compare_metadata(context, nexa.models.Base.metadata)
            tables = set(inspect(connection).get_table_names())
        assert diff == [], diff
        assert {"customer", "admin", "auth_session", "procrastinate_jobs"} <= tables

        command.downgrade(alembic_config(scratch_database), "base")
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == {"alembic_version"}
        assert upgrade_to_head(scratch_database) == applied
    finally:
        engine.dispose()


def test_concurrent_upgrades_apply_each_migration_once(scratch_database: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=3) as pool_:
        results = list(pool_.map(upgrade_to_head, [scratch_database] * 3))
    applied = [result for result in results if result]
    assert len(applied) == 1  # one process migrated, the others found nothing to do
    assert current_revision(scratch_database) == applied[0][-1]
