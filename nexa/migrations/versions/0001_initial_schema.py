"""initial schema: accounts, sessions, catalogue, cms

Revision ID: 0001
Revises:
Create Date: 2026-11-28 17:52:17.900874
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "admin",
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=True
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("admin_id", name=op.f("pk_admin")),
        sa.UniqueConstraint("phone_number", name=op.f("uq_admin_phone_number")),
    )
    op.create_index(
        "uq_admin_email_lower", "admin", [sa.literal_column("lower(email)")], unique=True
    )
    op.create_table(
        "auth_session",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column(
            "user_type",
            sa.Enum(
                "customer",
                "admin",
                name="user_type",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("refresh_jti", sa.Uuid(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=50), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_auth_session")),
    )
    op.create_index("ix_auth_session_expires_at", "auth_session", ["expires_at"], unique=False)
    op.create_index(
        "ix_auth_session_subject", "auth_session", ["user_type", "subject_id"], unique=False
    )
    op.create_table(
        "category",
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("category_name", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("category_id", name=op.f("pk_category")),
    )
    op.create_index(
        "uq_category_name_lower",
        "category",
        [sa.literal_column("lower(category_name)")],
        unique=True,
    )
    op.create_table(
        "cms_document",
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.Column("collection", sa.String(length=30), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=True
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_cms_document")),
    )
    op.create_index(
        "ix_cms_document_listing",
        "cms_document",
        ["collection", "is_active", "position", "created_at"],
        unique=False,
    )
    op.create_table(
        "customer",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("profile_picture_url", sa.String(length=300), nullable=True),
        sa.Column(
            "account_status",
            sa.Enum(
                "active",
                "inactive",
                "suspended",
                name="account_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column(
            "status_reason",
            sa.Enum(
                "admin",
                "inactivity",
                name="status_reason",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_active_plan_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("days_inactive", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "inactivity_warning_level", sa.SmallInteger(), server_default="0", nullable=False
        ),
        sa.Column("inactivity_status_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=True
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer")),
        sa.UniqueConstraint("phone_number", name=op.f("uq_customer_phone_number")),
    )
    op.create_index("ix_customer_account_status", "customer", ["account_status"], unique=False)
    op.create_index("ix_customer_created_at", "customer", ["created_at"], unique=False)
    op.create_index(
        "ix_customer_full_name_lower",
        "customer",
        [sa.literal_column("lower(full_name)")],
        unique=False,
    )
    op.create_table(
        "plan",
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_name", sa.String(length=255), nullable=False),
        sa.Column(
            "plan_type",
            sa.Enum(
                "Prepaid",
                "Postpaid",
                name="plan_type",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("is_topup", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
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
            sa.Enum(
                "active",
                "inactive",
                name="plan_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column("max_secondary_numbers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
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
            "validity_days >= 1 OR is_topup OR plan_type = 'Postpaid'",
            name=op.f("ck_plan_validity_days_minimum"),
        ),
        sa.CheckConstraint(
            "daily_data_limit_mb >= 0", name=op.f("ck_plan_daily_limit_not_negative")
        ),
        sa.CheckConstraint(
            "data_allowance_mb >= 0", name=op.f("ck_plan_data_allowance_not_negative")
        ),
        sa.CheckConstraint(
            "max_secondary_numbers >= 0", name=op.f("ck_plan_secondary_not_negative")
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_plan_price_not_negative")),
        sa.CheckConstraint("validity_days >= 0", name=op.f("ck_plan_validity_days_not_negative")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.category_id"],
            name=op.f("fk_plan_category_id_category"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_plan")),
    )
    op.create_index("ix_plan_catalogue", "plan", ["plan_type", "status", "is_topup"], unique=False)
    op.create_index("ix_plan_category_id", "plan", ["category_id"], unique=False)
    op.create_table(
        "offer",
        sa.Column("offer_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("offer_name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("discounted_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("discounted_price > 0", name=op.f("ck_offer_discounted_price_positive")),
        sa.CheckConstraint("valid_until > valid_from", name=op.f("ck_offer_valid_range")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.plan_id"], name=op.f("fk_offer_plan_id_plan"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_offer")),
    )
    op.create_index(
        "ix_offer_plan_validity", "offer", ["plan_id", "valid_from", "valid_until"], unique=False
    )


def downgrade() -> None:

    op.drop_index("ix_offer_plan_validity", table_name="offer")
    op.drop_table("offer")
    op.drop_index("ix_plan_category_id", table_name="plan")
    op.drop_index("ix_plan_catalogue", table_name="plan")
    op.drop_table("plan")
    op.drop_index("ix_customer_full_name_lower", table_name="customer")
    op.drop_index("ix_customer_created_at", table_name="customer")
    op.drop_index("ix_customer_account_status", table_name="customer")
    op.drop_table("customer")
    op.drop_index("ix_cms_document_listing", table_name="cms_document")
    op.drop_table("cms_document")
    op.drop_index("uq_category_name_lower", table_name="category")
    op.drop_table("category")
    op.drop_index("ix_auth_session_subject", table_name="auth_session")
    op.drop_index("ix_auth_session_expires_at", table_name="auth_session")
    op.drop_table("auth_session")
    op.drop_index("uq_admin_email_lower", table_name="admin")
    op.drop_table("admin")
