"""The canonical model of the three workbook kinds.

Readers turn cells into these; rules, the pricing engine and sync only ever see these.
Money, hours, multipliers and uplifts are :class:`~decimal.Decimal`; floats never reach
a total. Each row model remembers where it came from (:class:`RowRef`), so a rule can
name the exact cell of the value it complains about.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Protocol, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from psos_xl.errors import Location

LEAVE = "LEAVE"
INTERNAL = "INTERNAL"
RESERVED_ENGAGEMENTS = (LEAVE, INTERNAL)


class BillingModel(StrEnum):
    TIME_AND_MATERIALS = "TimeAndMaterials"
    FIXED_FEE = "FixedFee"
    MILESTONE = "Milestone"
    RETAINER = "Retainer"


class Status(StrEnum):
    DRAFT = "Draft"
    SOLD = "Sold"
    ACTIVE = "Active"
    COMPLETED = "Completed"
    LOST = "Lost"


class EstimateBasis(StrEnum):
    CATALOG = "Catalog"
    P50 = "P50"
    P80 = "P80"


class Kind(StrEnum):
    CATALOG = "catalog"
    SCOPE = "scope"
    TIMESHEET = "timesheet"


@dataclass(frozen=True, slots=True)
class RowRef:
    """Where a row lives: workbook display name, sheet, 1-based row, header → column letter."""

    workbook: str
    sheet: str
    row: int
    columns: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def cell(self, header: str) -> Location:
        col = self.columns.get(header.strip().casefold())
        return Location(self.workbook, self.sheet, f"{col}{self.row}") if col else self.at_row

    @property
    def at_row(self) -> Location:
        return Location(self.workbook, self.sheet, str(self.row))


def _location(value: object) -> object:
    return Location.parse(value) if isinstance(value, str) else value


# a location field: a Location, or its text (``a.xlsx!Sheet!B7``) parsed once
Loc = Annotated[Location, BeforeValidator(_location)]

Source = Annotated[SkipJsonSchema[RowRef | None], Field(default=None, exclude=True, repr=False)]


class Row(BaseModel):
    """Base of every row model: strict fields, plus the lineage of the row."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    src: Source = None

    def at(self, header: str, fallback: Location | str = "") -> Location:
        """The cell of one of this row's columns (``fallback`` without a source)."""
        if self.src is not None:
            return self.src.cell(header)
        return fallback if isinstance(fallback, Location) else Location.parse(fallback)


# --- catalog -------------------------------------------------------------------------


class RoleRate(Row):
    """One dated rate row of a role: the row in force is the latest EffectiveFrom ≤ the date."""

    role: str
    name: str = ""
    cost_rate: Decimal
    bill_rate: Decimal
    currency: str = ""
    effective_from: date


class ServiceLine(Row):
    """Base hours of one role for one unit of a SKU at Medium complexity."""

    sku: str
    name: str = ""
    role: str
    hours: Decimal


class ComplexityLevel(Row):
    level: str
    multiplier: Decimal


class Risk(Row):
    code: str
    description: str = ""
    uplift: Decimal


class Setting(Row):
    key: str
    value: str


class Person(Row):
    person: str
    name: str = ""
    role: str
    capacity_hours_per_week: Decimal = Decimal(40)
    utilization_target: Decimal | None = None
    start_date: date | None = None
    end_date: date | None = None


class ActualRow(Row):
    """A row of the catalog's Actuals table, written by sync."""

    sku: str
    role: str
    catalog_hours: Decimal | None = None
    deliveries: int = 0
    p50_hours: Decimal | None = None
    p80_hours: Decimal | None = None
    mean_abs_error_pct: Decimal | None = None
    bias_pct: Decimal | None = None
    calibrated_hours: Decimal | None = None
    updated_at: str = ""
    catalog_weight: Decimal | None = None  # k of CalibratedHours


class CatalogSettings(BaseModel):
    """Typed catalog settings; defaults and help live in :mod:`psos_xl.settings`."""

    model_config = ConfigDict(extra="forbid")

    currency: str = "EUR"
    fixed_fee_contingency: Decimal = Decimal("0.10")
    target_margin: Decimal = Decimal("0.35")
    calibration_prior: Decimal | None = None  # None: k is learned from the firm's history
    calibration_min_deliveries: int = 3
    accuracy_min_history: int = 5
    tax_rate: Decimal = Decimal(0)  # on an invoice's net (0.20 = 20 %)


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workbook: str = ""
    roles: list[RoleRate] = []
    services: list[ServiceLine] = []
    complexity: list[ComplexityLevel] = []
    risks: list[Risk] = []
    settings: CatalogSettings = CatalogSettings()
    settings_rows: list[Setting] = []
    people: list[Person] = []
    actuals: list[ActualRow] = []

    def role_codes(self) -> set[str]:
        return {r.role for r in self.roles}

    def sku_codes(self) -> set[str]:
        return {s.sku for s in self.services}

    def complexity_levels(self) -> dict[str, Decimal]:
        return {c.level.casefold(): c.multiplier for c in self.complexity}

    def risk_uplifts(self) -> dict[str, Decimal]:
        return {r.code: r.uplift for r in self.risks}

    def service_lines(self, sku: str) -> list[ServiceLine]:
        return [s for s in self.services if s.sku == sku]

    def rate_for(self, role: str, on: date) -> RoleRate | None:
        """The Roles row for ``role`` with the latest EffectiveFrom on or before ``on``."""
        best: RoleRate | None = None
        for r in self.roles:
            if (
                r.role == role
                and r.effective_from <= on
                and (best is None or r.effective_from > best.effective_from)
            ):
                best = r
        return best

    def role_name(self, role: str) -> str:
        names = [r for r in self.roles if r.role == role and r.name]
        return max(names, key=lambda r: r.effective_from).name if names else role


