"""postpaid activations, bills, add-ons, secondary numbers"""

import sqlalchemy as sa

from nexa.migrations.helpers import (
    MONEY,
    create_table,
    created_at,
    drop_tables,
    enum,
    partial_index,
    timestamps,
)

revision = "0005"
down_revision = "0004"

ACTIVATION = "postpaid_activation.activation_id"


def upgrade() -> None:
    create_table(
        "postpaid_activation",
        sa.Column("activation_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("primary_number", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            enum("postpaid_status", "active", "suspended", "cancelled"),
            server_default="active",
            nullable=False,
        ),
        sa.Column("billing_cycle_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("billing_cycle_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("base_amount", MONEY, nullable=False),
        sa.Column("base_data_allowance_mb", sa.BigInteger(), nullable=False),
        sa.Column("base_balance_mb", sa.BigInteger(), nullable=False),
        sa.Column("data_used_mb", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("total_amount_due", MONEY, server_default="0", nullable=False),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        *timestamps(),
        checks={
            "base_amount_not_negative": "base_amount >= 0",
            "balance_not_negative": "base_balance_mb >= 0",
            "cycle_ordered": "billing_cycle_end > billing_cycle_start",
            "due_not_negative": "total_amount_due >= 0",
        },
        foreign_keys={
            "customer_id": "customer.customer_id",
            "plan_id": "plan.plan_id",
            "primary_number": "line.phone_number",
        },
        indexes=[
            partial_index(
                "uq_postpaid_activation_one_per_number",
                "primary_number",
                where="status IN ('active', 'suspended')",
                unique=True,
            ),
            sa.Index("ix_postpaid_activation_customer", "customer_id"),
            sa.Index("ix_postpaid_activation_cycle_end", "status", "billing_cycle_end"),
            sa.Index("ix_postpaid_activation_plan_id", "plan_id"),
        ],
    )
    create_table(
        "postpaid_secondary_number",
        sa.Column("secondary_id", sa.BigInteger(), nullable=False),
        sa.Column("activation_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("added_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        foreign_keys={"activation_id": ACTIVATION},
        indexes=[
            partial_index(
                "uq_postpaid_secondary_number_phone",
                "phone_number",
                where="removed_at IS NULL",
                unique=True,
            ),
            sa.Index("ix_postpaid_secondary_number_activation", "activation_id"),
        ],
    )
    create_table(
        "postpaid_bill",
        sa.Column("bill_id", sa.BigInteger(), nullable=False),
        sa.Column("activation_id", sa.BigInteger(), nullable=False),
        sa.Column("cycle_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cycle_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("base_amount", MONEY, nullable=False),
        sa.Column("addon_charges", MONEY, nullable=False),
        sa.Column("total_amount", MONEY, nullable=False),
        sa.Column("due_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            enum("bill_status", "unpaid", "paid"),
            server_default="unpaid",
            nullable=False,
        ),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_transaction_id", sa.BigInteger(), nullable=True),
        created_at(),
        checks={"total_adds_up": "total_amount = base_amount + addon_charges"},
        foreign_keys={
            "activation_id": ACTIVATION,
            "paid_transaction_id": "transaction.transaction_id",
        },
        indexes=[
            partial_index("ix_postpaid_bill_unpaid_due", "due_date", where="status = 'unpaid'"),
            sa.Index("uq_postpaid_bill_cycle", "activation_id", "cycle_start", unique=True),
        ],
    )
    create_table(
        "postpaid_data_addon",
        sa.Column("addon_id", sa.BigInteger(), nullable=False),
        sa.Column("activation_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("addon_name", sa.String(length=255), nullable=False),
        sa.Column("data_amount_mb", sa.BigInteger(), nullable=False),
        sa.Column("data_remaining_mb", sa.BigInteger(), nullable=False),
        sa.Column("addon_price", MONEY, nullable=False),
        sa.Column("purchased_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            enum("addon_status", "active", "expired", "fully_used"),
            server_default="active",
            nullable=False,
        ),
        sa.Column("bill_id", sa.BigInteger(), nullable=True),
        created_at(),
        checks={
            "price_not_negative": "addon_price >= 0",
            "remaining_range": "data_remaining_mb BETWEEN 0 AND data_amount_mb",
        },
        foreign_keys={
            "activation_id": ACTIVATION,
            "bill_id": "postpaid_bill.bill_id",
            "plan_id": "plan.plan_id",
        },
        indexes=[
            sa.Index("ix_postpaid_data_addon_activation", "activation_id", "status"),
            sa.Index("ix_postpaid_data_addon_bill_id", "bill_id"),
        ],
    )


def downgrade() -> None:
    drop_tables(
        "postpaid_data_addon", "postpaid_bill", "postpaid_secondary_number", "postpaid_activation"
    )
