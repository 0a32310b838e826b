"""`commit_step`: the steps of a checkout are transactions of their own."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from nexa.core.db import commit_step, get_sessionmaker


async def rows() -> list[int]:
    async with get_sessionmaker()() as other:  # another connection: committed rows only
        found = await other.execute(text("SELECT id FROM commit_step_probe ORDER BY id"))
        return list(found.scalars())


@pytest.mark.parametrize("while_waiting_outside", [True, False])
async def test_a_step_is_committed_for_all_to_see_and_the_next_one_rolls_back_alone(
    while_waiting_outside: bool,
) -> None:
    async with get_sessionmaker()() as setup, setup.begin():
        await setup.execute(text("CREATE TABLE IF NOT EXISTS commit_step_probe (id int)"))
        await setup.execute(text("TRUNCATE commit_step_probe"))
    try:
        async with get_sessionmaker()() as db:
            await db.execute(text("INSERT INTO commit_step_probe VALUES (1)"))
            await commit_step(db, while_waiting_outside=while_waiting_outside)
            assert await rows() == [1]
            await db.execute(text("INSERT INTO commit_step_probe VALUES (2)"))
            assert await rows() == [1]  # the second step is a transaction of its own
            await db.rollback()
        assert await rows() == [1]

        async with get_sessionmaker()() as db:  # and a second step that commits
            await db.execute(text("INSERT INTO commit_step_probe VALUES (3)"))
            await commit_step(db, while_waiting_outside=while_waiting_outside)
            await db.execute(text("INSERT INTO commit_step_probe VALUES (4)"))
            await db.commit()
        assert await rows() == [1, 3, 4]
    finally:
        async with get_sessionmaker()() as setup, setup.begin():
            await setup.execute(text("DROP TABLE commit_step_probe"))
