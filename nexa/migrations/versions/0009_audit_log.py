"""admin audit log; daily sales summary for analytics"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from nexa.migrations.helpers import create_table

revision = "0009"
down_revision = "0008"


# Any insert, change or delete of a transaction dated inside the summarized days (a restore,
# a seed, a correction) resets the summary: analytics then sum the table itself until the
# job has summed the days again. Purchases dated now never match the WHEN conditions.
SUMMARY_GUARD = """
CREATE FUNCTION nexa_transaction_summarized_until() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT summarized_until FROM transaction_summary_state
                     WHERE state_id = 1), '-infinity'::timestamptz)
$$;
CREATE FUNCTION nexa_transaction_summary_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE transaction_summary_state SET summarized_until = NULL
    WHERE state_id = 1 AND summarized_until IS NOT NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER transaction_summary_insert AFTER INSERT ON transaction FOR EACH ROW
    WHEN (NEW.transaction_date < nexa_transaction_summarized_until())
    EXECUTE FUNCTION nexa_transaction_summary_stale();
CREATE TRIGGER transaction_summary_update
    AFTER UPDATE OF transaction_date, final_amount, payment_status, plan_id, transaction_type
    ON transaction FOR EACH ROW
    WHEN (OLD.transaction_date < nexa_transaction_summarized_until()
          OR NEW.transaction_date < nexa_transaction_summarized_until())
    EXECUTE FUNCTION nexa_transaction_summary_stale();
CREATE TRIGGER transaction_summary_delete AFTER DELETE ON transaction FOR EACH ROW
    WHEN (OLD.transaction_date < nexa_transaction_summarized_until())
    EXECUTE FUNCTION nexa_transaction_summary_stale();
CREATE TRIGGER transaction_summary_truncate AFTER TRUNCATE ON transaction
    FOR EACH STATEMENT EXECUTE FUNCTION nexa_transaction_summary_stale();
"""


def upgrade() -> None:
    create_table(
        "transaction_summary",
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("transaction_type", sa.String(length=30), nullable=False),
        sa.Column("payment_status", sa.String(length=20), nullable=False),
        sa.Column("transactions", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        primary_key=("business_day", "plan_id", "transaction_type", "payment_status"),
    )
    create_table(
        "transaction_summary_state",
        sa.Column("state_id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("summarized_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        checks={"single_row": "state_id = 1"},
    )
    op.execute(SUMMARY_GUARD)
    create_table(
        "audit_log",
        sa.Column("audit_id", sa.BigInteger(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("admin_email", sa.String(length=255), nullable=False),
        sa.Column("admin_name", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        indexes=[
            sa.Index("ix_audit_log_created_at", "created_at"),
            sa.Index("ix_audit_log_admin_created", "admin_id", "created_at"),
            sa.Index("ix_audit_log_action_created", "action", "created_at"),
            sa.Index("ix_audit_log_target", "target_type", "target_id", "created_at"),
        ],
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    for trigger in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS transaction_summary_{trigger} ON transaction")
    op.execute("DROP FUNCTION IF EXISTS nexa_transaction_summary_stale()")
    op.execute("DROP FUNCTION IF EXISTS nexa_transaction_summarized_until()")
    op.drop_table("transaction_summary_state")
    op.drop_table("transaction_summary")
