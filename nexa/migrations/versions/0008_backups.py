"""backup and restore history, schedules"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from nexa.migrations.helpers import create_table, drop_tables, enum

revision = "0008"
down_revision = "0007"

STATUS = ("pending", "running", "completed", "failed")


def upgrade() -> None:
    create_table(
        "backup",
        sa.Column("backup_id", sa.BigInteger(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("type", enum("backup_type", "auto", "manual"), nullable=False),
        sa.Column("status", enum("backup_status", *STATUS), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("data_list", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        unique=["file_name"],
        indexes=[
            sa.Index("ix_backup_created_at", "created_at"),
            sa.Index("ix_backup_status", "status"),
        ],
    )
    create_table(
        "restore",
        sa.Column("restore_id", sa.BigInteger(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("backup_source_id", sa.BigInteger(), nullable=True),
        sa.Column("safety_backup_id", sa.BigInteger(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("type", enum("restore_type", "auto", "manual"), nullable=False),
        sa.Column("status", enum("restore_status", *STATUS), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("data_list", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        indexes=[
            sa.Index("ix_restore_created_at", "created_at"),
            sa.Index("ix_restore_status", "status"),
        ],
    )
    create_table(
        "backup_schedule",
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column(
            "frequency",
            enum("schedule_frequency", "daily", "weekly", "monthly", "manual"),
            nullable=False,
        ),
        sa.Column("time_of_day", sa.Time(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("last_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        checks={"single_row": "schedule_id = 1"},
    )


def downgrade() -> None:
    drop_tables("backup_schedule", "restore", "backup")
