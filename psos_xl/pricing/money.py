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


def plain(value: Decimal) -> str:
    """A decimal as a person types it: ``Decimal('-2.0')`` → ``'-2'``, ``7.50`` → ``'7.5'``
    (a number cell holds no trailing zeros; the reader's 2.0 is the 2 that was typed)."""
    text = dec_str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(fraction: Decimal) -> str:
    """``Decimal('0.3512')`` → ``'35.1 %'``, for messages."""
    return f"{(fraction * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} %"
