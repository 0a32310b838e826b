"""notification delivery, preferences, broadcasts, LISTEN/NOTIFY trigger"""

import sqlalchemy as sa
from alembic import op

from nexa.migrations.helpers import (
    create_table,
    created_at,
    notification_channel,
    notification_type,
)

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    create_table(
        "notification_broadcast",
        sa.Column("broadcast_id", sa.BigInteger(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("type", notification_type("broadcast_notification_type"), nullable=False),
        sa.Column("channel", notification_channel("broadcast_channel"), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="queued", nullable=False),
        sa.Column("target_count", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_customer_id", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        created_at(),
        foreign_keys={"admin_id": "admin.admin_id"},
    )
    create_table(
        "notification_preference",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("promotional_sms", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("promotional_push", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("promotional_in_app", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        foreign_keys={"customer_id": "customer.customer_id"},
    )
    op.add_column(
        "notification", sa.Column("attempts", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "notification", sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("notification", sa.Column("failure_reason", sa.String(length=500), nullable=True))
    op.add_column("notification", sa.Column("broadcast_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_notification_broadcast_id", "notification", ["broadcast_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_notification_broadcast_id_notification_broadcast"),
        "notification",
        "notification_broadcast",
        ["broadcast_id"],
        ["broadcast_id"],
    )

    # every new notification is announced (after commit) to listening API processes,
    # which push it to the customer's open /customer/notifications/stream
    op.execute(
        """
        CREATE FUNCTION nexa_notify_notification() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify(
                'nexa_notification',
                json_build_object('notification_id', NEW.notification_id,
                                  'customer_id', NEW.customer_id)::text);
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER notification_announce AFTER INSERT ON notification "
        "FOR EACH ROW EXECUTE FUNCTION nexa_notify_notification()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS notification_announce ON notification")
    op.execute("DROP FUNCTION IF EXISTS nexa_notify_notification()")

    op.drop_constraint(
        op.f("fk_notification_broadcast_id_notification_broadcast"),
        "notification",
        type_="foreignkey",
    )
    op.drop_index("ix_notification_broadcast_id", table_name="notification")
    op.drop_column("notification", "broadcast_id")
    op.drop_column("notification", "failure_reason")
    op.drop_column("notification", "next_attempt_at")
    op.drop_column("notification", "attempts")
    op.drop_table("notification_preference")
    op.drop_table("notification_broadcast")
