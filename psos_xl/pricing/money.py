"""Decimal rounding shared by the pricing modules: half-up to two places, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)


def round2(value: Decimal) -> Decimal:
    """Half-up to two decimals: cents for money, hundredths for hours (0.005 → 0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def dec_str(value: Decimal) -> str:
    """A decimal as plain text, never in exponent notation (``Decimal('1E+2')`` → ``'100'``)."""
    return format(value, "f")


def percent(fraction: Decimal) -> str:
    """``Decimal('0.3512')`` → ``'35.1 %'``, for messages."""
    return f"{(fraction * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} %"
