"""One issue shape everywhere, one exception base.

Every problem psos finds in a workbook becomes an :class:`Issue` that names the
workbook, sheet and cell (``catalog.xlsx!Roles!C7``) and carries a stable
:class:`Code`. Loaders and rules collect issues and go on; they never stop at the
first one. Exceptions are for the cases where a command cannot run at all, and all
of them derive from :class:`PsosError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Code(StrEnum):
    """Stable issue codes. Never rename one: scripts and filters depend on them.

    The severity and one-line meaning of each live in :data:`CODE_INFO`, which
    ``docs/issue-codes.md`` documents (a test keeps the two in step).
    """

    # reading workbooks
    FILE_NOT_FOUND = "FILE_NOT_FOUND"
    FILE_UNREADABLE = "FILE_UNREADABLE"
    NOT_PSOS_WORKBOOK = "NOT_PSOS_WORKBOOK"
    MARKER_INVALID = "MARKER_INVALID"
    MARKER_KEY_MISSING = "MARKER_KEY_MISSING"
    SCHEMA_UNSUPPORTED = "SCHEMA_UNSUPPORTED"
    WRONG_KIND = "WRONG_KIND"
    TABLE_MISSING = "TABLE_MISSING"
    TABLE_NOT_A_TABLE = "TABLE_NOT_A_TABLE"
    COLUMN_MISSING = "COLUMN_MISSING"
    COLUMN_DUPLICATE = "COLUMN_DUPLICATE"
    VALUE_REQUIRED = "VALUE_REQUIRED"
    NOT_A_NUMBER = "NOT_A_NUMBER"
    NOT_A_DATE = "NOT_A_DATE"
    NOT_A_BOOLEAN = "NOT_A_BOOLEAN"
    NOT_TEXT = "NOT_TEXT"
    # reading: what a cell or a sheet says beyond its values
    CELL_ERROR = "CELL_ERROR"
    ROW_OUTSIDE_TABLE = "ROW_OUTSIDE_TABLE"
    TABLE_DUPLICATE = "TABLE_DUPLICATE"
    # catalog
    CATALOG_NOT_FOUND = "CATALOG_NOT_FOUND"
    DUPLICATE_RATE = "DUPLICATE_RATE"
    RATE_NEGATIVE = "RATE_NEGATIVE"
    BILL_BELOW_COST = "BILL_BELOW_COST"
    UNKNOWN_ROLE = "UNKNOWN_ROLE"
    DUPLICATE_SERVICE_ROLE = "DUPLICATE_SERVICE_ROLE"
    HOURS_NEGATIVE = "HOURS_NEGATIVE"
    DUPLICATE_CODE = "DUPLICATE_CODE"
    MULTIPLIER_NOT_POSITIVE = "MULTIPLIER_NOT_POSITIVE"
    UPLIFT_OUT_OF_RANGE = "UPLIFT_OUT_OF_RANGE"
    SETTING_MISSING = "SETTING_MISSING"
    SETTING_INVALID = "SETTING_INVALID"
    SETTING_UNKNOWN = "SETTING_UNKNOWN"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    PERSON_INVALID = "PERSON_INVALID"
    # scope
    FIELD_MISSING = "FIELD_MISSING"
    UNKNOWN_BILLING_MODEL = "UNKNOWN_BILLING_MODEL"
    UNKNOWN_STATUS = "UNKNOWN_STATUS"
    UNKNOWN_ESTIMATE_BASIS = "UNKNOWN_ESTIMATE_BASIS"
    DATES_REVERSED = "DATES_REVERSED"
    DISCOUNT_OUT_OF_RANGE = "DISCOUNT_OUT_OF_RANGE"
    DUPLICATE_DELIVERABLE = "DUPLICATE_DELIVERABLE"
    UNKNOWN_SKU = "UNKNOWN_SKU"
    UNKNOWN_COMPLEXITY = "UNKNOWN_COMPLEXITY"
    UNKNOWN_RISK = "UNKNOWN_RISK"
    QUANTITY_NOT_POSITIVE = "QUANTITY_NOT_POSITIVE"
    PERCENT_OUT_OF_RANGE = "PERCENT_OUT_OF_RANGE"
    PROGRESS_CONFLICT = "PROGRESS_CONFLICT"
    CHANGE_WITHOUT_ORDER = "CHANGE_WITHOUT_ORDER"
    OVERRIDE_UNKNOWN_DELIVERABLE = "OVERRIDE_UNKNOWN_DELIVERABLE"
    DUPLICATE_OVERRIDE = "DUPLICATE_OVERRIDE"
    NO_RATE_IN_FORCE = "NO_RATE_IN_FORCE"
    NO_ASSUMPTIONS = "NO_ASSUMPTIONS"
    NO_DELIVERABLES = "NO_DELIVERABLES"
    PLACEHOLDER_NOT_REPLACED = "PLACEHOLDER_NOT_REPLACED"
    # timesheet
    WEEK_NOT_MONDAY = "WEEK_NOT_MONDAY"
    DATE_OUTSIDE_WEEK = "DATE_OUTSIDE_WEEK"
    HOURS_OUT_OF_RANGE = "HOURS_OUT_OF_RANGE"
    DAY_OVER_24 = "DAY_OVER_24"
    DELIVERABLE_REQUIRED = "DELIVERABLE_REQUIRED"
    DELIVERABLE_NOT_ALLOWED = "DELIVERABLE_NOT_ALLOWED"
    AMOUNT_NEGATIVE = "AMOUNT_NEGATIVE"
    UNKNOWN_PERSON = "UNKNOWN_PERSON"
    # engine
    RULE_FAILED = "RULE_FAILED"
    # pricing
    MARGIN_BELOW_TARGET = "MARGIN_BELOW_TARGET"
    NO_HOURS = "NO_HOURS"
    # sync
    CONFLICTED_COPY = "CONFLICTED_COPY"
    UNKNOWN_ENGAGEMENT = "UNKNOWN_ENGAGEMENT"
    ENGAGEMENT_NOT_BOOKABLE = "ENGAGEMENT_NOT_BOOKABLE"
    BOOKING_AFTER_CLOSE = "BOOKING_AFTER_CLOSE"
    BOOKING_AFTER_END = "BOOKING_AFTER_END"
    DELIVERABLE_NOT_IN_ENGAGEMENT = "DELIVERABLE_NOT_IN_ENGAGEMENT"
    DATE_BEFORE_START = "DATE_BEFORE_START"
    WORKBOOK_RETIRED = "WORKBOOK_RETIRED"
    # write-back
    WORKBOOK_OPEN = "WORKBOOK_OPEN"
    WORKBOOK_CHANGED = "WORKBOOK_CHANGED"
    WRITE_BACK_FAILED = "WRITE_BACK_FAILED"
    WRITE_BACK_NO_TABLE = "WRITE_BACK_NO_TABLE"
    # live functions in Excel
    ARGUMENT_INVALID = "ARGUMENT_INVALID"
    UDF_FAILED = "UDF_FAILED"
    # bounded reading: what a file must pass before a parser sees it
    FILE_NOT_REGULAR = "FILE_NOT_REGULAR"
    LINK_OUTSIDE_WORKSPACE = "LINK_OUTSIDE_WORKSPACE"
    LINK_BROKEN = "LINK_BROKEN"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    FILE_SUSPICIOUS = "FILE_SUSPICIOUS"
    CELL_TOO_LONG = "CELL_TOO_LONG"
    # completeness: weeks nobody accounted for (psos report completeness)
    MISSING_TIMESHEET = "MISSING_TIMESHEET"
    SHORT_WEEK = "SHORT_WEEK"
    # approvals and period locks
    CHANGED_AFTER_APPROVAL = "CHANGED_AFTER_APPROVAL"
    PERIOD_LOCKED = "PERIOD_LOCKED"
    # billing
    INVOICED_ENTRY_CHANGED = "INVOICED_ENTRY_CHANGED"


@dataclass(frozen=True)
class CodeInfo:
    severity: Severity
    meaning: str


_E, _W = Severity.ERROR, Severity.WARNING

CODE_INFO: dict[Code, CodeInfo] = {
    Code.FILE_NOT_FOUND: CodeInfo(_E, "The path does not exist."),
    Code.FILE_UNREADABLE: CodeInfo(
        _E, "The file is not a readable .xlsx/.xlsm (corrupt, half-written or another format)."
    ),
    Code.NOT_PSOS_WORKBOOK: CodeInfo(_E, "The workbook has no hidden `_psos` marker sheet."),
    Code.MARKER_INVALID: CodeInfo(
        _E, "The `_psos` marker names an unknown kind or a schema that is not a whole number."
    ),
    Code.MARKER_KEY_MISSING: CodeInfo(
        _E, "The `_psos` marker lacks a key the kind needs (a timesheet's person or week)."
    ),
    Code.SCHEMA_UNSUPPORTED: CodeInfo(
        _E, "The workbook was written by a newer psos_xl than this one."
    ),
    Code.WRONG_KIND: CodeInfo(_E, "The workbook is of another kind than the command expects."),
    Code.TABLE_MISSING: CodeInfo(_E, "A required Excel Table is missing."),
    Code.TABLE_NOT_A_TABLE: CodeInfo(
        _W,
        "The data was found on its sheet but not as an Excel Table; it was read from the header row.",
    ),
    Code.COLUMN_MISSING: CodeInfo(_E, "A required column header is missing from a table."),
    Code.COLUMN_DUPLICATE: CodeInfo(_E, "Two columns of a table carry the same header."),
    Code.VALUE_REQUIRED: CodeInfo(_E, "A required cell is empty."),
    Code.NOT_A_NUMBER: CodeInfo(_E, "A cell that must hold a number holds text or something else."),
    Code.NOT_A_DATE: CodeInfo(_E, "A cell that must hold a date holds something else."),
    Code.NOT_A_BOOLEAN: CodeInfo(_E, "A Y/N cell holds something other than Y, N, TRUE or FALSE."),
    Code.NOT_TEXT: CodeInfo(_E, "A code cell holds a number or date where text is expected."),
    Code.CELL_ERROR: CodeInfo(
        _E,
        "A cell holds an error value (#VALUE!, #DIV/0!, #N/A …), typed or left by its "
        "formula; its row is left out.",
    ),
    Code.ROW_OUTSIDE_TABLE: CodeInfo(
        _W,
        "A row right below a table holds data but lies outside the table, so it is not read.",
    ),
    Code.TABLE_DUPLICATE: CodeInfo(
        _E,
        "Two Excel Tables carry the same name (names are case-insensitive); the workbook "
        "is not read until one is renamed.",
    ),
    Code.CATALOG_NOT_FOUND: CodeInfo(
        _E, "No catalog workbook was found for a check that needs one."
    ),
    Code.DUPLICATE_RATE: CodeInfo(_E, "Two Roles rows have the same Role and EffectiveFrom."),
    Code.RATE_NEGATIVE: CodeInfo(_E, "A cost or bill rate is negative."),
    Code.BILL_BELOW_COST: CodeInfo(_W, "A role bills below its cost."),
    Code.UNKNOWN_ROLE: CodeInfo(_E, "A role code that the catalog's Roles table does not define."),
    Code.DUPLICATE_SERVICE_ROLE: CodeInfo(_E, "A Services SKU lists the same role twice."),
    Code.HOURS_NEGATIVE: CodeInfo(_E, "Base or override hours are negative."),
    Code.DUPLICATE_CODE: CodeInfo(
        _E, "A code (complexity level, risk, person, assumption) is defined twice."
    ),
    Code.MULTIPLIER_NOT_POSITIVE: CodeInfo(_E, "A complexity multiplier is zero or negative."),
    Code.UPLIFT_OUT_OF_RANGE: CodeInfo(_E, "A risk uplift lies outside [-0.5, 2]."),
    Code.SETTING_MISSING: CodeInfo(_W, "A catalog setting is missing; its default is used."),
    Code.SETTING_INVALID: CodeInfo(_E, "A catalog setting has a value of the wrong type or range."),
    Code.SETTING_UNKNOWN: CodeInfo(_W, "The Settings table has a key psos does not know."),
    Code.CURRENCY_MISMATCH: CodeInfo(
        _E,
        "A scope's Currency differs from the catalog's Currency setting: it is not priced "
        "(a catalog role rated in another currency is a warning).",
    ),
    Code.PERSON_INVALID: CodeInfo(
        _E, "A People row has an impossible capacity, utilization or dates."
    ),
    Code.FIELD_MISSING: CodeInfo(_E, "A required ScopeInfo field is missing or empty."),
    Code.UNKNOWN_BILLING_MODEL: CodeInfo(
        _E, "BillingModel is not TimeAndMaterials, FixedFee, Milestone or Retainer."
    ),
    Code.UNKNOWN_STATUS: CodeInfo(_E, "Status is not Draft, Sold, Active, Completed or Lost."),
    Code.UNKNOWN_ESTIMATE_BASIS: CodeInfo(_E, "EstimateBasis is not Catalog, P50 or P80."),
    Code.DATES_REVERSED: CodeInfo(_E, "EndDate falls before StartDate."),
    Code.DISCOUNT_OUT_OF_RANGE: CodeInfo(_E, "Discount lies outside [0, 1)."),
    Code.DUPLICATE_DELIVERABLE: CodeInfo(_E, "Two Deliverables rows share a code."),
    Code.UNKNOWN_SKU: CodeInfo(_E, "A SKU the catalog's Services table does not define."),
    Code.UNKNOWN_COMPLEXITY: CodeInfo(_E, "A complexity level the catalog does not define."),
    Code.UNKNOWN_RISK: CodeInfo(_E, "A risk code the catalog does not define."),
    Code.QUANTITY_NOT_POSITIVE: CodeInfo(_E, "A deliverable's Quantity is zero or negative."),
    Code.PERCENT_OUT_OF_RANGE: CodeInfo(
        _E, "A deliverable's PercentComplete or a scope's Probability lies outside [0, 1]."
    ),
    Code.PROGRESS_CONFLICT: CodeInfo(
        _W, "A deliverable has a CompletedOn date but a PercentComplete under 100 %."
    ),
    Code.CHANGE_WITHOUT_ORDER: CodeInfo(
        _W, "A deliverable added or changed after the scope was sold names no change order."
    ),
    Code.OVERRIDE_UNKNOWN_DELIVERABLE: CodeInfo(
        _E, "An Overrides row names a deliverable the scope does not have."
    ),
    Code.DUPLICATE_OVERRIDE: CodeInfo(_E, "Two Overrides rows for the same deliverable and role."),
    Code.NO_RATE_IN_FORCE: CodeInfo(
        _E, "A needed role has no rate row in force at the scope's StartDate."
    ),
    Code.NO_ASSUMPTIONS: CodeInfo(_W, "The scope lists no assumptions."),
    Code.NO_DELIVERABLES: CodeInfo(_W, "The scope lists no deliverables."),
    Code.PLACEHOLDER_NOT_REPLACED: CodeInfo(
        _W,
        "A ScopeInfo Client or Title still holds a placeholder such as `<client>` "
        "(`psos new scope --like`/`--closest` writes one when none was given); replace it "
        "before quoting.",
    ),
    Code.WEEK_NOT_MONDAY: CodeInfo(_E, "The timesheet's week does not start on a Monday."),
    Code.DATE_OUTSIDE_WEEK: CodeInfo(_E, "A row's Date falls outside the timesheet's week."),
    Code.HOURS_OUT_OF_RANGE: CodeInfo(_E, "Hours are zero, negative or above 24."),
    Code.DAY_OVER_24: CodeInfo(_E, "One day's hours add up to more than 24."),
    Code.DELIVERABLE_REQUIRED: CodeInfo(_E, "A client engagement row has no Deliverable."),
    Code.DELIVERABLE_NOT_ALLOWED: CodeInfo(_E, "A LEAVE or INTERNAL row names a Deliverable."),
    Code.AMOUNT_NEGATIVE: CodeInfo(_E, "An expense amount is zero or negative."),
    Code.UNKNOWN_PERSON: CodeInfo(
        _E,
        "The timesheet's person is not in the catalog's People, or not employed on the "
        "row's date (People StartDate to EndDate); the row is not counted.",
    ),
    Code.RULE_FAILED: CodeInfo(_E, "A validation rule crashed; the rest of the checks still ran."),
    Code.MARGIN_BELOW_TARGET: CodeInfo(_W, "The quote's margin is below TargetMargin."),
    Code.NO_HOURS: CodeInfo(_W, "A deliverable is priced at zero hours."),
    Code.CONFLICTED_COPY: CodeInfo(
        _E,
        "Two workbooks for the same person and week (or the same catalog or engagement); only the first is counted.",
    ),
    Code.UNKNOWN_ENGAGEMENT: CodeInfo(
        _E, "A timesheet row books to an engagement no scope defines (and not LEAVE or INTERNAL)."
    ),
    Code.ENGAGEMENT_NOT_BOOKABLE: CodeInfo(
        _E, "A timesheet row books to an engagement whose Status is not Sold, Active or Completed."
    ),
    Code.BOOKING_AFTER_CLOSE: CodeInfo(
        _E,
        "A timesheet row books to a Completed engagement after its EndDate; the row is not "
        "counted.",
    ),
    Code.BOOKING_AFTER_END: CodeInfo(
        _W, "A timesheet row books to a Sold or Active engagement after its EndDate."
    ),
    Code.DELIVERABLE_NOT_IN_ENGAGEMENT: CodeInfo(
        _E, "A timesheet row's Deliverable is not one of its engagement's deliverables."
    ),
    Code.DATE_BEFORE_START: CodeInfo(
        _E, "A timesheet row is dated before its engagement's StartDate."
    ),
    Code.WORKBOOK_RETIRED: CodeInfo(
        Severity.INFO,
        "A workbook left the folder (or lost its marker); its rows were retired from the store.",
    ),
    Code.WORKBOOK_OPEN: CodeInfo(
        _W, "The workbook is open (a lock file sits beside it); write-back waits for the next sync."
    ),
    Code.WORKBOOK_CHANGED: CodeInfo(
        _W, "The workbook changed since sync read it; write-back waits for the next sync."
    ),
    Code.WRITE_BACK_FAILED: CodeInfo(
        _E,
        "psos could not write its table into the workbook (the message says why); the file is unchanged.",
    ),
    Code.WRITE_BACK_NO_TABLE: CodeInfo(
        _W,
        "The workbook lacks a table psos owns and psos cannot add it without writing over cells of yours (the message names the cell); nothing was written.",
    ),
    Code.ARGUMENT_INVALID: CodeInfo(
        _E, "A PSOS_ function in a cell got an argument it cannot use (the message says which)."
    ),
    Code.UDF_FAILED: CodeInfo(
        _E, "A PSOS_ function in a cell failed unexpectedly; the message names the failure."
    ),
    # bounded reading
    Code.FILE_NOT_REGULAR: CodeInfo(
        _E,
        "An entry named like a workbook is not a regular file (a pipe, a device, a socket); it is never opened.",
    ),
    Code.LINK_OUTSIDE_WORKSPACE: CodeInfo(
        _E, "A link named like a workbook points outside the workspace folder; it is not followed."
    ),
    Code.LINK_BROKEN: CodeInfo(
        _E, "A link named like a workbook points to nothing, or to itself in a loop."
    ),
    Code.FILE_TOO_LARGE: CodeInfo(
        _E,
        "The workbook is over a size limit of psos.toml (file, uncompressed size, parts); it is not read and its last good rows are kept.",
    ),
    Code.FILE_SUSPICIOUS: CodeInfo(
        _E,
        "The workbook's package is built to exhaust a reader (a compression ratio, a cell, a table or a count far beyond its data); it is not read and its last good rows are kept.",
    ),
    Code.CELL_TOO_LONG: CodeInfo(
        _E, "A cell holds more than Excel's 32,767 characters; its row is not used."
    ),
    Code.MISSING_TIMESHEET: CodeInfo(
        _W, "A person with capacity has no timesheet for a complete week."
    ),
    Code.SHORT_WEEK: CodeInfo(
        _W, "A timesheet books fewer hours than the person's capacity that week (LEAVE counts)."
    ),
    Code.CHANGED_AFTER_APPROVAL: CodeInfo(
        _W,
        "An approved timesheet changed; its approved rows count until it is approved again.",
    ),
    Code.PERIOD_LOCKED: CodeInfo(
        _E, "A row dated in a locked period was added, changed or removed; it is kept as stored."
    ),
    Code.INVOICED_ENTRY_CHANGED: CodeInfo(
        _W,
        "A time or expense row already invoiced changed or was removed; the next invoice of its engagement carries the difference as a credit line.",
    ),
}


@dataclass(frozen=True, slots=True)
class Location:
    """Where an issue is: a workbook, a sheet in it and a cell (``E10``) or a row
    (``10``) of that sheet, each a field; sheet and cell may be empty. It becomes the
    text ``workbook!sheet!cell`` only when printed, and sorts by row and column as a
    reader expects (``E9`` before ``E10``)."""

    workbook: str
    sheet: str = ""
    cell: str = ""

    @classmethod
    def parse(cls, text: str) -> Location:
        """``a.xlsx!Time!E10`` → Location("a.xlsx", "Time", "E10"): text that comes back
        from the store or from outside. A workbook name may hold ``!`` when a sheet and
        a cell follow it."""
        return cls(*text.rsplit("!", 2))

    @property
    def row(self) -> int | None:
        """The 1-based row of the cell or row, if there is one."""
        digits = self.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return int(digits) if digits.isdigit() else None

    @property
    def column(self) -> str:
        """The column letters of a cell (empty for a row or a sheet)."""
        return self.cell[: len(self.cell) - len(self.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]

    @property
    def sort_key(self) -> tuple[str, str, int, int, str, str]:
        row = self.row
        column = self.column
        return (
            self.workbook,
            self.sheet,
            -1 if row is None else row,
            len(column),
            column,
            self.cell,
        )

    def __lt__(self, other: Location) -> bool:
        return self.sort_key < other.sort_key

    def __str__(self) -> str:
        return "!".join(p for p in (self.workbook, self.sheet, self.cell) if p)


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found at a place (a :class:`Location`)."""

    code: Code
    severity: Severity
    location: Location
    message: str

    @classmethod
    def make(
        cls,
        code: Code,
        location: Location | str,
        message: str,
        severity: Severity | None = None,
    ) -> Issue:
        where = location if isinstance(location, Location) else Location.parse(location)
        return cls(code, severity or CODE_INFO[code].severity, where, message)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        return f"{self.location}: {self.code} {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": str(self.code),
            "severity": str(self.severity),
            "location": str(self.location),
            "message": self.message,
        }


def has_errors(issues: Iterable[Issue]) -> bool:
    return any(i.is_error for i in issues)


def dedupe_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Issues in order, one per (code, location): two checks that meet at one cell say it once."""
    seen: set[tuple[str, Location]] = set()
    out: list[Issue] = []
    for issue in issues:
        key = (str(issue.code), issue.location)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out


def sort_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Stable, reader-friendly order: by location, then code."""
    return sorted(issues, key=lambda i: (i.location.sort_key, i.code))


class PsosError(Exception):
    """Base of every exception psos raises on purpose."""

    exit_code = 2


class WorkspaceError(PsosError):
    """The workspace is missing or malformed."""


class WorkbookError(PsosError):
    """A workbook cannot be used at all (the issues say why)."""

    def __init__(self, message: str, issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []
