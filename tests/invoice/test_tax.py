"""The GST split (docs/decisions.md#gst-split) and the financial year: pure functions, checked
over every paisa amount of a range and at the year's edges."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from nexa.invoice.service import financial_year
from nexa.invoice.tax import PAISA, credited_split, split

ZERO = Decimal("0.00")


def test_every_paisa_amount_up_to_2000_rupees_splits_into_lines_that_add_up() -> None:
    for paise in range(0, 200_001):
        amount = Decimal(paise) * PAISA
        within = split(amount, intra_state=True)
        across = split(amount, intra_state=False)
        for lines in (within, across):
            assert lines.taxable_value + lines.cgst + lines.sgst + lines.igst == amount
            assert all(value.as_tuple().exponent == -2 for value in vars(lines).values())
        # the same taxable value either way; the tax within the state halved, to a paisa
        assert within.taxable_value == across.taxable_value
        assert within.igst == ZERO and across.cgst == across.sgst == ZERO
        assert abs(within.cgst - within.sgst) <= PAISA
        assert across.igst == within.cgst + within.sgst
        # the taxable value is the amount / 1.18 rounded half-up to the paisa
        exact = amount / Decimal("1.18")
        assert abs(within.taxable_value - exact) <= Decimal("0.005")


@pytest.mark.parametrize(
    ("amount", "intra", "expected"),
    [
        # 299 / 1.18 = 253.389…: tax 45.61, halved 22.805 -> 22.81 and the rest 22.80
        ("299.00", True, ("253.39", "22.81", "22.80", "0.00")),
        ("299.00", False, ("253.39", "0.00", "0.00", "45.61")),
        ("118.00", True, ("100.00", "9.00", "9.00", "0.00")),
        ("0.01", True, ("0.01", "0.00", "0.00", "0.00")),
        ("0.02", False, ("0.02", "0.00", "0.00", "0.00")),
        ("1.00", True, ("0.85", "0.08", "0.07", "0.00")),
        ("9999999999.99", False, ("8474576271.18", "0.00", "0.00", "1525423728.81")),
    ],
)
def test_known_splits(amount: str, intra: bool, expected: tuple[str, str, str, str]) -> None:
    lines = split(Decimal(amount), intra_state=intra)
    assert (lines.taxable_value, lines.cgst, lines.sgst, lines.igst) == tuple(
        Decimal(value) for value in expected
    )


def test_a_negative_amount_is_the_mirror_of_its_opposite() -> None:
    for paise in range(1, 50_001, 7):
        amount = Decimal(paise) * PAISA
        for intra in (True, False):
            assert split(-amount, intra_state=intra) == -split(amount, intra_state=intra)


def test_credit_notes_that_take_back_everything_negate_the_invoice_exactly() -> None:
    chance = random.Random(18)
    for _ in range(2_000):
        invoiced = Decimal(chance.randint(1, 500_000)) * PAISA
        intra = chance.random() < 0.5
        invoice = split(invoiced, intra_state=intra)
        credited, notes = ZERO, []
        while credited < invoiced:
            left = invoiced - credited
            part = min(left, Decimal(chance.randint(1, int(left / PAISA))) * PAISA)
            note = credited_split(
                invoiced, credited, part, intra_state=intra, rate=Decimal("18.00")
            )
            assert note.amount == -part  # each note adds up to its own amount
            assert note.taxable_value <= 0 and note.tax <= 0
            notes.append(note)
            credited += part
        total = notes[0]
        for note in notes[1:]:
            total = total + note
        assert total == -invoice


def test_one_partial_credit_note_is_the_split_of_its_amount() -> None:
    note = credited_split(
        Decimal("299.00"), ZERO, Decimal("100.00"), intra_state=True, rate=Decimal("18.00")
    )
    assert note == -split(Decimal("100.00"), intra_state=True)


@pytest.mark.parametrize(
    ("instant", "year"),
    [
        # 1 April 00:00 in India is 31 March 18:30 UTC
        (datetime(2027, 3, 31, 18, 29, 59, tzinfo=UTC), "2026-27"),
        (datetime(2027, 3, 31, 18, 30, 0, tzinfo=UTC), "2027-28"),
        (datetime(2026, 4, 1, 0, 0, tzinfo=UTC), "2026-27"),
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "2026-27"),
        (datetime(2099, 6, 1, tzinfo=UTC), "2099-00"),
        (datetime(2000, 1, 1, tzinfo=UTC), "1999-00"),
    ],
)
def test_the_financial_year_runs_from_april_to_march_india_time(
    instant: datetime, year: str
) -> None:
    assert financial_year(instant) == year
