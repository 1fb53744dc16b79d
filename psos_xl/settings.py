"""Every setting in one place, with its default and help.

Two families: the catalog's ``Settings`` table (firm-wide pricing and learning) and
the workspace file ``psos.toml`` (where things live). The README documents each one;
a test fails when a setting here is missing from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class SettingDef:
    key: str
    field: str
    type: type
    default: Any
    help: str
    optional: bool = False  # missing or blank is no warning: the default is meant


CATALOG_SETTINGS: tuple[SettingDef, ...] = (
    SettingDef("Currency", "currency", str, "EUR", "ISO code of the firm's pricing currency."),
    SettingDef(
        "FixedFeeContingency",
        "fixed_fee_contingency",
        Decimal,
        Decimal("0.10"),
        "Fraction added to the list price of FixedFee and Milestone scopes (0.10 = +10 %).",
    ),
    SettingDef(
        "TargetMargin",
        "target_margin",
        Decimal,
        Decimal("0.35"),
        "Margin below which a quote carries a warning (0.35 = 35 %).",
    ),
    SettingDef(
        "CalibrationPrior",
        "calibration_prior",
        Decimal,
        None,
        "Blank: k is learned from the firm's history (empirical Bayes). A number fixes k, "
        "the deliveries' worth of weight the catalog's own hours keep against history in "
        "CalibratedHours = (k × catalog + n × P50) / (k + n).",
        optional=True,
    ),
    SettingDef(
        "CalibrationMinDeliveries",
        "calibration_min_deliveries",
        int,
        3,
        "Completed deliveries of a SKU × role needed before P50/P80 pricing uses history.",
    ),
    SettingDef(
        "AccuracyMinHistory",
        "accuracy_min_history",
        int,
        5,
        "N of psos report accuracy's summary over the deliveries that had at least N "
        "earlier deliveries of the same SKU × role.",
        optional=True,
    ),
    SettingDef(
        "TaxRate",
        "tax_rate",
        Decimal,
        Decimal(0),
        "Tax charged on an invoice's net (0.20 = 20 %); 0 invoices without tax.",
        optional=True,
    ),
)

CATALOG_SETTINGS_BY_KEY = {s.key.casefold(): s for s in CATALOG_SETTINGS}


@dataclass(frozen=True)
class WorkspaceSettingDef:
    key: str
    default: str
    help: str


WORKSPACE_FILE = "psos.toml"

WORKSPACE_SETTINGS: tuple[WorkspaceSettingDef, ...] = (
    WorkspaceSettingDef("name", "", "The firm's name, shown on quotes and reports."),
    WorkspaceSettingDef(
        "catalog", "catalog.xlsx", "Path of the catalog workbook, relative to the workspace."
    ),
    WorkspaceSettingDef("scopes", "scopes", "Folder of scope workbooks."),
    WorkspaceSettingDef("timesheets", "timesheets", "Folder of timesheet workbooks."),
    WorkspaceSettingDef(
        "store",
        "",
        "Store URL; empty means SQLite at .psos/store.sqlite inside the workspace. "
        "A postgresql:// URL shares one store between machines.",
    ),
    WorkspaceSettingDef(
        "quote_validity_days", "30", "How many days a quote stays valid after it is issued."
    ),
    WorkspaceSettingDef(
        "track_from",
        "",
        "First day (YYYY-MM-DD) timesheets are expected; empty means each person's StartDate, "
        "else the first week any timesheet covers. Weeks before it are never missing.",
    ),
    WorkspaceSettingDef(
        "dashboard",
        "",
        "Path of the dashboard workbook (psos report dashboard), relative to the workspace; "
        "when set, psos sync and psos watch refresh it. Empty: no dashboard is kept.",
    ),
    WorkspaceSettingDef(
        "require_approval",
        "false",
        "true: invoices bill only the time and expense rows of approved weeks (psos approve); "
        "false: every valid row.",
    ),
    WorkspaceSettingDef(
        "payment_terms_days",
        "30",
        "Days an invoice gives the client to pay; its due date is the invoice date plus these.",
    ),
    # what a workbook file must pass before it is parsed (psos_xl.workbook.guard)
    WorkspaceSettingDef(
        "max_file_mb",
        "50",
        "Largest workbook file psos reads, in MB; a larger one is FILE_TOO_LARGE and "
        "keeps its last good rows.",
    ),
    WorkspaceSettingDef(
        "max_unzipped_mb",
        "500",
        "Largest size, in MB, the parts a reader parses (sheets, tables, shared strings, "
        "styles) may uncompress to together; a part nothing refers to is never inflated.",
    ),
    WorkspaceSettingDef(
        "max_ratio",
        "100",
        "Highest compression ratio of a part a reader parses, over 1 MB uncompressed; "
        "above it the workbook is FILE_SUSPICIOUS (a zip bomb).",
    ),
    WorkspaceSettingDef("max_parts", "10000", "Most parts (files inside the zip) of one workbook."),
    WorkspaceSettingDef(
        "max_sparse_cells",
        "4000000",
        "Most cells a sheet or a table may span (last row × last column) while fewer than "
        "a quarter of them hold anything; a reader allocates the whole span.",
    ),
)

# the workspace settings that are limits: whole numbers above zero
LIMIT_SETTINGS = ("max_file_mb", "max_unzipped_mb", "max_ratio", "max_parts", "max_sparse_cells")
