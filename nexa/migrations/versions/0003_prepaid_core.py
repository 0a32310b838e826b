"""prepaid: lines, transactions, subscriptions, queue, usage, notifications, idempotency, test clock

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:12:41.609643
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "idempotency_key",
        sa.Column("idempotency_key_id", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("endpoint", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("idempotency_key_id", name=op.f("pk_idempotency_key")),
    )
    op.create_index(
        "ix_idempotency_key_expires_at", "idempotency_key", ["expires_at"], unique=False
    )
    op.create_index(
        "uq_idempotency_key_owner_key", "idempotency_key", ["owner", "key"], unique=True
    )
    op.create_table(
        "line",
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=True
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("phone_number", name=op.f("pk_line")),
    )
    op.create_table(
        "test_clock",
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("offset_seconds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("clock_id = 1", name=op.f("ck_test_clock_single_row")),
        sa.PrimaryKeyConstraint("clock_id", name=op.f("pk_test_clock")),
    )
    op.create_table(
        "usage_event",
        sa.Column("usage_event_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("used_mb", sa.BigInteger(), nullable=False),
        sa.Column("applied_mb", sa.BigInteger(), nullable=False),
        sa.Column("throttled_mb", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "applied_mb + throttled_mb = used_mb", name=op.f("ck_usage_event_split_adds_up")
        ),
        sa.CheckConstraint("used_mb > 0", name=op.f("ck_usage_event_used_positive")),
        sa.PrimaryKeyConstraint("usage_event_id", name=op.f("pk_usage_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_usage_event_event_id")),
    )
    op.create_index(
        "ix_usage_event_phone_time", "usage_event", ["phone_number", "occurred_at"], unique=False
    )
    op.create_table(
        "notification",
        sa.Column("notification_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
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
                name="notification_type",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "sms",
                "push",
                "in_app",
                name="notification_channel",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("is_read", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column(
            "delivery_mode", sa.String(length=20), server_default="simulated", nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "system",
                "admin",
                name="notification_source",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="system",
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.customer_id"],
            name=op.f("fk_notification_customer_id_customer"),
        ),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_notification")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_dedupe_key")),
    )
    op.create_index(
        "ix_notification_customer_created",
        "notification",
        ["customer_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_notification_pending",
        "notification",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_notification_type", "notification", ["type"], unique=False)
    op.create_table(
        "transaction",
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("offer_id", sa.BigInteger(), nullable=True),
        sa.Column("recipient_phone_number", sa.String(length=20), nullable=False),
        sa.Column(
            "transaction_type",
            sa.Enum(
                "prepaid_recharge",
                "postpaid_bill_payment",
                "topup_purchase",
                name="transaction_type",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("original_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "discount_amount", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False
        ),
        sa.Column(
            "discount_type",
            sa.Enum(
                "offer",
                "referral",
                name="discount_type",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("final_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "payment_method",
            sa.Enum(
                "credit_card",
                "debit_card",
                "net_banking",
                "upi",
                name="payment_method",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "payment_status",
            sa.Enum(
                "success",
                "failed",
                name="payment_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("payment_reference", sa.String(length=100), nullable=True),
        sa.Column("failure_reason", sa.String(length=255), nullable=True),
        sa.Column("transaction_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=True),
        sa.Column("referral_discount_id", sa.BigInteger(), nullable=True),
        sa.Column("bill_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "discount_amount >= 0", name=op.f("ck_transaction_discount_not_negative")
        ),
        sa.CheckConstraint(
            "final_amount = original_amount - discount_amount",
            name=op.f("ck_transaction_final_is_original_less_discount"),
        ),
        sa.CheckConstraint("final_amount >= 0", name=op.f("ck_transaction_final_not_negative")),
        sa.CheckConstraint(
            "original_amount >= 0", name=op.f("ck_transaction_original_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.customer_id"],
            name=op.f("fk_transaction_customer_id_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offer.offer_id"], name=op.f("fk_transaction_offer_id_offer")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.plan_id"], name=op.f("fk_transaction_plan_id_plan")
        ),
        sa.PrimaryKeyConstraint("transaction_id", name=op.f("pk_transaction")),
    )
    op.create_index(
        "ix_transaction_customer_date",
        "transaction",
        ["customer_id", "transaction_date"],
        unique=False,
    )
    op.create_index("ix_transaction_date", "transaction", ["transaction_date"], unique=False)
    op.create_index("ix_transaction_offer_id", "transaction", ["offer_id"], unique=False)
    op.create_index("ix_transaction_plan_id", "transaction", ["plan_id"], unique=False)
    op.create_index(
        "ix_transaction_recipient", "transaction", ["recipient_phone_number"], unique=False
    )
    op.create_table(
        "subscription",
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("is_topup", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "active",
                "exhausted",
                "expired",
                name="subscription_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("base_subscription_id", sa.BigInteger(), nullable=True),
        sa.Column("activation_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expiry_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data_allowance_mb", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("data_balance_mb", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("daily_data_limit_mb", sa.BigInteger(), nullable=True),
        sa.Column("daily_data_used_mb", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_daily_reset", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=True
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'active', 'expired') OR is_topup",
            name=op.f("ck_subscription_base_plan_status"),
        ),
        sa.CheckConstraint(
            "daily_data_used_mb >= 0", name=op.f("ck_subscription_daily_used_not_negative")
        ),
        sa.CheckConstraint(
            "data_balance_mb >= 0", name=op.f("ck_subscription_balance_not_negative")
        ),
        sa.CheckConstraint(
            "is_topup OR base_subscription_id IS NULL", name=op.f("ck_subscription_topup_has_base")
        ),
        sa.ForeignKeyConstraint(
            ["base_subscription_id"],
            ["subscription.subscription_id"],
            name=op.f("fk_subscription_base_subscription_id_subscription"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.customer_id"],
            name=op.f("fk_subscription_customer_id_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["phone_number"], ["line.phone_number"], name=op.f("fk_subscription_phone_number_line")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.plan_id"], name=op.f("fk_subscription_plan_id_plan")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transaction.transaction_id"],
            name=op.f("fk_subscription_transaction_id_transaction"),
        ),
        sa.PrimaryKeyConstraint("subscription_id", name=op.f("pk_subscription")),
    )
    op.create_index("ix_subscription_base", "subscription", ["base_subscription_id"], unique=False)
    op.create_index("ix_subscription_customer_id", "subscription", ["customer_id"], unique=False)
    op.create_index(
        "ix_subscription_phone_status", "subscription", ["phone_number", "status"], unique=False
    )
    op.create_index("ix_subscription_plan_id", "subscription", ["plan_id"], unique=False)
    op.create_index(
        "ix_subscription_status_expiry", "subscription", ["status", "expiry_date"], unique=False
    )
    op.create_index(
        "ix_subscription_transaction_id", "subscription", ["transaction_id"], unique=False
    )
    op.create_index(
        "uq_subscription_one_active_base",
        "subscription",
        ["phone_number"],
        unique=True,
        postgresql_where=sa.text("status = 'active' AND NOT is_topup"),
    )
    op.create_table(
        "subscription_queue",
        sa.Column("queue_id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("expected_activation_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_expiry_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue_position", sa.Integer(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "expected_expiry_date >= expected_activation_date",
            name=op.f("ck_subscription_queue_window_ordered"),
        ),
        sa.CheckConstraint(
            "queue_position >= 1", name=op.f("ck_subscription_queue_position_positive")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.customer_id"],
            name=op.f("fk_subscription_queue_customer_id_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["phone_number"],
            ["line.phone_number"],
            name=op.f("fk_subscription_queue_phone_number_line"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.subscription_id"],
            name=op.f("fk_subscription_queue_subscription_id_subscription"),
        ),
        sa.PrimaryKeyConstraint("queue_id", name=op.f("pk_subscription_queue")),
        sa.UniqueConstraint("subscription_id", name=op.f("uq_subscription_queue_subscription_id")),
    )
    op.create_index(
        "ix_subscription_queue_customer_id", "subscription_queue", ["customer_id"], unique=False
    )
    op.create_index(
        "ix_subscription_queue_waiting",
        "subscription_queue",
        ["phone_number", "queue_position"],
        unique=False,
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.execute("INSERT INTO test_clock (clock_id, offset_seconds) VALUES (1, 0)")


def downgrade() -> None:

    op.drop_index(
        "ix_subscription_queue_waiting",
        table_name="subscription_queue",
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.drop_index("ix_subscription_queue_customer_id", table_name="subscription_queue")
    op.drop_table("subscription_queue")
    op.drop_index(
        "uq_subscription_one_active_base",
        table_name="subscription",
        postgresql_where=sa.text("status = 'active' AND NOT is_topup"),
    )
    op.drop_index("ix_subscription_transaction_id", table_name="subscription")
    op.drop_index("ix_subscription_status_expiry", table_name="subscription")
    op.drop_index("ix_subscription_plan_id", table_name="subscription")
    op.drop_index("ix_subscription_phone_status", table_name="subscription")
    op.drop_index("ix_subscription_customer_id", table_name="subscription")
    op.drop_index("ix_subscription_base", table_name="subscription")
    op.drop_table("subscription")
    op.drop_index("ix_transaction_recipient", table_name="transaction")
    op.drop_index("ix_transaction_plan_id", table_name="transaction")
    op.drop_index("ix_transaction_offer_id", table_name="transaction")
    op.drop_index("ix_transaction_date", table_name="transaction")
    op.drop_index("ix_transaction_customer_date", table_name="transaction")
    op.drop_table("transaction")
    op.drop_index("ix_notification_type", table_name="notification")
    op.drop_index(
        "ix_notification_pending",
        table_name="notification",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index("ix_notification_customer_created", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_usage_event_phone_time", table_name="usage_event")
    op.drop_table("usage_event")
    op.drop_table("test_clock")
    op.drop_table("line")
    op.drop_index("uq_idempotency_key_owner_key", table_name="idempotency_key")
    op.drop_index("ix_idempotency_key_expires_at", table_name="idempotency_key")
    op.drop_table("idempotency_key")
