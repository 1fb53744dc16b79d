"""The workbook contract: which tables each kind carries, with which columns.

Readers and writers both work from these specs, so a column's header, type and
whether it is required are written down once. Each table lives on a sheet of the
same name; readers find it by table name wherever it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from psos_xl.models import Kind

MARKER_SHEET = "_psos"
LISTS_SHEET = "_lists"
SCHEMA_VERSION = 1


class OutputKind(StrEnum):
    """Workbooks psos writes for people to read (its marker's ``kind``): never an input.

    Sync records them as ignored and validate passes over them, without an issue.
    """

    QUOTE = "quote"
    INVOICE = "invoice"
    DASHBOARD = "dashboard"
    REPORT = "report"


OUTPUT_KINDS = frozenset(k.value for k in OutputKind)


class Type(StrEnum):
    TEXT = "text"
    CODE = "code"  # an identifier: text, numbers accepted as their digits
    CODES = "codes"  # comma-separated codes
    DECIMAL = "decimal"
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"  # a moment; read as UTC ISO text (2026-10-12T08:00:00Z)
    BOOL = "bool"
    ANY = "any"  # passed through as the cell holds it (Field/Value tables type by key)


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    type: Type = Type.TEXT
    required: bool = False
    width: int = 14
    help: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    required: bool = True
    written_by_sync: bool = False
    help: str = ""
    sheet_name: str = ""  # the sheet it lives on, when not a sheet of its own name

    @property
    def sheet(self) -> str:
        return self.sheet_name or self.name

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, header: str) -> Column:
        for c in self.columns:
            if c.header.casefold() == header.casefold():
                return c
        raise KeyError(header)


C, T = Column, Type

ROLES = TableSpec(
    "Roles",
    (
        C("Role", "role", T.CODE, True, 10, "Short role code, e.g. SA"),
        C("Name", "name", T.TEXT, False, 26),
        C("CostRate", "cost_rate", T.DECIMAL, True, 12, "Cost per hour"),
        C("BillRate", "bill_rate", T.DECIMAL, True, 12, "List price per hour"),
        C("Currency", "currency", T.CODE, False, 10),
        C("EffectiveFrom", "effective_from", T.DATE, True, 14, "First day the rates apply"),
    ),
    help="One row per role and rate change. The row in force on a date is the one with "
    "the latest EffectiveFrom on or before it.",
)
SERVICES = TableSpec(
    "Services",
    (
        C("SKU", "sku", T.CODE, True, 14),
        C("Name", "name", T.TEXT, False, 34),
        C("Role", "role", T.CODE, True, 10),
        C("Hours", "hours", T.DECIMAL, True, 10, "Base hours per unit at Medium complexity"),
    ),
    help="One row per SKU × role: the base hours one unit takes at Medium complexity.",
)
COMPLEXITY = TableSpec(
    "Complexity",
    (
        C("Level", "level", T.CODE, True, 12),
        C("Multiplier", "multiplier", T.DECIMAL, True, 12),
    ),
    help="Multipliers applied to base hours.",
)
RISKS = TableSpec(
    "Risks",
    (
        C("Code", "code", T.CODE, True, 12),
        C("Description", "description", T.TEXT, False, 44),
        C("Uplift", "uplift", T.DECIMAL, True, 10, "Fraction: 0.10 = +10 %"),
    ),
    help="Risk uplifts; a deliverable's uplifts add up (each code counted once).",
)
SETTINGS = TableSpec(
    "Settings",
    (
        C("Key", "key", T.CODE, True, 26),
        C("Value", "value", T.ANY, False, 14),
    ),
    help="Firm-wide pricing and learning settings.",
)
PEOPLE = TableSpec(
    "People",
    (
        C("Person", "person", T.CODE, True, 10),
        C("Name", "name", T.TEXT, False, 24),
        C("Role", "role", T.CODE, True, 10),
        C("CapacityHoursPerWeek", "capacity_hours_per_week", T.DECIMAL, False, 12),
        C("UtilizationTarget", "utilization_target", T.DECIMAL, False, 12),
        C("StartDate", "start_date", T.DATE, False, 12),
        C("EndDate", "end_date", T.DATE, False, 12),
    ),
    required=False,
    help="Who works here, their role and capacity.",
)
ACTUALS = TableSpec(
    "Actuals",
    (
        C("SKU", "sku", T.CODE, True, 14),
        C("Role", "role", T.CODE, True, 10),
        C("CatalogHours", "catalog_hours", T.DECIMAL, False, 12),
        C("Deliveries", "deliveries", T.INT, False, 11),
        C("P50Hours", "p50_hours", T.DECIMAL, False, 11),
        C("P80Hours", "p80_hours", T.DECIMAL, False, 11),
        C("MeanAbsErrorPct", "mean_abs_error_pct", T.DECIMAL, False, 14),
        C("BiasPct", "bias_pct", T.DECIMAL, False, 10),
        C("CalibratedHours", "calibrated_hours", T.DECIMAL, False, 14),
        C("UpdatedAt", "updated_at", T.DATETIME, False, 20),
        C(
            "CatalogWeight",
            "catalog_weight",
            T.DECIMAL,
            False,
            13,
            "the deliveries' worth of weight (k) the catalog's hours keep in CalibratedHours",
        ),
    ),
    required=False,
    written_by_sync=True,
    help="Written by psos sync: what delivery taught about each SKU × role.",
)

SCOPE_INFO = TableSpec(
    "ScopeInfo",
    (
        C("Field", "field", T.CODE, True, 16),
        C("Value", "value", T.ANY, False, 40),
    ),
    help="The engagement's header fields.",
)
DELIVERABLES = TableSpec(
    "Deliverables",
    (
        C("Deliverable", "deliverable", T.CODE, True, 14),
        C("SKU", "sku", T.CODE, True, 14),
        C("Description", "description", T.TEXT, False, 44),
        C("Quantity", "quantity", T.DECIMAL, True, 10),
        C("Complexity", "complexity", T.CODE, True, 12),
        C("Risks", "risks", T.CODES, False, 14, "Comma-separated risk codes"),
        C("Milestone", "milestone", T.TEXT, False, 14),
        C(
            "ChangeOrder",
            "change_order",
            T.CODE,
            False,
            13,
            "The change order a deliverable added or changed after the sale belongs to",
        ),
        C("PercentComplete", "percent_complete", T.DECIMAL, False, 10, "0 to 100 %: how far it is"),
        C("CompletedOn", "completed_on", T.DATE, False, 12, "The day it was done (means 100 %)"),
    ),
    help="What the client gets: one row per deliverable.",
)
ASSUMPTIONS = TableSpec(
    "Assumptions",
    (
        C("ID", "id", T.CODE, True, 8),
        C("Assumption", "assumption", T.TEXT, True, 60),
        C("Owner", "owner", T.TEXT, False, 14),
        C("ImpactIfFalse", "impact_if_false", T.TEXT, False, 40),
    ),
    required=False,
    help="What the price assumes; shown to the client.",
)
OVERRIDES = TableSpec(
    "Overrides",
    (
        C("Deliverable", "deliverable", T.CODE, True, 14),
        C("Role", "role", T.CODE, True, 10),
        C("Hours", "hours", T.DECIMAL, True, 10),
    ),
    required=False,
    help="Hours that replace the catalog's estimate for one deliverable × role.",
)
DELIVERY = TableSpec(
    "Delivery",
    (
        C("Deliverable", "deliverable", T.CODE, True, 14),
        C("Role", "role", T.CODE, True, 10),
        C("BaselineHours", "baseline_hours", T.DECIMAL, False, 14),
        C("EstimatedHours", "estimated_hours", T.DECIMAL, False, 14),
        C("ActualHours", "actual_hours", T.DECIMAL, False, 12),
        C("BurnPct", "burn_pct", T.DECIMAL, False, 10),
        C("EACHours", "eac_hours", T.DECIMAL, False, 11),
        C("Alert", "alert", T.TEXT, False, 15),
    ),
    required=False,
    written_by_sync=True,
    help="Written by psos sync: hours burnt against the estimate, beside the hours sold.",
)

REVISIONS = TableSpec(
    "Revisions",
    (
        C("Revision", "revision", T.INT, True, 9),
        C("DetectedAt", "detected_at", T.DATETIME, False, 18),
        C("Deliverable", "deliverable", T.CODE, False, 12),
        C("Change", "change", T.TEXT, False, 44),
        C("HoursDelta", "hours_delta", T.DECIMAL, False, 12),
        C("PriceDelta", "price_delta", T.DECIMAL, False, 14),
        C("ChangeOrder", "change_order", T.CODE, False, 13),
    ),
    required=False,
    written_by_sync=True,
    help="Written by psos sync: each change since the scope was sold, against what was sold.",
)
APPROVAL = TableSpec(
    "Approval",
    (
        C("Status", "status", T.TEXT, True, 24),
        C("By", "by", T.TEXT, False, 18),
        C("At", "at", T.DATETIME, False, 17),
    ),
    required=False,
    written_by_sync=True,
    help="Written by psos: whether this week is approved (psos approve), by whom and when.",
)

QUOTES = TableSpec(
    "Quotes",
    (
        C("Quote", "quote", T.CODE, True, 14),
        C("Version", "version", T.CODE, True, 9),
        C("IssuedAt", "issued_at", T.DATETIME, False, 18),
        C("ValidUntil", "valid_until", T.DATE, False, 12),
        C("Price", "price", T.DECIMAL, False, 14),
        C("Status", "status", T.TEXT, False, 12),
    ),
    required=False,
    written_by_sync=True,
    help="Written by psos quote: every version of the scope's quote, its price and status.",
)

PRICING_INFO = TableSpec(
    "PricingInfo",
    (
        C("Field", "field", T.CODE, True, 18),
        C("Value", "value", T.ANY, False, 30),
    ),
    required=False,
    help="Written by psos price --write: the last priced snapshot (values, time, catalog hash).",
    sheet_name="Pricing",
)
PRICED_LINES = TableSpec(
    "PricedLines",
    (
        C("Deliverable", "deliverable", T.CODE, True, 14),
        C("SKU", "sku", T.CODE, False, 14),
        C("Role", "role", T.CODE, True, 10),
        C("Basis", "basis", T.CODE, False, 10),
        C("Hours", "hours", T.DECIMAL, False, 10),
        C("RateFrom", "rate_from", T.DATE, False, 12),
        C("CostRate", "cost_rate", T.DECIMAL, False, 11),
        C("BillRate", "bill_rate", T.DECIMAL, False, 11),
        C("Cost", "cost", T.DECIMAL, False, 12),
        C("List", "list", T.DECIMAL, False, 12),
    ),
    required=False,
    help="Written by psos price --write: every priced line with the rate row it used.",
    sheet_name="Pricing",
)

TIME = TableSpec(
    "Time",
    (
        C("Date", "date", T.DATE, True, 13),
        C("Engagement", "engagement", T.CODE, True, 14),
        C("Deliverable", "deliverable", T.CODE, False, 14),
        C("Role", "role", T.CODE, True, 10),
        C("Hours", "hours", T.DECIMAL, True, 8),
        C("Billable", "billable", T.BOOL, False, 9, "Y or N"),
        C("Note", "note", T.TEXT, False, 40),
    ),
    help="One row per day × engagement × deliverable.",
)
EXPENSES = TableSpec(
    "Expenses",
    (
        C("Date", "date", T.DATE, True, 13),
        C("Engagement", "engagement", T.CODE, True, 14),
        C("Category", "category", T.CODE, True, 14),
        C("Amount", "amount", T.DECIMAL, True, 10),
        C("Currency", "currency", T.CODE, False, 10),
        C("Billable", "billable", T.BOOL, False, 9),
        C("Note", "note", T.TEXT, False, 40),
    ),
    required=False,
    help="Out-of-pocket costs of the week.",
)

TABLES: dict[Kind, tuple[TableSpec, ...]] = {
    Kind.CATALOG: (ROLES, SERVICES, COMPLEXITY, RISKS, SETTINGS, PEOPLE, ACTUALS),
    Kind.SCOPE: (SCOPE_INFO, DELIVERABLES, ASSUMPTIONS, OVERRIDES, DELIVERY),
    Kind.TIMESHEET: (TIME, EXPENSES),
}

# ScopeInfo rows: Field name → (model field, type, required)
SCOPE_FIELDS: tuple[tuple[str, str, Type, bool], ...] = (
    ("Engagement", "engagement", T.CODE, True),
    ("Client", "client", T.TEXT, True),
    ("Title", "title", T.TEXT, True),
    ("StartDate", "start_date", T.DATE, True),
    ("EndDate", "end_date", T.DATE, True),
    ("BillingModel", "billing_model", T.CODE, True),
    ("Discount", "discount", T.DECIMAL, False),
    ("Status", "status", T.CODE, True),
    ("EstimateBasis", "estimate_basis", T.CODE, False),
    ("Risks", "risks", T.CODES, False),
    ("Currency", "currency", T.CODE, False),
    ("Probability", "probability", T.DECIMAL, False),
)

EXPENSE_CATEGORIES = ("Travel", "Lodging", "Meals", "Software", "Other")
BILLABLE_VALUES = ("Y", "N")
