"""payments with their orders, payment history, refunds; the ledger row names its payment"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from nexa.migrations.helpers import (
    MONEY,
    NOTIFICATION_TYPES,
    create_table,
    created_at,
    drop_tables,
    enum,
    partial_index,
    timestamps,
)

revision = "0012"
down_revision = "0011"

STATES = ("created", "pending", "captured", "failed", "partially_refunded", "refunded")
ORDER_TYPES = ("prepaid_recharge", "postpaid_bill_payment", "topup_purchase")
METHODS = ("credit_card", "debit_card", "net_banking", "upi")
# notification types gain payment_refunded (both tables that list them)
SUBSCRIPTION_STATES = ("queued", "active", "exhausted", "expired")
TYPE_CHECKS = {
    "notification": ("ck_notification_notification_type", "type"),
    "notification_broadcast": ("ck_notification_broadcast_broadcast_notification_type", "type"),
}


def _type_checks(types: tuple[str, ...]) -> None:
    for table, (name, column) in TYPE_CHECKS.items():
        op.drop_constraint(op.f(name), table, type_="check")
        op.create_check_constraint(op.f(name), table, f"{column} IN ({_listed(types)})")


def _subscription_states(states: tuple[str, ...]) -> None:
    """The states a subscription (and, of them, a base plan) may be in."""
    base_states = [state for state in states if state != "exhausted"]
    for name, condition in (
        ("ck_subscription_subscription_status", f"status IN ({_listed(states)})"),
        ("ck_subscription_base_plan_status", f"status IN ({_listed(base_states)}) OR is_topup"),
    ):
        op.drop_constraint(op.f(name), "subscription", type_="check")
        op.create_check_constraint(op.f(name), "subscription", condition)


def _listed(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    _subscription_states((*SUBSCRIPTION_STATES, "cancelled"))
    create_table(
        "payment",
        sa.Column("payment_id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "order_type", enum("payment_order_type", *ORDER_TYPES, length=30), nullable=False
        ),
        sa.Column("recipient_phone_number", sa.String(length=20), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("offer_id", sa.BigInteger(), nullable=True),
        sa.Column("referral_discount_id", sa.BigInteger(), nullable=True),
        sa.Column("original_amount", MONEY, nullable=False),
        sa.Column("discount_amount", MONEY, nullable=False),
        sa.Column(
            "discount_type", enum("payment_discount_type", "offer", "referral"), nullable=True
        ),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("payment_method", enum("payment_payment_method", *METHODS), nullable=False),
        sa.Column("order_ref", sa.String(length=100), nullable=True),
        sa.Column(
            "order_details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("status", enum("payment_state", *STATES), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_order_id", sa.String(length=100), nullable=True),
        sa.Column("provider_payment_id", sa.String(length=100), nullable=True),
        sa.Column("failure_reason", sa.String(length=255), nullable=True),
        sa.Column("refunded_amount", MONEY, server_default="0", nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("idempotency_key_id", sa.BigInteger(), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        *timestamps(),
        checks={
            "amount_not_negative": "amount >= 0",
            "amount_is_priced": "amount = original_amount - discount_amount",
            "refund_within_amount": "refunded_amount >= 0 AND refunded_amount <= amount",
        },
        foreign_keys={
            "customer_id": "customer.customer_id",
            "plan_id": "plan.plan_id",
            "offer_id": "offer.offer_id",
        },
        indexes=[
            sa.Index("ix_payment_customer_created", "customer_id", "created_at"),
            sa.Index("ix_payment_created_at", "created_at"),
            partial_index(
                "ix_payment_open", "next_check_at", where="status IN ('created', 'pending')"
            ),
            partial_index(
                "uq_payment_open_order_ref",
                "order_ref",
                where="status IN ('created', 'pending')",
                unique=True,
            ),
            partial_index(
                "uq_payment_provider_order",
                "provider",
                "provider_order_id",
                where="provider_order_id IS NOT NULL",
                unique=True,
            ),
        ],
    )
    create_table(
        "payment_event",
        sa.Column("payment_event_id", sa.BigInteger(), nullable=False),
        sa.Column("payment_id", sa.String(length=32), nullable=False),
        sa.Column("status", enum("payment_event_state", *STATES), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=True),
        sa.Column("provider_event_id", sa.String(length=100), nullable=True),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("detail", sa.String(length=255), nullable=True),
        created_at(),
        foreign_keys={"payment_id": "payment.payment_id"},
        indexes=[
            sa.Index("ix_payment_event_payment", "payment_id", "payment_event_id"),
            partial_index(
                "uq_payment_event_provider_event",
                "provider",
                "provider_event_id",
                where="provider_event_id IS NOT NULL",
                unique=True,
            ),
        ],
    )
    create_table(
        "payment_refund",
        sa.Column("refund_id", sa.BigInteger(), nullable=False),
        sa.Column("payment_id", sa.String(length=32), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column(
            "status", enum("refund_status", "pending", "processed", "failed"), nullable=False
        ),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=True),
        sa.Column("provider_refund_id", sa.String(length=100), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        *timestamps(),
        checks={"amount_positive": "amount > 0"},
        foreign_keys={"payment_id": "payment.payment_id", "admin_id": "admin.admin_id"},
        indexes=[
            sa.Index("ix_payment_refund_payment", "payment_id"),
            sa.Index("ix_payment_refund_processed_at", "processed_at"),
        ],
    )
    op.add_column("transaction", sa.Column("payment_id", sa.String(length=32), nullable=True))
    op.create_foreign_key(
        "fk_transaction_payment_id_payment",
        "transaction",
        "payment",
        ["payment_id"],
        ["payment_id"],
    )
    op.create_index("ix_transaction_payment_id", "transaction", ["payment_id"])
    _type_checks((*NOTIFICATION_TYPES, "payment_refunded"))


def downgrade() -> None:
    _subscription_states(SUBSCRIPTION_STATES)
    _type_checks(NOTIFICATION_TYPES)
    op.drop_index("ix_transaction_payment_id", "transaction")
    op.drop_constraint(op.f("fk_transaction_payment_id_payment"), "transaction", type_="foreignkey")
    op.drop_column("transaction", "payment_id")
    drop_tables("payment_refund", "payment_event", "payment")
