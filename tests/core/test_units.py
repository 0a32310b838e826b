"""Pure functions and settings."""

from __future__ import annotations

import pytest

from nexa.core.config import Settings, SettingsError, normalise_database_url
from nexa.core.schemas import normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9876543210", "9876543210"),
        ("+91 98765 43210", "9876543210"),
        ("+91-98765-43210", "9876543210"),
        ("919876543210", "9876543210"),
        ("09876543210", "9876543210"),
        ("(987) 654-3210", "9876543210"),
    ],
)
def test_phone_numbers_normalise_to_ten_digits(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "98765432101", "+1 9876543210", "98765abcde", "", "+91"])
def test_malformed_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_phone(raw)


def test_database_url_spellings() -> None:
    for raw in (
        "postgresql+psycopg2://u:p@h:5432/d",
        "postgresql://u:p@h:5432/d",
        "postgres://u:p@h:5432/d",
    ):
        assert normalise_database_url(raw) == "postgresql+psycopg://u:p@h:5432/d"
    with pytest.raises(ValueError):
        normalise_database_url("mysql://u@h/d")


def production(**values: str) -> Settings:
    return Settings.model_validate({"ENVIRONMENT": "production", **values})


def test_production_refuses_missing_or_short_secret_key() -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        production(SECRET_KEY="", ADMIN_DEFAULT_PASSWORD="a-real-password-1")
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        production(SECRET_KEY="short", ADMIN_DEFAULT_PASSWORD="a-real-password-1")


def test_production_refuses_the_default_admin_password() -> None:
    with pytest.raises(SettingsError, match="ADMIN_DEFAULT_PASSWORD"):
        production(SECRET_KEY="k" * 40, ADMIN_DEFAULT_PASSWORD="admin123")


def test_production_with_safe_values_starts() -> None:
    settings = production(SECRET_KEY="k" * 40, ADMIN_DEFAULT_PASSWORD="a-real-password-1")
    assert settings.is_production and settings.resolved_secret_key() == "k" * 40


def test_cors_origins_from_comma_list_or_json() -> None:
    assert Settings.model_validate(
        {"CORS_ORIGINS": "https://a.example, https://b.example"}
    ).cors_origins == ["https://a.example", "https://b.example"]
    assert Settings.model_validate({"CORS_ORIGINS": '["https://c.example"]'}).cors_origins == [
        "https://c.example"
    ]


def test_development_generates_and_reuses_a_secret_key(tmp_path: object) -> None:
    settings = Settings.model_validate({"SECRET_KEY": "", "NEXA_DATA_DIR": str(tmp_path)})
    first = settings.resolved_secret_key()
    assert len(first) >= 32
    assert settings.resolved_secret_key() == first


def test_a_verified_token_is_still_refused_once_it_expires() -> None:
    """Signatures are verified once per token string; expiry is checked on every use."""
    import time
    import uuid
    from datetime import UTC, datetime, timedelta

    from nexa.core.security import InvalidToken, decode_token, encode_token

    expires = datetime.fromtimestamp(int(time.time()) + 1, UTC)
    token = encode_token(
        subject_id=7,
        user_type="customer",
        token_type="access",
        session_id=uuid.uuid4(),
        expires_at=expires,
        now=expires - timedelta(minutes=1),
    )
    assert decode_token(token).subject_id == 7
    assert decode_token(token).subject_id == 7  # from the cache of verified tokens
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.05)
    with pytest.raises(InvalidToken):
        decode_token(token)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(InvalidToken):
        decode_token(forged)