# --- scope ---------------------------------------------------------------------------


class ScopeInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    engagement: str = ""
    client: str = ""
    title: str = ""
    start_date: date | None = None
    end_date: date | None = None
    billing_model: BillingModel | None = None
    discount: Decimal = Decimal(0)
    status: Status | None = None
    estimate_basis: EstimateBasis = EstimateBasis.CATALOG
    risks: list[str] = []
    currency: str = ""
    probability: Decimal | None = None  # 0–1, the chance a Draft is sold (§13 forecast)
    # where each field's value cell is, by field name ("Engagement" → "scope.xlsx!ScopeInfo!B2")
    cells: SkipJsonSchema[dict[str, Loc]] = Field(default_factory=dict, exclude=True, repr=False)

    def at(self, field_name: str, fallback: Location | str = "") -> Location:
        found = self.cells.get(field_name.casefold())
        if found is not None:
            return found
        return fallback if isinstance(fallback, Location) else Location.parse(fallback)


class Deliverable(Row):
    deliverable: str
    sku: str
    description: str = ""
    quantity: Decimal = Decimal(1)
    complexity: str = "Medium"
    risks: list[str] = []
    milestone: str = ""
    change_order: str = ""  # the change order it was added or changed under (§12)
    percent_complete: Decimal | None = None  # 0–1, filled by the PM
    completed_on: date | None = None  # done on that day: 100 %


class Assumption(Row):
    id: str
    assumption: str
    owner: str = ""
    impact_if_false: str = ""


class Override(Row):
    deliverable: str
    role: str
    hours: Decimal


class DeliveryRow(Row):
    """A row of the scope's Delivery table, written by sync."""

    deliverable: str
    role: str
    baseline_hours: Decimal | None = None  # as sold (§12); None before a baseline
    estimated_hours: Decimal | None = None
    actual_hours: Decimal | None = None
    burn_pct: Decimal | None = None
    eac_hours: Decimal | None = None  # estimate at completion (§13)
    alert: str = ""


class Scope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workbook: str = ""
    info: ScopeInfo = ScopeInfo()
    deliverables: list[Deliverable] = []
    assumptions: list[Assumption] = []
    overrides: list[Override] = []
    delivery: list[DeliveryRow] = []
    # where the Deliverables / Assumptions tables are, for issues about the table as a whole
    table_cells: SkipJsonSchema[dict[str, Loc]] = Field(
        default_factory=dict, exclude=True, repr=False
    )


@dataclass(frozen=True)
class Engagement:
    """What a timesheet is checked against of one stored scope: its Status, StartDate,
    deliverable codes, the workbook it lives in, and its EndDate."""

    engagement: str
    status: str
    start_date: date | None
    deliverables: frozenset[str]
    workbook: str = ""
    end_date: date | None = None


# --- timesheet -----------------------------------------------------------------------


class TimeEntry(Row):
    date: date
    engagement: str
    deliverable: str = ""
    role: str
    hours: Decimal
    billable: bool = True
    note: str = ""


class Expense(Row):
    date: date
    engagement: str
    category: str
    amount: Decimal
    currency: str = ""
    billable: bool = True
    note: str = ""


class Timesheet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workbook: str = ""
    person: str = ""
    week: date | None = None
    entries: list[TimeEntry] = []
    expenses: list[Expense] = []
    marker_cells: SkipJsonSchema[dict[str, Loc]] = Field(
        default_factory=dict, exclude=True, repr=False
    )

    @property
    def week_end(self) -> date | None:
        return self.week + timedelta(days=6) if self.week else None


class Keyed(Protocol):
    """A stored row as compared across two readings: what it says, without its place."""

    @property
    def key(self) -> Hashable: ...


Old = TypeVar("Old", bound=Keyed)
New = TypeVar("New", bound=Keyed)


def unpaired(old: Sequence[Old], new: Sequence[New]) -> tuple[list[Old], list[New]]:
    """The ``old`` rows no ``new`` row says the same as (changed or removed), and the
    ``new`` rows no ``old`` row does (added), each in its given order: rows are paired
    by :attr:`Keyed.key`, each used once, so two equal rows pair with two."""
    left = Counter(n.key for n in new)
    gone: list[Old] = []
    for o in old:
        if left[o.key]:
            left[o.key] -= 1
        else:
            gone.append(o)
    right = Counter(o.key for o in old)
    added: list[New] = []
    for n in new:
        if right[n.key]:
            right[n.key] -= 1
        else:
            added.append(n)
    return gone, added
