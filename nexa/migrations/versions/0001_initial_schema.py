"""initial schema: accounts, sessions, catalogue, cms"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from nexa.migrations.helpers import MONEY, create_table, created_at, drop_tables, enum, timestamps

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_table(
        "admin",
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        *timestamps(),
        unique=["phone_number"],
        indexes=[
            sa.Index("uq_admin_email_lower", sa.literal_column("lower(email)"), unique=True),
        ],
    )
    create_table(
        "auth_session",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("user_type", enum("user_type", "customer", "admin"), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("refresh_jti", sa.Uuid(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=50), nullable=True),
        created_at(),
        indexes=[
            sa.Index("ix_auth_session_expires_at", "expires_at"),
            sa.Index("ix_auth_session_subject", "user_type", "subject_id"),
        ],
    )
    create_table(
        "category",
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("category_name", sa.String(length=100), nullable=False),
        created_at(),
        indexes=[
            sa.Index(
                "uq_category_name_lower", sa.literal_column("lower(category_name)"), unique=True
            ),
        ],
    )
    create_table(
        "cms_document",
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.Column("collection", sa.String(length=30), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        *timestamps(),
        indexes=[
            sa.Index(
                "ix_cms_document_listing", "collection", "is_active", "position", "created_at"
            ),
        ],
    )
    create_table(
        "customer",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("profile_picture_url", sa.String(length=300), nullable=True),
        sa.Column(
            "account_status",
            enum("account_status", "active", "inactive", "suspended"),
            server_default="active",
            nullable=False,
        ),
        sa.Column("status_reason", enum("status_reason", "admin", "inactivity"), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_active_plan_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("days_inactive", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "inactivity_warning_level", sa.SmallInteger(), server_default="0", nullable=False
        ),
        sa.Column("inactivity_status_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        *timestamps(),
        unique=["phone_number"],
        indexes=[
            sa.Index("ix_customer_account_status", "account_status"),
            sa.Index("ix_customer_created_at", "created_at"),
            sa.Index("ix_customer_full_name_lower", sa.literal_column("lower(full_name)")),
        ],
    )
    create_table(
        "plan",
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_name", sa.String(length=255), nullable=False),
        sa.Column("plan_type", enum("plan_type", "Prepaid", "Postpaid"), nullable=False),
        sa.Column("is_topup", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("price", MONEY, nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("data_allowance_mb", sa.BigInteger(), nullable=True),
        sa.Column("daily_data_limit_mb", sa.BigInteger(), nullable=True),
        sa.Column("talktime_allowance_minutes", sa.Integer(), nullable=True),
        sa.Column("sms_allowance", sa.Integer(), nullable=True),
        sa.Column("benefits", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("is_featured", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "status",
            enum("plan_status", "active", "inactive"),
            server_default="active",
            nullable=False,
        ),
        sa.Column("max_secondary_numbers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        *timestamps(),
        checks={
            "validity_days_minimum": "validity_days >= 1 OR is_topup OR plan_type = 'Postpaid'",
            "daily_limit_not_negative": "daily_data_limit_mb >= 0",
            "data_allowance_not_negative": "data_allowance_mb >= 0",
            "secondary_not_negative": "max_secondary_numbers >= 0",
            "price_not_negative": "price >= 0",
            "validity_days_not_negative": "validity_days >= 0",
        },
        foreign_keys={"category_id": "category.category_id"},
        on_delete="RESTRICT",
        indexes=[
            sa.Index("ix_plan_catalogue", "plan_type", "status", "is_topup"),
            sa.Index("ix_plan_category_id", "category_id"),
        ],
    )
    create_table(
        "offer",
        sa.Column("offer_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("offer_name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("discounted_price", MONEY, nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        created_at(),
        checks={
            "discounted_price_positive": "discounted_price > 0",
            "valid_range": "valid_until > valid_from",
        },
        foreign_keys={"plan_id": "plan.plan_id"},
        on_delete="RESTRICT",
        indexes=[
            sa.Index("ix_offer_plan_validity", "plan_id", "valid_from", "valid_until"),
        ],
    )


def downgrade() -> None:
    drop_tables("offer", "plan", "customer", "cms_document", "category", "auth_session", "admin")
