"""postpaid activations, bills, add-ons, secondary numbers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 18:34:05.202667
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "postpaid_activation",
        sa.Column("activation_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("primary_number", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "suspended",
                "cancelled",
                name="postpaid_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column("billing_cycle_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("billing_cycle_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("base_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("base_data_allowance_mb", sa.BigInteger(), nullable=False),
        sa.Column("base_balance_mb", sa.BigInteger(), nullable=False),
        sa.Column("data_used_mb", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "total_amount_due",
            sa.Numeric(precision=12, scale=2),
            server_default="0",
            nullable=False,
        ),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
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
            "base_amount >= 0", name=op.f("ck_postpaid_activation_base_amount_not_negative")
        ),
        sa.CheckConstraint(
            "base_balance_mb >= 0", name=op.f("ck_postpaid_activation_balance_not_negative")
        ),
        sa.CheckConstraint(
            "billing_cycle_end > billing_cycle_start",
            name=op.f("ck_postpaid_activation_cycle_ordered"),
        ),
        sa.CheckConstraint(
            "total_amount_due >= 0", name=op.f("ck_postpaid_activation_due_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.customer_id"],
            name=op.f("fk_postpaid_activation_customer_id_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.plan_id"], name=op.f("fk_postpaid_activation_plan_id_plan")
        ),
        sa.ForeignKeyConstraint(
            ["primary_number"],
            ["line.phone_number"],
            name=op.f("fk_postpaid_activation_primary_number_line"),
        ),
        sa.PrimaryKeyConstraint("activation_id", name=op.f("pk_postpaid_activation")),
    )
    op.create_index(
        "ix_postpaid_activation_customer", "postpaid_activation", ["customer_id"], unique=False
    )
    op.create_index(
        "ix_postpaid_activation_cycle_end",
        "postpaid_activation",
        ["status", "billing_cycle_end"],
        unique=False,
    )
    op.create_index(
        "ix_postpaid_activation_plan_id", "postpaid_activation", ["plan_id"], unique=False
    )
    op.create_index(
        "uq_postpaid_activation_one_per_number",
        "postpaid_activation",
        ["primary_number"],
        unique=True,
        postgresql_where=sa.text("status IN ('active', 'suspended')"),
    )
    op.create_table(
        "postpaid_secondary_number",
        sa.Column("secondary_id", sa.BigInteger(), nullable=False),
        sa.Column("activation_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("added_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["activation_id"],
            ["postpaid_activation.activation_id"],
            name=op.f("fk_postpaid_secondary_number_activation_id_postpaid_activation"),
        ),
        sa.PrimaryKeyConstraint("secondary_id", name=op.f("pk_postpaid_secondary_number")),
    )
    op.create_index(
        "ix_postpaid_secondary_number_activation",
        "postpaid_secondary_number",
        ["activation_id"],
        unique=False,
    )
    op.create_index(
        "uq_postpaid_secondary_number_phone",
        "postpaid_secondary_number",
        ["phone_number"],
        unique=True,
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.create_table(
        "postpaid_bill",
        sa.Column("bill_id", sa.BigInteger(), nullable=False),
        sa.Column("activation_id", sa.BigInteger(), nullable=False),
        sa.Column("cycle_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cycle_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("base_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("addon_charges", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("due_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "unpaid",
                "paid",
                name="bill_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="unpaid",
            nullable=False,
        ),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_transaction_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "total_amount = base_amount + addon_charges",
            name=op.f("ck_postpaid_bill_total_adds_up"),
        ),
        sa.ForeignKeyConstraint(
            ["activation_id"],
            ["postpaid_activation.activation_id"],
            name=op.f("fk_postpaid_bill_activation_id_postpaid_activation"),
        ),
        sa.ForeignKeyConstraint(
            ["paid_transaction_id"],
            ["transaction.transaction_id"],
            name=op.f("fk_postpaid_bill_paid_transaction_id_transaction"),
        ),
        sa.PrimaryKeyConstraint("bill_id", name=op.f("pk_postpaid_bill")),
    )
    op.create_index(
        "ix_postpaid_bill_unpaid_due",
        "postpaid_bill",
        ["due_date"],
        unique=False,
        postgresql_where=sa.text("status = 'unpaid'"),
    )
    op.create_index(
        "uq_postpaid_bill_cycle", "postpaid_bill", ["activation_id", "cycle_start"], unique=True
    )
    op.create_table(
        "postpaid_data_addon",
        sa.Column("addon_id", sa.BigInteger(), nullable=False),
        sa.Column("activation_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("addon_name", sa.String(length=255), nullable=False),
        sa.Column("data_amount_mb", sa.BigInteger(), nullable=False),
        sa.Column("data_remaining_mb", sa.BigInteger(), nullable=False),
        sa.Column("addon_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("purchased_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "expired",
                "fully_used",
                name="addon_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column("bill_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "addon_price >= 0", name=op.f("ck_postpaid_data_addon_price_not_negative")
        ),
        sa.CheckConstraint(
            "data_remaining_mb BETWEEN 0 AND data_amount_mb",
            name=op.f("ck_postpaid_data_addon_remaining_range"),
        ),
        sa.ForeignKeyConstraint(
            ["activation_id"],
            ["postpaid_activation.activation_id"],
            name=op.f("fk_postpaid_data_addon_activation_id_postpaid_activation"),
        ),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["postpaid_bill.bill_id"],
            name=op.f("fk_postpaid_data_addon_bill_id_postpaid_bill"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.plan_id"], name=op.f("fk_postpaid_data_addon_plan_id_plan")
        ),
        sa.PrimaryKeyConstraint("addon_id", name=op.f("pk_postpaid_data_addon")),
    )
    op.create_index(
        "ix_postpaid_data_addon_activation",
        "postpaid_data_addon",
        ["activation_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_postpaid_data_addon_bill_id", "postpaid_data_addon", ["bill_id"], unique=False
    )


def downgrade() -> None:

    op.drop_index("ix_postpaid_data_addon_bill_id", table_name="postpaid_data_addon")
    op.drop_index("ix_postpaid_data_addon_activation", table_name="postpaid_data_addon")
    op.drop_table("postpaid_data_addon")
    op.drop_index("uq_postpaid_bill_cycle", table_name="postpaid_bill")
    op.drop_index(
        "ix_postpaid_bill_unpaid_due",
        table_name="postpaid_bill",
        postgresql_where=sa.text("status = 'unpaid'"),
    )
    op.drop_table("postpaid_bill")
    op.drop_index(
        "uq_postpaid_secondary_number_phone",
        table_name="postpaid_secondary_number",
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.drop_index("ix_postpaid_secondary_number_activation", table_name="postpaid_secondary_number")
    op.drop_table("postpaid_secondary_number")
    op.drop_index(
        "uq_postpaid_activation_one_per_number",
        table_name="postpaid_activation",
        postgresql_where=sa.text("status IN ('active', 'suspended')"),
    )
    op.drop_index("ix_postpaid_activation_plan_id", table_name="postpaid_activation")
    op.drop_index("ix_postpaid_activation_cycle_end", table_name="postpaid_activation")
    op.drop_index("ix_postpaid_activation_customer", table_name="postpaid_activation")
    op.drop_table("postpaid_activation")
