"""referral programme and linked accounts"""

import sqlalchemy as sa

from nexa.migrations.helpers import create_table, created_at, drop_tables, enum, partial_index

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    create_table(
        "linked_account",
        sa.Column("linked_account_id", sa.BigInteger(), nullable=False),
        sa.Column("primary_customer_id", sa.BigInteger(), nullable=False),
        sa.Column("linked_phone_number", sa.String(length=20), nullable=False),
        created_at(),
        foreign_keys={"primary_customer_id": "customer.customer_id"},
        indexes=[
            sa.Index("ix_linked_account_phone", "linked_phone_number"),
            sa.Index(
                "uq_linked_account_primary_phone",
                "primary_customer_id",
                "linked_phone_number",
                unique=True,
            ),
        ],
    )
    create_table(
        "referral_program",
        sa.Column("referral_id", sa.BigInteger(), nullable=False),
        sa.Column("referrer_customer_id", sa.BigInteger(), nullable=False),
        sa.Column("referral_code", sa.String(length=20), nullable=False),
        sa.Column("referee_phone_number", sa.String(length=20), server_default="", nullable=False),
        sa.Column("referee_customer_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            enum("referral_status", "pending", "completed", "expired"),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_uses", sa.Integer(), server_default="1", nullable=False),
        sa.Column("current_uses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        created_at(),
        checks={
            "uses_within_max": "current_uses BETWEEN 0 AND max_uses",
            "max_uses_positive": "max_uses >= 1",
        },
        foreign_keys={
            "referee_customer_id": "customer.customer_id",
            "referrer_customer_id": "customer.customer_id",
        },
        unique=["referral_code"],
        indexes=[
            partial_index(
                "uq_referral_program_one_active",
                "referrer_customer_id",
                where="is_active",
                unique=True,
            ),
            partial_index("ix_referral_program_expiry", "expires_at", where="is_active"),
            sa.Index("ix_referral_program_referrer", "referrer_customer_id", "created_at"),
            sa.Index("ix_referral_program_status", "status", "is_active"),
        ],
    )
    create_table(
        "referral_discount",
        sa.Column("discount_id", sa.BigInteger(), nullable=False),
        sa.Column("referral_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("beneficiary_role", enum("voucher_role", "referee", "referrer"), nullable=False),
        sa.Column("discount_percentage", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("is_used", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_transaction_id", sa.BigInteger(), nullable=True),
        created_at(),
        checks={"percentage_range": "discount_percentage > 0 AND discount_percentage < 100"},
        foreign_keys={
            "customer_id": "customer.customer_id",
            "referral_id": "referral_program.referral_id",
            "used_transaction_id": "transaction.transaction_id",
        },
        indexes=[
            sa.Index("ix_referral_discount_referral_id", "referral_id"),
            partial_index(
                "ix_referral_discount_usable", "customer_id", "valid_until", where="NOT is_used"
            ),
        ],
    )
    create_table(
        "referral_usage_log",
        sa.Column("log_id", sa.BigInteger(), nullable=False),
        sa.Column("referral_id", sa.BigInteger(), nullable=False),
        sa.Column("used_by_phone", sa.String(length=20), nullable=False),
        sa.Column("used_by_customer_id", sa.BigInteger(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            enum("referral_application_status", "pending", "completed"),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_transaction_id", sa.BigInteger(), nullable=True),
        foreign_keys={
            "completed_transaction_id": "transaction.transaction_id",
            "referral_id": "referral_program.referral_id",
            "used_by_customer_id": "customer.customer_id",
        },
        indexes=[
            partial_index(
                "ix_referral_usage_log_pending_referee",
                "used_by_customer_id",
                where="status = 'pending'",
            ),
            sa.Index(
                "uq_referral_usage_log_program_phone", "referral_id", "used_by_phone", unique=True
            ),
        ],
    )


def downgrade() -> None:
    drop_tables("referral_usage_log", "referral_discount", "referral_program", "linked_account")
