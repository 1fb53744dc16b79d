"""Quotes as first-class objects (DESIGN §12): numbers, versions and status.

A quote is numbered ``Q-YYYY-NNNN``, sequential per workspace within the year it is
first issued, and versioned ``v1``, ``v2`` … per engagement: a scope whose terms or price
changed since its last quote gets the next version of the same number. A version's
stored status is Issued, Accepted, Declined or Superseded; **Expired** is never stored:
an Issued version is shown Expired once the day is past its ValidUntil.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

_NUMBER = re.compile(r"^Q-(\d{4})-(\d{4,})$")


class QuoteStatus(StrEnum):
    ISSUED = "Issued"
    ACCEPTED = "Accepted"
    DECLINED = "Declined"
    SUPERSEDED = "Superseded"
    EXPIRED = "Expired"  # shown, never stored


def number_text(year: int, sequence: int) -> str:
    """``Q-2026-0007``."""
    return f"Q-{year:04d}-{sequence:04d}"


def parse_number(text: str) -> tuple[int, int] | None:
    """(year, sequence) of a quote number, None when it is not one."""
    m = _NUMBER.match(text.strip().upper())
    return (int(m[1]), int(m[2])) if m else None


def version_text(version: int) -> str:
    return f"v{version}"


def status_on(stored: str, valid_until: date, today: date) -> QuoteStatus:
    """The status a version shows on ``today``: Issued turns Expired after ValidUntil."""
    status = QuoteStatus(stored)
    if status is QuoteStatus.ISSUED and today > valid_until:
        return QuoteStatus.EXPIRED
    return status
