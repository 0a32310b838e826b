"""GST on a price that includes it (docs/decisions.md#gst-split): the taxable value and the
tax lines of an amount, in Decimal, rounded half-up to the paisa, adding up to the amount
exactly. Telecommunication services: SAC 998413, 18 % — CGST 9 % + SGST 9 % within the
operator's state, IGST 18 % otherwise (or when the customer's state is not known)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SAC = "998413"
RATE = Decimal("18.00")
PAISA = Decimal("0.01")
ZERO = Decimal("0.00")


def _paisa(value: Decimal) -> Decimal:
    return value.quantize(PAISA, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TaxSplit:
    """An amount as taxable value and tax lines; `amount` is their exact sum."""

    taxable_value: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal

    @property
    def amount(self) -> Decimal:
        return self.taxable_value + self.cgst + self.sgst + self.igst

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    def __neg__(self) -> TaxSplit:
        return TaxSplit(-self.taxable_value, -self.cgst, -self.sgst, -self.igst)

    def __add__(self, other: TaxSplit) -> TaxSplit:
        return TaxSplit(
            self.taxable_value + other.taxable_value,
            self.cgst + other.cgst,
            self.sgst + other.sgst,
            self.igst + other.igst,
        )

    def __sub__(self, other: TaxSplit) -> TaxSplit:
        return self + -other


def split(amount: Decimal, *, intra_state: bool, rate: Decimal = RATE) -> TaxSplit:
    """The tax included in `amount`: taxable = round(amount / (1 + rate)), the tax is the
    rest; within the state it is halved (CGST rounded, SGST the rest), else all IGST. A
    negative amount is split as its opposite, negated (a credit note mirrors its invoice)."""
    if amount < 0:
        return -split(-amount, intra_state=intra_state, rate=rate)
    taxable = _paisa(amount * 100 / (100 + rate))
    tax = amount - taxable
    if not intra_state:
        return TaxSplit(taxable, ZERO, ZERO, _paisa(tax))
    cgst = _paisa(tax / 2)
    return TaxSplit(taxable, cgst, _paisa(tax - cgst), ZERO)


def credited_split(
    invoiced: Decimal,
    credited_before: Decimal,
    credit: Decimal,
    *,
    intra_state: bool,
    rate: Decimal,
) -> TaxSplit:
    """The (negative) lines of a credit note of `credit` on an invoice of `invoiced` whose
    earlier credit notes took back `credited_before`: the split of everything credited so far
    less the split of what was credited before. Each note adds up to its own amount, and notes
    that take back the whole invoice together negate its lines exactly, to the paisa."""
    assert credit > ZERO and credited_before + credit <= invoiced
    after = split(credited_before + credit, intra_state=intra_state, rate=rate)
    before = split(credited_before, intra_state=intra_state, rate=rate)
    return -(after - before)
