"""The invoice settings: checked when read (a wrong one stops the server at start, not an
invoice mid-capture), and a production server warns about placeholders and long numbers."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs

from nexa.core.config import Settings, SettingsError
from nexa.main import _warn_about_invoice_settings

KARNATAKA = {"NEXA_GST_STATE": "29", "NEXA_GSTIN": "29ABCDE1234F1Z5"}


def settings(**values: Any) -> Settings:
    return Settings(**values)  # type: ignore[arg-type]


def test_the_defaults_are_consistent_placeholders() -> None:
    defaults = settings()
    assert (defaults.invoice_prefix, defaults.credit_note_prefix) == ("NX", "NXCN")
    assert defaults.gstin.startswith(defaults.gst_state)


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"NEXA_GST_STATE": "28", "NEXA_GSTIN": "28ABCDE1234F1Z5"}, ValidationError),
        ({"NEXA_GSTIN": "29abcde1234f1z5"}, ValidationError),
        ({"NEXA_GSTIN": "29ABCDE1234F1Z"}, ValidationError),
        ({"NEXA_GST_STATE": "27", "NEXA_GSTIN": "29ABCDE1234F1Z5"}, SettingsError),
        ({"NEXA_INVOICE_PREFIX": "INV", "NEXA_CREDIT_NOTE_PREFIX": "inv"}, SettingsError),
        ({"NEXA_INVOICE_PREFIX": "IN/V"}, ValidationError),
        ({"NEXA_INVOICE_PREFIX": "ABCDEFGHIJK"}, ValidationError),
        ({"NEXA_OPERATOR_NAME": "नेक्सा"}, ValidationError),
        ({"NEXA_OPERATOR_ADDRESS": ""}, ValidationError),
    ],
)
def test_a_wrong_invoice_setting_is_refused(values: dict[str, str], error: type) -> None:
    with pytest.raises(error):
        settings(**values)


def test_production_warns_about_placeholders_and_numbers_longer_than_gst_allows() -> None:
    with capture_logs() as logs:
        _warn_about_invoice_settings(settings())
    assert {entry["event"] for entry in logs} == {
        "invoice_supplier_is_a_placeholder",
        "invoice_numbers_over_16_characters",  # NXCN/2026-27/000001: 19 characters
    }
    real = settings(**KARNATAKA, NEXA_INVOICE_PREFIX="N", NEXA_CREDIT_NOTE_PREFIX="C")
    with capture_logs() as logs:
        _warn_about_invoice_settings(real)
    assert logs == []
