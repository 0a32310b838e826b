"""backup and restore history, schedules

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


STATUS = ("pending", "running", "completed", "failed")


def upgrade() -> None:
    op.create_table(
        "backup",
        sa.Column("backup_id", sa.BigInteger(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("type", _enum("backup_type", "auto", "manual"), nullable=False),
        sa.Column("status", _enum("backup_status", *STATUS), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("data_list", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("backup_id", name=op.f("pk_backup")),
        sa.UniqueConstraint("file_name", name=op.f("uq_backup_file_name")),
    )
    op.create_index("ix_backup_created_at", "backup", ["created_at"])
    op.create_index("ix_backup_status", "backup", ["status"])
    op.create_table(
        "restore",
        sa.Column("restore_id", sa.BigInteger(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("backup_source_id", sa.BigInteger(), nullable=True),
        sa.Column("safety_backup_id", sa.BigInteger(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("type", _enum("restore_type", "auto", "manual"), nullable=False),
        sa.Column("status", _enum("restore_status", *STATUS), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("data_list", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("restore_id", name=op.f("pk_restore")),
    )
    op.create_index("ix_restore_created_at", "restore", ["created_at"])
    op.create_index("ix_restore_status", "restore", ["status"])
    op.create_table(
        "backup_schedule",
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column(
            "frequency",
            _enum("schedule_frequency", "daily", "weekly", "monthly", "manual"),
            nullable=False,
        ),
        sa.Column("time_of_day", sa.Time(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("last_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("schedule_id = 1", name=op.f("ck_backup_schedule_single_row")),
        sa.PrimaryKeyConstraint("schedule_id", name=op.f("pk_backup_schedule")),
    )


def downgrade() -> None:
    op.drop_table("backup_schedule")
    op.drop_index("ix_restore_status", table_name="restore")
    op.drop_index("ix_restore_created_at", table_name="restore")
    op.drop_table("restore")
    op.drop_index("ix_backup_status", table_name="backup")
    op.drop_index("ix_backup_created_at", table_name="backup")
    op.drop_table("backup")
