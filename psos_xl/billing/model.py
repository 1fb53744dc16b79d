"""What billing computes with and what it produces (DESIGN §14), as plain values.

- :class:`Row`: one stored time or expense row of an engagement, where it is
  (``workbook!sheet!row``) and what it says in the columns that decide what it bills;
- :class:`Invoiced`: a row an issued invoice bills, as it was when billed, and for how
  much;
- :class:`Line`: one invoice line, with the rows it bills and the invoiced rows it
  corrects;
- :class:`Draft`: the lines due, net, tax and gross.

Invoice numbers are ``INV-YYYY-NNNN``, sequential per workspace within a year and never
reused (a credit note takes the next number too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from psos_xl.pricing.money import ZERO, round2

TIME = "time_entries"
EXPENSES = "expenses"
_NUMBER = re.compile(r"^INV-(\d{4})-(\d{4,})$")


class LineKind(StrEnum):
    TIME = "time"
    EXPENSE = "expense"
    FIXED = "fixed"
    MILESTONE = "milestone"
    RETAINER = "retainer"
    CREDIT = "credit"


class InvoiceStatus(StrEnum):
    ISSUED = "Issued"
    CREDITED = "Credited"  # a credit note reversed it whole
    CREDIT_NOTE = "Credit note"


def number_text(year: int, sequence: int) -> str:
    """``INV-2026-0007``."""
    return f"INV-{year:04d}-{sequence:04d}"


def parse_number(text: str) -> tuple[int, int] | None:
    """(year, sequence) of an invoice number, None when it is not one."""
    m = _NUMBER.match(text.strip().upper())
    return (int(m[1]), int(m[2])) if m else None


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def content_of(
    table: str,
    day: date,
    engagement: str,
    what: str,
    detail: str,
    figure: Decimal,
    billable: bool,
    currency: str = "",
) -> tuple[str, ...]:
    """What a row says in the columns that decide what it bills: for time Date,
    Engagement, Deliverable (``what``), Role (``detail``), Hours, Billable; for an expense
    Date, Engagement, Category (``what``), Amount, Currency, Billable. A note is not in
    it: editing one changes nothing billed."""
    flag = "Y" if billable else "N"
    if table == TIME:
        return (day.isoformat(), engagement, what, detail, _num(figure), flag)
    return (day.isoformat(), engagement, what, _num(figure), currency, flag)


@dataclass(frozen=True)
class Row:
    """One stored row of a timesheet's Time (``table`` = :data:`TIME`) or Expenses table."""

    table: str
    person: str
    path: str
    sheet: str
    row: int
    day: date
    week: date
    engagement: str
    billable: bool
    role: str = ""  # time
    deliverable: str = ""  # time
    hours: Decimal = ZERO  # time
    category: str = ""  # expense
    amount: Decimal = ZERO  # expense
    currency: str = ""  # expense

    @property
    def content(self) -> tuple[str, ...]:
        if self.table == TIME:
            what, detail, figure = self.deliverable, self.role, self.hours
        else:
            what, detail, figure = self.category, "", self.amount
        return content_of(
            self.table,
            self.day,
            self.engagement,
            what,
            detail,
            figure,
            self.billable,
            self.currency,
        )

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        """What pairs it with the invoiced row it is: table, person and content."""
        return (self.table, self.person, self.content)

    @property
    def ref(self) -> str:
        """``timesheets/AN-2026-11-02.xlsx!Time!5``."""
        return f"{self.path}!{self.sheet}!{self.row}"

    def describe(self) -> str:
        if self.table == TIME:
            return f"{self.day.isoformat()} {self.person} {self.role} {_num(self.hours)} h"
        return f"{self.day.isoformat()} {self.person} {self.category} {self.amount:,.2f}"


@dataclass(frozen=True)
class Invoiced:
    """A row billed by issued invoice ``number``'s line ``line_no``, as it said then."""

    number: str
    line_no: int
    table: str
    person: str
    path: str
    sheet: str
    row: int
    content: tuple[str, ...]
    amount: Decimal
    id: int = 0  # its record in the store

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.table, self.person, self.content)

    @property
    def ref(self) -> str:
        return f"{self.path}!{self.sheet}!{self.row}"

    def describe(self) -> str:
        """As :meth:`Row.describe` says the row it was: ``2026-11-18 CY DE 10 h``."""
        day, _engagement, what, *rest = (*self.content, "", "", "", "")[:6]
        if self.table == TIME:
            return f"{day} {self.person} {rest[0]} {rest[1]} h"
        amount = Decimal(rest[0]) if rest[0] else ZERO
        return f"{day} {self.person} {what} {amount:,.2f}"


@dataclass(frozen=True)
class Billed:
    """A row a line bills, and what it bills for it (its own cents)."""

    row: Row
    amount: Decimal


@dataclass(frozen=True)
class Line:
    """One invoice line. ``key`` names what a fixed, milestone or retainer line bills
    (``fixed``, ``milestone:M1``, ``month:2026-11``), so it is billed once; ``billed``
    are the rows it bills, ``corrects`` the invoiced rows it corrects (their earlier
    billing is replaced by this line's)."""

    kind: LineKind
    description: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    key: str = ""
    billed: tuple[Billed, ...] = ()
    corrects: tuple[Invoiced, ...] = ()
    refs: tuple[str, ...] = ()  # rows it names besides (a credit note's, its invoice's)

    @property
    def entries(self) -> list[str]:
        """The rows the line bills or corrects, as ``workbook!sheet!row``."""
        refs = [*self.refs, *(c.ref for c in self.corrects), *(b.row.ref for b in self.billed)]
        return list(dict.fromkeys(refs))


@dataclass(frozen=True)
class Draft:
    """What is due: the lines, net (the sum of the lines), tax (TaxRate on the net,
    half-up to cents) and gross; ``notes`` say what was left out and why."""

    lines: tuple[Line, ...]
    tax_rate: Decimal
    notes: tuple[str, ...] = field(default=())

    @property
    def net(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return round2(self.net * self.tax_rate)

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    @property
    def due(self) -> bool:
        return bool(self.lines)
