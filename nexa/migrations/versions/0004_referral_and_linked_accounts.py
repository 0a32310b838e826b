"""referral programme and linked accounts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 18:28:34.506258
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "linked_account",
        sa.Column("linked_account_id", sa.BigInteger(), nullable=False),
        sa.Column("primary_customer_id", sa.BigInteger(), nullable=False),
        sa.Column("linked_phone_number", sa.String(length=20), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["primary_customer_id"],
            ["customer.customer_id"],
            name=op.f("fk_linked_account_primary_customer_id_customer"),
        ),
        sa.PrimaryKeyConstraint("linked_account_id", name=op.f("pk_linked_account")),
    )
    op.create_index(
        "ix_linked_account_phone", "linked_account", ["linked_phone_number"], unique=False
    )
    op.create_index(
        "uq_linked_account_primary_phone",
        "linked_account",
        ["primary_customer_id", "linked_phone_number"],
        unique=True,
    )
    op.create_table(
        "referral_program",
        sa.Column("referral_id", sa.BigInteger(), nullable=False),
        sa.Column("referrer_customer_id", sa.BigInteger(), nullable=False),
        sa.Column("referral_code", sa.String(length=20), nullable=False),
        sa.Column("referee_phone_number", sa.String(length=20), server_default="", nullable=False),
        sa.Column("referee_customer_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "completed",
                "expired",
                name="referral_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_uses", sa.Integer(), server_default="1", nullable=False),
        sa.Column("current_uses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "current_uses BETWEEN 0 AND max_uses", name=op.f("ck_referral_program_uses_within_max")
        ),
        sa.CheckConstraint("max_uses >= 1", name=op.f("ck_referral_program_max_uses_positive")),
        sa.ForeignKeyConstraint(
            ["referee_customer_id"],
            ["customer.customer_id"],
            name=op.f("fk_referral_program_referee_customer_id_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["referrer_customer_id"],
            ["customer.customer_id"],
            name=op.f("fk_referral_program_referrer_customer_id_customer"),
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_referral_program")),
        sa.UniqueConstraint("referral_code", name=op.f("uq_referral_program_referral_code")),
    )
    op.create_index(
        "ix_referral_program_expiry",
        "referral_program",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("is_active"),
    )
    op.create_index(
        "ix_referral_program_referrer",
        "referral_program",
        ["referrer_customer_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_referral_program_status", "referral_program", ["status", "is_active"], unique=False
    )
    op.create_index(
        "uq_referral_program_one_active",
        "referral_program",
        ["referrer_customer_id"],
        unique=True,
        postgresql_where=sa.text("is_active"),
    )
    op.create_table(
        "referral_discount",
        sa.Column("discount_id", sa.BigInteger(), nullable=False),
        sa.Column("referral_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "beneficiary_role",
            sa.Enum(
                "referee",
                "referrer",
                name="voucher_role",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("discount_percentage", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("is_used", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_transaction_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "discount_percentage > 0 AND discount_percentage < 100",
            name=op.f("ck_referral_discount_percentage_range"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.customer_id"],
            name=op.f("fk_referral_discount_customer_id_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral_program.referral_id"],
            name=op.f("fk_referral_discount_referral_id_referral_program"),
        ),
        sa.ForeignKeyConstraint(
            ["used_transaction_id"],
            ["transaction.transaction_id"],
            name=op.f("fk_referral_discount_used_transaction_id_transaction"),
        ),
        sa.PrimaryKeyConstraint("discount_id", name=op.f("pk_referral_discount")),
    )
    op.create_index(
        "ix_referral_discount_referral_id", "referral_discount", ["referral_id"], unique=False
    )
    op.create_index(
        "ix_referral_discount_usable",
        "referral_discount",
        ["customer_id", "valid_until"],
        unique=False,
        postgresql_where=sa.text("NOT is_used"),
    )
    op.create_table(
        "referral_usage_log",
        sa.Column("log_id", sa.BigInteger(), nullable=False),
        sa.Column("referral_id", sa.BigInteger(), nullable=False),
        sa.Column("used_by_phone", sa.String(length=20), nullable=False),
        sa.Column("used_by_customer_id", sa.BigInteger(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "completed",
                name="referral_application_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_transaction_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["completed_transaction_id"],
            ["transaction.transaction_id"],
            name=op.f("fk_referral_usage_log_completed_transaction_id_transaction"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral_program.referral_id"],
            name=op.f("fk_referral_usage_log_referral_id_referral_program"),
        ),
        sa.ForeignKeyConstraint(
            ["used_by_customer_id"],
            ["customer.customer_id"],
            name=op.f("fk_referral_usage_log_used_by_customer_id_customer"),
        ),
        sa.PrimaryKeyConstraint("log_id", name=op.f("pk_referral_usage_log")),
    )
    op.create_index(
        "ix_referral_usage_log_pending_referee",
        "referral_usage_log",
        ["used_by_customer_id"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "uq_referral_usage_log_program_phone",
        "referral_usage_log",
        ["referral_id", "used_by_phone"],
        unique=True,
    )


def downgrade() -> None:

    op.drop_index("uq_referral_usage_log_program_phone", table_name="referral_usage_log")
    op.drop_index(
        "ix_referral_usage_log_pending_referee",
        table_name="referral_usage_log",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_table("referral_usage_log")
    op.drop_index(
        "ix_referral_discount_usable",
        table_name="referral_discount",
        postgresql_where=sa.text("NOT is_used"),
    )
    op.drop_index("ix_referral_discount_referral_id", table_name="referral_discount")
    op.drop_table("referral_discount")
    op.drop_index(
        "uq_referral_program_one_active",
        table_name="referral_program",
        postgresql_where=sa.text("is_active"),
    )
    op.drop_index("ix_referral_program_status", table_name="referral_program")
    op.drop_index("ix_referral_program_referrer", table_name="referral_program")
    op.drop_index(
        "ix_referral_program_expiry",
        table_name="referral_program",
        postgresql_where=sa.text("is_active"),
    )
    op.drop_table("referral_program")
    op.drop_index("uq_linked_account_primary_phone", table_name="linked_account")
    op.drop_index("ix_linked_account_phone", table_name="linked_account")
    op.drop_table("linked_account")
