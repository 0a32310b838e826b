"""tax invoices and credit notes with their gapless counters; the customer's GST state"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from nexa.migrations.helpers import MONEY, create_table, drop_tables, enum, partial_index

revision = "0014"
down_revision = "0013"

ORDER_TYPES = ("prepaid_recharge", "postpaid_bill_payment", "topup_purchase")


def upgrade() -> None:
    op.add_column("customer", sa.Column("state_code", sa.String(length=2), nullable=True))
    create_table(
        "invoice_counter",
        sa.Column("series", sa.String(length=10), nullable=False),
        sa.Column("financial_year", sa.String(length=7), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        primary_key=["series", "financial_year"],
        checks={"last_value_positive": "last_value > 0"},
    )
    create_table(
        "invoice",
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("kind", enum("invoice_kind", "invoice", "credit_note"), nullable=False),
        sa.Column("series", sa.String(length=10), nullable=False),
        sa.Column("financial_year", sa.String(length=7), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payment_id", sa.String(length=32), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "order_type", enum("invoice_order_type", *ORDER_TYPES, length=30), nullable=False
        ),
        sa.Column("bill_ids", postgresql.ARRAY(sa.BigInteger()), nullable=True),
        sa.Column("recipient_phone_number", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("plan_name", sa.String(length=255), nullable=True),
        sa.Column("validity_days", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("credited_invoice_id", sa.BigInteger(), nullable=True),
        sa.Column("refund_id", sa.BigInteger(), nullable=True),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_name", sa.String(length=255), nullable=False),
        sa.Column("customer_phone", sa.String(length=20), nullable=False),
        sa.Column("place_of_supply", sa.String(length=2), nullable=True),
        sa.Column("supplier_name", sa.String(length=120), nullable=False),
        sa.Column("supplier_address", sa.String(length=300), nullable=False),
        sa.Column("supplier_gstin", sa.String(length=15), nullable=False),
        sa.Column("supplier_state", sa.String(length=2), nullable=False),
        sa.Column("sac", sa.String(length=8), nullable=False),
        sa.Column("tax_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("taxable_value", MONEY, nullable=False),
        sa.Column("cgst", MONEY, nullable=False),
        sa.Column("sgst", MONEY, nullable=False),
        sa.Column("igst", MONEY, nullable=False),
        checks={
            "lines_add_up": "amount = taxable_value + cgst + sgst + igst",
            "kind_and_sign": (
                "(kind = 'invoice' AND amount >= 0 AND credited_invoice_id IS NULL)"
                " OR (kind = 'credit_note' AND amount < 0 AND credited_invoice_id IS NOT NULL"
                " AND refund_id IS NOT NULL)"
            ),
            "one_kind_of_tax": "igst = 0 OR (cgst = 0 AND sgst = 0)",
        },
        foreign_keys={
            "payment_id": "payment.payment_id",
            "transaction_id": "transaction.transaction_id",
            "credited_invoice_id": "invoice.invoice_id",
            "refund_id": "payment_refund.refund_id",
            "customer_id": "customer.customer_id",
        },
        unique=["number", "refund_id"],
        indexes=[
            sa.Index(
                "uq_invoice_series_sequence", "series", "financial_year", "sequence", unique=True
            ),
            partial_index(
                "uq_invoice_payment", "payment_id", where="kind = 'invoice'", unique=True
            ),
            sa.Index("ix_invoice_payment_id", "payment_id"),
            sa.Index("ix_invoice_transaction_id", "transaction_id"),
            sa.Index("ix_invoice_bill_ids", "bill_ids", postgresql_using="gin"),
            sa.Index("ix_invoice_credited_invoice_id", "credited_invoice_id"),
            sa.Index("ix_invoice_customer_issued", "customer_id", "issued_at"),
            sa.Index("ix_invoice_issued_at", "issued_at"),
            sa.Index("ix_invoice_year_kind", "financial_year", "kind"),
        ],
    )


def downgrade() -> None:
    drop_tables("invoice", "invoice_counter")
    op.drop_column("customer", "state_code")
