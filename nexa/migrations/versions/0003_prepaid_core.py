"""prepaid: lines, transactions, subscriptions, queue, usage, notifications, idempotency,
test clock"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from nexa.migrations.helpers import (
    MONEY,
    create_table,
    created_at,
    drop_tables,
    enum,
    notification_channel,
    notification_type,
    partial_index,
    timestamps,
)

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    create_table(
        "idempotency_key",
        sa.Column("idempotency_key_id", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("endpoint", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        created_at(),
        indexes=[
            sa.Index("ix_idempotency_key_expires_at", "expires_at"),
            sa.Index("uq_idempotency_key_owner_key", "owner", "key", unique=True),
        ],
    )
    create_table(
        "line",
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        *timestamps(),
    )
    create_table(
        "test_clock",
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("offset_seconds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        checks={"single_row": "clock_id = 1"},
    )
    create_table(
        "usage_event",
        sa.Column("usage_event_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("used_mb", sa.BigInteger(), nullable=False),
        sa.Column("applied_mb", sa.BigInteger(), nullable=False),
        sa.Column("throttled_mb", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        checks={
            "split_adds_up": "applied_mb + throttled_mb = used_mb",
            "used_positive": "used_mb > 0",
        },
        unique=["event_id"],
        indexes=[
            sa.Index("ix_usage_event_phone_time", "phone_number", "occurred_at"),
        ],
    )
    create_table(
        "notification",
        sa.Column("notification_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("type", notification_type("notification_type"), nullable=False),
        sa.Column("channel", notification_channel("notification_channel"), nullable=False),
        sa.Column("is_read", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column(
            "delivery_mode", sa.String(length=20), server_default="simulated", nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "source",
            enum("notification_source", "system", "admin"),
            server_default="system",
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        created_at(),
        foreign_keys={"customer_id": "customer.customer_id"},
        unique=["dedupe_key"],
        indexes=[
            sa.Index("ix_notification_customer_created", "customer_id", "created_at"),
            partial_index("ix_notification_pending", "created_at", where="status = 'pending'"),
            sa.Index("ix_notification_type", "type"),
        ],
    )
    create_table(
        "transaction",
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("offer_id", sa.BigInteger(), nullable=True),
        sa.Column("recipient_phone_number", sa.String(length=20), nullable=False),
        sa.Column(
            "transaction_type",
            enum(
                "transaction_type",
                "prepaid_recharge",
                "postpaid_bill_payment",
                "topup_purchase",
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("original_amount", MONEY, nullable=False),
        sa.Column("discount_amount", MONEY, server_default="0", nullable=False),
        sa.Column("discount_type", enum("discount_type", "offer", "referral"), nullable=True),
        sa.Column("final_amount", MONEY, nullable=False),
        sa.Column(
            "payment_method",
            enum("payment_method", "credit_card", "debit_card", "net_banking", "upi"),
            nullable=False,
        ),
        sa.Column("payment_status", enum("payment_status", "success", "failed"), nullable=False),
        sa.Column("payment_reference", sa.String(length=100), nullable=True),
        sa.Column("failure_reason", sa.String(length=255), nullable=True),
        sa.Column("transaction_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=True),
        sa.Column("referral_discount_id", sa.BigInteger(), nullable=True),
        sa.Column("bill_id", sa.BigInteger(), nullable=True),
        checks={
            "discount_not_negative": "discount_amount >= 0",
            "final_is_original_less_discount": "final_amount = original_amount - discount_amount",
            "final_not_negative": "final_amount >= 0",
            "original_not_negative": "original_amount >= 0",
        },
        foreign_keys={
            "customer_id": "customer.customer_id",
            "offer_id": "offer.offer_id",
            "plan_id": "plan.plan_id",
        },
        indexes=[
            sa.Index("ix_transaction_customer_date", "customer_id", "transaction_date"),
            sa.Index("ix_transaction_date", "transaction_date"),
            sa.Index("ix_transaction_offer_id", "offer_id"),
            sa.Index("ix_transaction_plan_id", "plan_id"),
            sa.Index("ix_transaction_recipient", "recipient_phone_number"),
        ],
    )
    create_table(
        "subscription",
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("is_topup", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "status",
            enum("subscription_status", "queued", "active", "exhausted", "expired"),
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
        *timestamps(),
        checks={
            "base_plan_status": "status IN ('queued', 'active', 'expired') OR is_topup",
            "daily_used_not_negative": "daily_data_used_mb >= 0",
            "balance_not_negative": "data_balance_mb >= 0",
            "topup_has_base": "is_topup OR base_subscription_id IS NULL",
        },
        foreign_keys={
            "base_subscription_id": "subscription.subscription_id",
            "customer_id": "customer.customer_id",
            "phone_number": "line.phone_number",
            "plan_id": "plan.plan_id",
            "transaction_id": "transaction.transaction_id",
        },
        indexes=[
            partial_index(
                "uq_subscription_one_active_base",
                "phone_number",
                where="status = 'active' AND NOT is_topup",
                unique=True,
            ),
            sa.Index("ix_subscription_base", "base_subscription_id"),
            sa.Index("ix_subscription_customer_id", "customer_id"),
            sa.Index("ix_subscription_phone_status", "phone_number", "status"),
            sa.Index("ix_subscription_plan_id", "plan_id"),
            sa.Index("ix_subscription_status_expiry", "status", "expiry_date"),
            sa.Index("ix_subscription_transaction_id", "transaction_id"),
        ],
    )
    create_table(
        "subscription_queue",
        sa.Column("queue_id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("expected_activation_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_expiry_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue_position", sa.Integer(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        created_at(),
        checks={
            "window_ordered": "expected_expiry_date >= expected_activation_date",
            "position_positive": "queue_position >= 1",
        },
        foreign_keys={
            "customer_id": "customer.customer_id",
            "phone_number": "line.phone_number",
            "subscription_id": "subscription.subscription_id",
        },
        unique=["subscription_id"],
        indexes=[
            sa.Index("ix_subscription_queue_customer_id", "customer_id"),
            partial_index(
                "ix_subscription_queue_waiting",
                "phone_number",
                "queue_position",
                where="processed_at IS NULL",
            ),
        ],
    )
    op.execute("INSERT INTO test_clock (clock_id, offset_seconds) VALUES (1, 0)")


def downgrade() -> None:
    drop_tables(
        "subscription_queue",
        "subscription",
        "transaction",
        "notification",
        "usage_event",
        "test_clock",
        "line",
        "idempotency_key",
    )
