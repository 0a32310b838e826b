"""Settings: the reference `.env` names plus `NEXA_*` ones, read once per process."""

from __future__ import annotations

import secrets
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from nexa.core.gst import GST_STATES, GSTIN_PATTERN

# the published default: production refuses to start with it
REFERENCE_DEFAULT_ADMIN_PASSWORD = "admin123"
MIN_SECRET_KEY_LENGTH = 32
# an invoice series' prefix: letters, digits and dashes (the number adds "/2026-27/000123")
DOCUMENT_PREFIX = r"^[A-Za-z0-9][A-Za-z0-9-]{0,9}$"
# placeholders that name no real business (a GSTIN's shape: state, PAN, entity, Z, check)
PLACEHOLDER_GST_STATE = "29"
PLACEHOLDER_GSTIN = "29AAAAA0000A1Z5"


class SettingsError(RuntimeError):
    """The configuration cannot be used (e.g. an insecure production setting)."""


def normalise_database_url(url: str) -> str:
    """Any PostgreSQL URL spelling -> the SQLAlchemy psycopg 3 form."""
    for prefix in (
        "postgresql+psycopg2://",
        "postgresql+psycopg://",
        "postgresql://",
        "postgres://",
    ):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL must be a PostgreSQL URL (postgresql://...)")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    # reference names
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    mongodb_url: str | None = Field(default=None, alias="MONGODB_URL")
    mongodb_database: str = Field(default="nexa_cms", alias="MONGODB_DATABASE")
    secret_key: str | None = Field(default=None, alias="SECRET_KEY")
    algorithm: Literal["HS256", "HS384", "HS512"] = Field(default="HS256", alias="ALGORITHM")
    access_token_expire_minutes: int = Field(default=30, ge=1, alias="ACCESS_TOKEN_EXPIRE_MINUTES")
    refresh_token_expire_days: int = Field(default=7, ge=1, alias="REFRESH_TOKEN_EXPIRE_DAYS")
    debug: bool = Field(default=False, alias="DEBUG")
    environment: Literal["development", "test", "production"] = Field(
        default="development", alias="ENVIRONMENT"
    )
    app_name: str = Field(default="NEXA Mobile Recharge System", alias="APP_NAME")
    app_version: str = Field(default="0.1.0", alias="APP_VERSION")
    admin_default_name: str = Field(default="Super Admin", alias="ADMIN_DEFAULT_NAME")
    admin_default_email: str = Field(default="admin@nexa.com", alias="ADMIN_DEFAULT_EMAIL")
    admin_default_password: str = Field(
        default=REFERENCE_DEFAULT_ADMIN_PASSWORD, alias="ADMIN_DEFAULT_PASSWORD"
    )
    docs_url: str | None = Field(default="/docs", alias="DOCS_URL")
    redoc_url: str | None = Field(default="/admin/redoc", alias="REDOC_URL")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default=["http://localhost:3000", "http://127.0.0.1:3000"], alias="CORS_ORIGINS"
    )
    max_backups: int = Field(default=50, ge=1, alias="MAX_BACKUPS")
    backup_dir: Path = Field(default=Path("backups"), alias="BACKUP_DIR")
    default_backup_time: str = Field(
        default="02:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", alias="DEFAULT_BACKUP_TIME"
    )
    redis_url: str | None = Field(default=None, alias="REDIS_URL")

    # NEXA additions
    data_dir: Path = Field(default=Path(".nexa"), alias="NEXA_DATA_DIR")
    timezone: str = Field(default="Asia/Kolkata", alias="NEXA_TIMEZONE")
    refresh_rotation: bool = Field(default=False, alias="NEXA_REFRESH_ROTATION")
    admin_default_phone: str = Field(default="9000000000", alias="NEXA_ADMIN_DEFAULT_PHONE")
    # a read replica for analytics and exports (ReadSessionDep, read_unit_of_work in db.py)
    database_read_url: str | None = Field(default=None, alias="NEXA_DATABASE_READ_URL")
    db_pool_size: int = Field(default=10, ge=1, alias="NEXA_DB_POOL_SIZE")
    db_max_overflow: int = Field(default=10, ge=0, alias="NEXA_DB_MAX_OVERFLOW")
    db_connect_timeout_seconds: int = Field(default=5, ge=1, alias="NEXA_DB_CONNECT_TIMEOUT")
    # in-process caches kept fresh by LISTEN/NOTIFY (0 turns one off)
    auth_cache_entries: int = Field(default=100_000, ge=0, alias="NEXA_AUTH_CACHE_ENTRIES")
    catalog_cache_entries: int = Field(default=1_000, ge=0, alias="NEXA_CATALOG_CACHE_ENTRIES")
    log_level: str = Field(default="INFO", alias="NEXA_LOG_LEVEL")
    log_json: bool = Field(default=True, alias="NEXA_LOG_JSON")
    # hardening (issue #10): rate limits ("N/second|minute|hour"), request size, metrics.
    # Per number / account first; the per-address ones are separate and large, since
    # thousands of customers share one address behind a carrier NAT
    # (docs/decisions.md#login-limits)
    login_rate_limit: str = Field(default="5/minute", alias="NEXA_LOGIN_RATE_LIMIT")
    login_address_rate_limit: str = Field(
        default="1000/minute", alias="NEXA_LOGIN_ADDRESS_RATE_LIMIT"
    )
    rate_limit_enabled: bool = Field(default=True, alias="NEXA_RATE_LIMIT_ENABLED")
    register_rate_limit: str = Field(default="10/hour", alias="NEXA_REGISTER_RATE_LIMIT")
    register_address_rate_limit: str = Field(
        default="300/hour", alias="NEXA_REGISTER_ADDRESS_RATE_LIMIT"
    )
    # one-time code requests per client address (per number the limits are fixed:
    # docs/decisions.md#one-time-codes)
    otp_address_rate_limit: str = Field(default="300/hour", alias="NEXA_OTP_ADDRESS_RATE_LIMIT")
    # `required`: registration needs a one-time code and unverified numbers cannot log in;
    # unset: `required` in production, `off` elsewhere (docs/decisions.md#phone-verification)
    phone_verification: Literal["off", "required"] | None = Field(
        default=None, alias="NEXA_PHONE_VERIFICATION"
    )
    payment_rate_limit: str = Field(default="30/minute", alias="NEXA_PAYMENT_RATE_LIMIT")
    global_rate_limit: str = Field(default="1200/minute", alias="NEXA_GLOBAL_RATE_LIMIT")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, alias="NEXA_MAX_BODY_BYTES")
    metrics_token: str | None = Field(default=None, alias="NEXA_METRICS_TOKEN")
    # payments (docs/decisions.md#payment-lifecycle): which provider, and the simulator's mode
    payment_provider: Literal["simulated", "razorpay"] = Field(
        default="simulated", alias="NEXA_PAYMENT_PROVIDER"
    )
    payment_simulator: Literal["approve", "decline", "pending"] = Field(
        default="approve", alias="NEXA_PAYMENT_SIMULATOR"
    )
    # signs the simulator's webhooks (X-Nexa-Signature); unset: its webhooks are refused
    payment_webhook_secret: str | None = Field(default=None, alias="NEXA_PAYMENT_WEBHOOK_SECRET")
    # a payment still pending this long is failed
    payment_pending_hours: int = Field(default=72, ge=1, alias="NEXA_PAYMENT_PENDING_HOURS")
    razorpay_key_id: str | None = Field(default=None, alias="NEXA_RAZORPAY_KEY_ID")
    razorpay_key_secret: str | None = Field(default=None, alias="NEXA_RAZORPAY_KEY_SECRET")
    razorpay_webhook_secret: str | None = Field(default=None, alias="NEXA_RAZORPAY_WEBHOOK_SECRET")
    razorpay_api_url: str = Field(default="https://api.razorpay.com", alias="NEXA_RAZORPAY_API_URL")
    usage_feed_token: str | None = Field(default=None, alias="NEXA_USAGE_FEED_TOKEN")
    idempotency_ttl_hours: int = Field(default=24, ge=24, alias="NEXA_IDEMPOTENCY_TTL_HOURS")
    expiry_reminder_hours: int = Field(default=24, ge=1, alias="NEXA_EXPIRY_REMINDER_HOURS")
    low_balance_mb: int = Field(default=200, ge=1, alias="NEXA_LOW_BALANCE_MB")
    referral_referee_percent: Decimal = Field(
        default=Decimal("10.00"), gt=0, lt=100, alias="NEXA_REFERRAL_REFEREE_PERCENT"
    )
    referral_referrer_percent: Decimal = Field(
        default=Decimal("30.00"), gt=0, lt=100, alias="NEXA_REFERRAL_REFERRER_PERCENT"
    )
    referral_voucher_days: int = Field(default=30, ge=1, alias="NEXA_REFERRAL_VOUCHER_DAYS")
    referral_code_days: int = Field(default=30, ge=1, alias="NEXA_REFERRAL_CODE_DAYS")
    referral_max_uses: int = Field(default=1, ge=1, alias="NEXA_REFERRAL_MAX_USES")
    # notification delivery: "log" (simulated, the default) or "http" (a real gateway)
    sms_provider: Literal["log", "http"] = Field(default="log", alias="NEXA_SMS_PROVIDER")
    sms_http_url: str | None = Field(default=None, alias="NEXA_SMS_HTTP_URL")
    sms_http_auth_header: str | None = Field(default=None, alias="NEXA_SMS_HTTP_AUTH_HEADER")
    sms_http_body: str = Field(
        default='{"to": "{phone}", "text": "{message}", "reference": "{notification_id}"}',
        alias="NEXA_SMS_HTTP_BODY",
    )
    push_provider: Literal["log", "http"] = Field(default="log", alias="NEXA_PUSH_PROVIDER")
    push_http_url: str | None = Field(default=None, alias="NEXA_PUSH_HTTP_URL")
    push_http_auth_header: str | None = Field(default=None, alias="NEXA_PUSH_HTTP_AUTH_HEADER")
    push_http_body: str = Field(
        default='{"customer_id": "{customer_id}", "title": "{title}", "body": "{message}", '
        '"reference": "{notification_id}"}',
        alias="NEXA_PUSH_HTTP_BODY",
    )
    delivery_timeout_seconds: float = Field(default=10, gt=0, alias="NEXA_DELIVERY_TIMEOUT")
    delivery_max_attempts: int = Field(default=3, ge=1, alias="NEXA_DELIVERY_MAX_ATTEMPTS")
    inactivity_warning_days: tuple[int, int, int] = Field(
        default=(30, 60, 90), alias="NEXA_INACTIVITY_DAYS"
    )
    postpaid_cycle_days: int = Field(default=30, ge=1, alias="NEXA_POSTPAID_CYCLE_DAYS")
    postpaid_grace_days: int = Field(default=7, ge=0, alias="NEXA_POSTPAID_GRACE_DAYS")
    postpaid_reminder_days: int = Field(default=3, ge=0, alias="NEXA_POSTPAID_REMINDER_DAYS")
    # tax invoices and credit notes (docs/decisions.md#invoice-numbering, #gst-split): the
    # defaults are placeholders, never a real business; production warns about them
    invoice_prefix: str = Field(default="NX", pattern=DOCUMENT_PREFIX, alias="NEXA_INVOICE_PREFIX")
    credit_note_prefix: str = Field(
        default="NXCN", pattern=DOCUMENT_PREFIX, alias="NEXA_CREDIT_NOTE_PREFIX"
    )
    gst_state: str = Field(default=PLACEHOLDER_GST_STATE, alias="NEXA_GST_STATE")
    gstin: str = Field(default=PLACEHOLDER_GSTIN, pattern=GSTIN_PATTERN, alias="NEXA_GSTIN")
    operator_name: str = Field(
        default="NEXA Telecom (sample operator)",
        min_length=1,
        max_length=120,
        alias="NEXA_OPERATOR_NAME",
    )
    operator_address: str = Field(
        default="Address not configured, set NEXA_OPERATOR_ADDRESS",
        min_length=1,
        max_length=300,
        alias="NEXA_OPERATOR_ADDRESS",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                import json

                return json.loads(value)
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator(
        "login_rate_limit",
        "login_address_rate_limit",
        "register_rate_limit",
        "register_address_rate_limit",
        "otp_address_rate_limit",
        "payment_rate_limit",
        "global_rate_limit",
    )
    @classmethod
    def _valid_rate_limit(cls, value: str) -> str:
        if value:
            from limits import parse

            parse(value)  # raises ValueError for e.g. "5 per fortnight"
        return value

    @field_validator("gst_state")
    @classmethod
    def _known_gst_state(cls, value: str) -> str:
        if value not in GST_STATES:
            raise ValueError(f"{value!r} is not a GST state code (two digits, e.g. 29)")
        return value

    @field_validator("operator_name", "operator_address")
    @classmethod
    def _printable_in_a_pdf(cls, value: str) -> str:
        # the PDF's core fonts are Latin-1 (docs/decisions.md#invoice-pdf)
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError("must be Latin-1 text (write Rs. for the rupee sign)") from None
        return value

    @model_validator(mode="after")
    def _invoice_settings_agree(self) -> Settings:
        if self.invoice_prefix.upper() == self.credit_note_prefix.upper():
            raise SettingsError("NEXA_INVOICE_PREFIX and NEXA_CREDIT_NOTE_PREFIX must differ")
        if not self.gstin.startswith(self.gst_state):
            raise SettingsError(
                f"NEXA_GSTIN must begin with the state code NEXA_GST_STATE ({self.gst_state})"
            )
        return self

    @field_validator("database_url", "database_read_url")
    @classmethod
    def _normalise_url(cls, value: str | None) -> str | None:
        return normalise_database_url(value) if value else None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @model_validator(mode="after")
    def _production_is_safe(self) -> Settings:
        if self.environment != "production":
            return self
        if not self.secret_key or len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise SettingsError(
                f"SECRET_KEY must be set to at least {MIN_SECRET_KEY_LENGTH} characters "
                "in production"
            )
        if self.admin_default_password == REFERENCE_DEFAULT_ADMIN_PASSWORD:
            raise SettingsError(
                "ADMIN_DEFAULT_PASSWORD is the published default; set your own in production"
            )
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def phone_verification_required(self) -> bool:
        mode = self.phone_verification or ("required" if self.is_production else "off")
        return mode == "required"

    @property
    def business_timezone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def resolved_secret_key(self) -> str:
        """SECRET_KEY, or in development a key generated once into NEXA_DATA_DIR."""
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        import structlog

        structlog.get_logger("nexa.config").warning(
            "secret_key_generated", path=str(key_file), hint="set SECRET_KEY in production"
        )
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
