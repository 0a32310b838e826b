"""Shorthands for the migrations: each builds what Alembic's autogenerate used to write out.

Constraint names are spelled out here (not left to the models' naming convention) so that an
applied migration keeps creating the same schema whatever the models say later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

# the values as of 0003 (0006 gives broadcasts the same): a migration that adds values lists
# them anew, these stay as they are
NOTIFICATION_TYPES = (
    "low_balance",
    "plan_expiry",
    "promotional",
    "payment_success",
    "payment_failure",
    "postpaid_due_date",
    "referral_bonus",
    "inactivity_warning",
    "plan_queued",
    "plan_activated",
    "data_exhausted",
    "addon_offered",
    "topup_activated",
    "topup_exhausted",
    "daily_limit_reached",
)
NOTIFICATION_CHANNELS = ("sms", "push", "in_app")
MONEY = sa.Numeric(precision=12, scale=2)


def enum(name: str, *values: str, length: int = 20) -> sa.Enum:
    """A VARCHAR with a CHECK listing the values (what the models' `str_enum` declares)."""
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def notification_type(name: str) -> sa.Enum:
    return enum(name, *NOTIFICATION_TYPES)


def notification_channel(name: str) -> sa.Enum:
    return enum(name, *NOTIFICATION_CHANNELS)


def timestamps() -> list[sa.Column[Any]]:
    """updated_at and created_at, the models' `Timestamps`."""
    return [updated_at(), created_at()]


def created_at() -> sa.Column[Any]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def updated_at() -> sa.Column[Any]:
    return sa.Column(
        "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=True
    )


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> sa.Index:
    """An index of the rows matching `where` only."""
    return sa.Index(name, *columns, unique=unique, postgresql_where=sa.text(where))


def create_table(
    table: str,
    *columns: sa.Column[Any],
    primary_key: Sequence[str] = (),
    checks: Mapping[str, str] | None = None,
    foreign_keys: Mapping[str, str] | None = None,
    on_delete: str | None = None,
    unique: Sequence[str] = (),
    indexes: Sequence[sa.Index] = (),
) -> None:
    """`op.create_table` with its constraints and indexes. The primary key is the first column
    unless `primary_key` lists others; `checks` maps a name to a condition, `foreign_keys` a
    column to the "table.column" it references (`on_delete` applies to all), `unique` lists
    single unique columns. Constraint names follow the models' convention."""
    keys = primary_key or [columns[0].name]
    constraints: list[sa.Constraint] = [
        sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))
        for name, condition in (checks or {}).items()
    ]
    for column, target in (foreign_keys or {}).items():
        name = op.f(f"fk_{table}_{column}_{target.split('.')[0]}")
        constraints.append(
            sa.ForeignKeyConstraint([column], [target], name=name, ondelete=on_delete)
        )
    constraints.append(sa.PrimaryKeyConstraint(*keys, name=op.f(f"pk_{table}")))
    constraints += [sa.UniqueConstraint(key, name=op.f(f"uq_{table}_{key}")) for key in unique]
    op.create_table(table, *columns, *constraints, *indexes)


def drop_tables(*tables: str) -> None:
    """Drop the tables in this order, each with its indexes and constraints."""
    for table in tables:
        op.drop_table(table)
