"""one-time codes, phone verification, priority SMS and the test SMS inbox, admin TOTP"""

import sqlalchemy as sa
from alembic import op

from nexa.migrations.helpers import create_table, created_at, drop_tables, enum, partial_index

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    create_table(
        "one_time_code",
        sa.Column("code_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column(
            "purpose", enum("otp_purpose", "register", "login", "reset_password"), nullable=False
        ),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        indexes=[
            sa.Index("ix_one_time_code_phone_created", "phone_number", "created_at"),
            sa.Index("ix_one_time_code_created_at", "created_at"),
        ],
    )
    create_table(
        "priority_sms",
        sa.Column("sms_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("sealed_message", sa.Text(), nullable=True),
        sa.Column("send_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column(
            "delivery_mode", sa.String(length=20), server_default="simulated", nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure_reason", sa.String(length=500), nullable=True),
        created_at(),
        indexes=[
            partial_index("ix_priority_sms_pending", "created_at", where="status = 'pending'"),
            sa.Index("ix_priority_sms_created_at", "created_at"),
        ],
    )
    create_table(
        "test_sms",
        sa.Column("test_sms_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        indexes=[sa.Index("ix_test_sms_phone", "phone_number", "test_sms_id")],
    )
    op.add_column(
        "customer", sa.Column("phone_verified_at", sa.DateTime(timezone=True), nullable=True)
    )
    # nobody registered before verification existed is locked out when it is switched on
    op.execute("UPDATE customer SET phone_verified_at = created_at")
    op.add_column("admin", sa.Column("totp_secret", sa.Text(), nullable=True))
    op.add_column("admin", sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("admin", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    for column in ("totp_last_step", "totp_enabled_at", "totp_secret"):
        op.drop_column("admin", column)
    op.drop_column("customer", "phone_verified_at")
    drop_tables("test_sms", "priority_sms", "one_time_code")
