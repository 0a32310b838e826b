"""Offer prices and the percentages shown for them (docs/decisions.md#money-rounding)."""

from __future__ import annotations

from decimal import Decimal

from nexa.core.schemas import quantize_money


def discounted_price(price: Decimal, percentage: Decimal) -> Decimal:
    """round_half_up(price × (100 − p) / 100, 0.01)."""
    return quantize_money(price * (100 - percentage) / 100)


def discount_percentage(price: Decimal, offer_price: Decimal) -> Decimal:
    """The displayed percentage off: round_half_up((price − offer) / price × 100, 0.01)."""
    return quantize_money((price - offer_price) / price * 100)
