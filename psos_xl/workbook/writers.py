"""One writer per workbook kind: model → a complete, formatted workbook.

Each table of the kind's contract (:data:`psos_xl.workbook.spec.TABLES`) becomes an
Excel Table on a sheet of its name, with a title, a one-line instruction, number
formats and dropdowns fed by the hidden ``_lists`` sheet. Reading a written workbook
gives back the model it was written from (``read_X(write_X(m)) == m``).

openpyxl is imported inside the functions that build workbooks, so importing this
module (for :class:`Lists`, say) does not pull it in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from psos_xl import models as m
from psos_xl.settings import CATALOG_SETTINGS, CATALOG_SETTINGS_BY_KEY
from psos_xl.workbook import cells, spec
from psos_xl.workbook import styles as st

COMMON_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK")
DEFAULT_COMPLEXITY = ("Low", "Medium", "High")
# where the timesheet's week summary sits: one blank column right of the Time table
_SUMMARY_COL = len(spec.TIME.columns) + 2
# the rows of a timesheet's tables whose cells carry the columns' number formats, blank
# ones below the week's entries included: where a week's rows are typed
TIME_ROWS = 40
EXPENSE_ROWS = 20


@dataclass
class Lists:
    """The values that feed a workbook's dropdowns."""

    roles: list[str]
    skus: list[str]
    complexity: list[str]
    risks: list[str]
    engagements: list[str]  # engagements of Sold/Active scopes, then LEAVE and INTERNAL
    deliverables: dict[str, list[str]]  # engagement → its deliverable codes
    people: list[str] = field(default_factory=list)
    currencies: list[str] = field(default_factory=list)

    @classmethod
    def from_catalog(cls, catalog: m.Catalog, scopes: Iterable[m.Scope] = ()) -> Lists:
        open_scopes = sorted(
            (
                s
                for s in scopes
                if s.info.status in (m.Status.SOLD, m.Status.ACTIVE)
                and s.info.engagement
                and s.info.engagement not in m.RESERVED_ENGAGEMENTS
            ),
            key=lambda s: s.info.engagement,
        )
        deliverables: dict[str, list[str]] = {}
        for scope in open_scopes:
            codes = deliverables.setdefault(scope.info.engagement, [])
            codes.extend(_unique(d.deliverable for d in scope.deliverables if d.deliverable))
        deliverables = {e: _unique(codes) for e, codes in deliverables.items()}
        return cls(
            roles=_unique(r.role for r in catalog.roles),
            skus=_unique(s.sku for s in catalog.services),
            complexity=_unique(c.level for c in catalog.complexity),
            risks=_unique(r.code for r in catalog.risks),
            engagements=[*deliverables, *m.RESERVED_ENGAGEMENTS],
            deliverables=deliverables,
            people=_unique(p.person for p in catalog.people),
            currencies=_unique(
                [
                    catalog.settings.currency,
                    *(r.currency for r in catalog.roles),
                    *COMMON_CURRENCIES,
                ]
            ),
        )

    def columns(self) -> dict[str, list[str]]:
        """The columns of the ``_lists`` sheet, by list key (its name is ``lst_<key>``).

        PairEngagement/PairDeliverable list each engagement with each of its
        deliverables (an engagement without any gets one blank row), grouped by
        engagement, which the timesheet's dependent Deliverable dropdown looks up."""
        pairs = [
            (engagement, code)
            for engagement in self.engagements
            for code in (self.deliverables.get(engagement) or [""])
        ]
        return {
            "Roles": self.roles,
            "SKUs": self.skus,
            "Complexity": self.complexity,
            "Risks": self.risks,
            "Engagements": self.engagements,
            "Deliverables": _unique(c for codes in self.deliverables.values() for c in codes),
            "People": self.people,
            "Currencies": self.currencies,
            "Billable": list(spec.BILLABLE_VALUES),
            "ExpenseCategories": list(spec.EXPENSE_CATEGORIES),
            "BillingModels": [b.value for b in m.BillingModel],
            "Statuses": [s.value for s in m.Status],
            "EstimateBases": [e.value for e in m.EstimateBasis],
            "SettingKeys": [s.key for s in CATALOG_SETTINGS],
            "PairEngagement": [e for e, _ in pairs],
            "PairDeliverable": [d for _, d in pairs],
        }


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value and value not in out:
            out.append(value)
    return out


# --- shared ---------------------------------------------------------------------------


def _new_workbook() -> Any:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    return wb


_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_XLSM_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def save_workbook(wb: Any, path: Path) -> Path:
    """Save next to the target, then replace it, so nobody reads a half-written file.

    A ``.xlsm`` path gets a macro-enabled workbook (Excel refuses an .xlsm whose package
    says .xlsx): ready for xlwings' Import Functions to add its VBA wrappers.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    st.make_printable(wb)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        wb.save(tmp)
        if path.suffix.lower() == ".xlsm" and wb.vba_archive is None:
            _macro_enabled(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _macro_enabled(path: Path) -> None:
    """Declare the package's workbook part macro-enabled; every other part as it was."""
    import zipfile

    with zipfile.ZipFile(path) as zin:
        parts = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w") as zout:
        for info, data in parts:
            if info.filename == "[Content_Types].xml":
                data = data.replace(_XLSX_MAIN, _XLSM_MAIN)
            zout.writestr(info, data)


def _rows(table: spec.TableSpec, rows: Sequence[BaseModel]) -> list[list[Any]]:
    return [[getattr(row, c.field) for c in table.columns] for row in rows]


def _sheet(
    wb: Any, table: spec.TableSpec, heading: str, rows: list[list[Any]], formatted_rows: int = 1
) -> Any:
    ws = wb.create_sheet(table.sheet)
    st.title(ws, heading, st.table_help(table))
    st.write_table(ws, table, rows, formatted_rows)
    return ws


def _pick(ws: Any, table: spec.TableSpec, header: str, name: str, check: st.Check) -> None:
    column = table.column(header)
    st.dropdown(ws, st.column_range(table, header), name, check, prompt=column.help)


def _check_for(values: list[str], check: st.Check) -> st.Check:
    # an empty list would refuse every value: then the dropdown only suggests
    return check if values else st.Check.SUGGEST


def _finish(wb: Any, lists: Lists, kind: m.Kind, *keys: tuple[str, Any]) -> None:
    """The hidden sheets: dropdown lists, then the marker (kind, schema, the kind's keys)."""
    st.write_lists(wb, lists.columns())
    st.write_marker(wb, [("kind", kind.value), ("schema", spec.SCHEMA_VERSION), *keys])
    wb.active = 0


# --- catalog --------------------------------------------------------------------------


def setting_text(value: Any) -> str:
    """A setting's value as the catalog's Settings rows hold it (what a reader gives
    back for the cell a writer writes: 0.1, not 0.10); blank for no value."""
    return "" if value is None else cells.to_text(st.cell_value(value))


def settings_rows(settings: m.CatalogSettings) -> list[m.Setting]:
    """Settings rows for every known setting, valued from ``settings``."""
    return [
        m.Setting(key=d.key, value=setting_text(getattr(settings, d.field)))
        for d in CATALOG_SETTINGS
    ]


def _setting_cell(key: str, text: str) -> Any:
    """A numeric setting becomes a number cell when that reads back as the same text."""
    definition = CATALOG_SETTINGS_BY_KEY.get(key.casefold())
    if definition is None or definition.type is str:
        return text
    try:
        number = st.cell_value(cells.to_decimal(text, key))
    except cells.CellError:
        return text
    return number if cells.to_text(number) == text else text


def write_catalog(path: Path, catalog: m.Catalog) -> Path:
    """Write ``catalog`` as a complete catalog workbook at ``path``."""
    lists = Lists.from_catalog(catalog)
    wb = _new_workbook()
    by_table: dict[str, Sequence[BaseModel]] = {
        "Roles": catalog.roles,
        "Services": catalog.services,
        "Complexity": catalog.complexity,
        "Risks": catalog.risks,
        "People": catalog.people,
        "Actuals": catalog.actuals,
    }
    for table in spec.TABLES[m.Kind.CATALOG]:
        heading = f"Catalog · {table.name}"
        if table is spec.SETTINGS:
            _settings_sheet(wb, catalog, heading)
        else:
            _sheet(wb, table, heading, _rows(table, by_table[table.name]))
    roles, services, people = wb["Roles"], wb["Services"], wb["People"]
    _pick(roles, spec.ROLES, "Currency", "lst_Currencies", st.Check.WARN)
    _pick(services, spec.SERVICES, "Role", "lst_Roles", _check_for(lists.roles, st.Check.STOP))
    _pick(people, spec.PEOPLE, "Role", "lst_Roles", _check_for(lists.roles, st.Check.STOP))
    _finish(wb, lists, m.Kind.CATALOG)
    return save_workbook(wb, path)


def _settings_sheet(wb: Any, catalog: m.Catalog, heading: str) -> None:
    rows = catalog.settings_rows
    if not rows and catalog.settings != m.CatalogSettings():
        rows = settings_rows(catalog.settings)
    ws = _sheet(wb, spec.SETTINGS, heading, [[r.key, None] for r in rows])
    for i, row in enumerate(rows):
        r = st.FIRST_DATA_ROW + i
        value = _setting_cell(row.key, row.value)
        definition = CATALOG_SETTINGS_BY_KEY.get(row.key.casefold())
        fmt = st.decimal_format(row.key) if not isinstance(value, str) else None
        if fmt and definition is not None and definition.type is int:
            fmt = st.INT_FORMAT
        st.put(ws, r, 2, value, fmt)
        st.note(ws, r, 3, definition.help if definition else "")
        if definition is not None and definition.key == "Currency":
            st.dropdown(ws, f"B{r}", "lst_Currencies", st.Check.WARN)
    ws.column_dimensions["C"].width = 90
    st.dropdown(ws, st.column_range(spec.SETTINGS, "Key"), "lst_SettingKeys", st.Check.WARN)


# --- scope ----------------------------------------------------------------------------

_FIELD_NOTES: dict[str, str] = {
    "Engagement": "Engagement code, unique in the firm; timesheets book time against it.",
    "Client": "The client's name as it appears on the quote.",
    "Title": "A short title of the engagement.",
    "StartDate": "First day of delivery; rates in force on this day price the scope.",
    "EndDate": "Last day of delivery.",
    "BillingModel": "TimeAndMaterials, FixedFee, Milestone or Retainer.",
    "Discount": "Fraction off the price: 5% = 0.05.",
    "Status": "Draft, Sold, Active, Completed or Lost. Timesheets offer Sold and Active.",
    "EstimateBasis": "Catalog, P50 or P80 (hours calibrated from delivery history).",
    "Risks": "Comma-separated risk codes that apply to every deliverable.",
    "Currency": "ISO currency code; empty means the catalog's Currency.",
    "Probability": "For a Draft: the chance it is sold, 0% to 100%; "
    "the forecast counts its hours × this as pipeline.",
}
# ScopeInfo fields with a dropdown on their Value cell: list key and how firmly it holds
_FIELD_LISTS: dict[str, tuple[str, st.Check]] = {
    "BillingModel": ("BillingModels", st.Check.STOP),
    "Status": ("Statuses", st.Check.STOP),
    "EstimateBasis": ("EstimateBases", st.Check.STOP),
    "Risks": ("Risks", st.Check.SUGGEST),
    "Currency": ("Currencies", st.Check.WARN),
}
PRICING_SHEET = "Pricing"
NOT_PRICED = "Not priced yet: run psos price --write"


def _scope_lists(scope: m.Scope, catalog: m.Catalog | None) -> Lists:
    if catalog is not None:
        return Lists.from_catalog(catalog)
    # no catalog: offer what the scope itself uses, so its own values stay valid
    return Lists(
        roles=_unique(o.role for o in scope.overrides),
        skus=_unique(d.sku for d in scope.deliverables),
        complexity=_unique([*DEFAULT_COMPLEXITY, *(d.complexity for d in scope.deliverables)]),
        risks=_unique([*scope.info.risks, *(r for d in scope.deliverables for r in d.risks)]),
        engagements=[],
        deliverables={},
        currencies=_unique([scope.info.currency, *COMMON_CURRENCIES]),
    )


def write_scope(path: Path, scope: m.Scope, catalog: m.Catalog | None = None) -> Path:
    """Write ``scope`` as a complete scope workbook; dropdowns come from ``catalog``."""
    lists = _scope_lists(scope, catalog)
    wb = _new_workbook()
    label = scope.info.engagement or "(new)"
    heading = f"Scope {label}" + (f" · {scope.info.title}" if scope.info.title else "")
    _scope_info_sheet(wb, scope.info, f"{heading} · ScopeInfo")
    tables: dict[str, Sequence[BaseModel]] = {
        "Deliverables": scope.deliverables,
        "Assumptions": scope.assumptions,
        "Overrides": scope.overrides,
        "Delivery": scope.delivery,
    }
    for table in spec.TABLES[m.Kind.SCOPE][1:]:
        if table is spec.DELIVERY:
            _pricing_sheet(wb, f"{heading} · Pricing")
        _sheet(wb, table, f"{heading} · {table.name}", _rows(table, tables[table.name]))
    ws = wb["Deliverables"]
    _pick(ws, spec.DELIVERABLES, "SKU", "lst_SKUs", _check_for(lists.skus, st.Check.STOP))
    _pick(
        ws,
        spec.DELIVERABLES,
        "Complexity",
        "lst_Complexity",
        _check_for(lists.complexity, st.Check.STOP),
    )
    _pick(ws, spec.DELIVERABLES, "Risks", "lst_Risks", st.Check.SUGGEST)
    st.number_check(
        ws,
        st.column_range(spec.DELIVERABLES, "Quantity"),
        "decimal",
        "0.0001",
        "100000",
        "Quantity must be a positive number.",
    )
    st.number_check(
        ws,
        st.column_range(spec.DELIVERABLES, "PercentComplete"),
        "decimal",
        "0",
        "1",
        "PercentComplete lies between 0 % and 100 %.",
    )
    st.number_check(
        ws,
        st.column_range(spec.DELIVERABLES, "CompletedOn"),
        "date",
        "36526",
        "73051",
        "CompletedOn must be a date.",
    )
    ws = wb["Overrides"]
    letter = st.column_letter(spec.DELIVERABLES, "Deliverable")
    name = st.define_range(
        wb,
        "lst_ScopeDeliverables",
        spec.DELIVERABLES.sheet,
        f"${letter}${st.FIRST_DATA_ROW}:${letter}${st.VALIDATION_LAST_ROW}",
    )
    _pick(ws, spec.OVERRIDES, "Deliverable", name, st.Check.WARN)
    _pick(ws, spec.OVERRIDES, "Role", "lst_Roles", _check_for(lists.roles, st.Check.STOP))
    _finish(wb, lists, m.Kind.SCOPE)
    from psos_xl.workbook.pricing_sheet import build_pricing_sheet

    build_pricing_sheet(wb, scope)
    return save_workbook(wb, path)


def _scope_info_sheet(wb: Any, info: m.ScopeInfo, heading: str) -> None:
    rows = [[name, getattr(info, fld)] for name, fld, _typ, _req in spec.SCOPE_FIELDS]
    ws = _sheet(wb, spec.SCOPE_INFO, heading, rows)
    ws.column_dimensions["C"].width = 70
    for i, (name, _fld, typ, _req) in enumerate(spec.SCOPE_FIELDS):
        r = st.FIRST_DATA_ROW + i
        if typ is spec.Type.DECIMAL:
            ws.cell(row=r, column=2).number_format = st.decimal_format(name)
        elif typ is spec.Type.DATE:
            ws.cell(row=r, column=2).number_format = st.DATE_FORMAT
        st.note(ws, r, 3, _FIELD_NOTES.get(name, ""))
        if name in _FIELD_LISTS:
            key, check = _FIELD_LISTS[name]
            st.dropdown(ws, f"B{r}", st.list_name(key), check, prompt=_FIELD_NOTES[name])
        if name == "Discount":
            st.number_check(
                ws, f"B{r}", "decimal", "0", "0.9999", "Discount is a fraction from 0 to <1."
            )
        if name == "Probability":
            st.number_check(
                ws, f"B{r}", "decimal", "0", "1", "Probability is a fraction from 0 to 1."
            )


def _pricing_sheet(wb: Any, heading: str) -> None:
    ws = wb.create_sheet(PRICING_SHEET)
    st.title(ws, heading, NOT_PRICED)
    ws.column_dimensions["A"].width = 40


# --- timesheet ------------------------------------------------------------------------

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def write_timesheet(
    path: Path, timesheet: m.Timesheet, lists: Lists, person_name: str = ""
) -> Path:
    """Write one person's week; dropdowns come from ``lists``."""
    wb = _new_workbook()
    who = timesheet.person or "(person)"
    if person_name and person_name != timesheet.person:
        who = f"{who} ({person_name})"
    week = timesheet.week.isoformat() if timesheet.week else "(week)"
    heading = f"Timesheet {who} · week of {week}"
    time_ws = _sheet(
        wb, spec.TIME, f"{heading} · Time", _rows(spec.TIME, timesheet.entries), TIME_ROWS
    )
    expenses_ws = _sheet(
        wb,
        spec.EXPENSES,
        f"{heading} · Expenses",
        _rows(spec.EXPENSES, timesheet.expenses),
        EXPENSE_ROWS,
    )
    _time_checks(time_ws, timesheet, lists)
    _expense_checks(expenses_ws, lists)
    _week_summary(time_ws, timesheet)
    _finish(
        wb, lists, m.Kind.TIMESHEET, ("person", timesheet.person), ("week", week_text(timesheet))
    )
    return save_workbook(wb, path)


def week_text(timesheet: m.Timesheet) -> str:
    return timesheet.week.isoformat() if timesheet.week else ""


def deliverable_formula(engagement_cell: str) -> str:
    """The Deliverable dropdown's source: the deliverables of the row's engagement
    (a LEAVE/INTERNAL row gets one blank entry); an engagement off the list gets all."""
    count = f"COUNTIF(lst_PairEngagement,{engagement_cell})"
    return (
        "OFFSET(INDEX(lst_PairDeliverable,1),"
        f"IFERROR(MATCH({engagement_cell},lst_PairEngagement,0)-1,0),0,"
        f"IF({count},{count},ROWS(lst_PairDeliverable)),1)"
    )


def _time_checks(ws: Any, timesheet: m.Timesheet, lists: Lists) -> None:
    t = spec.TIME
    engagement = f"${st.column_letter(t, 'Engagement')}{st.FIRST_DATA_ROW}"
    _pick(ws, t, "Engagement", "lst_Engagements", st.Check.WARN)
    st.dropdown(
        ws,
        st.column_range(t, "Deliverable"),
        deliverable_formula(engagement),
        st.Check.WARN,
        prompt="A deliverable of the row's engagement; empty for LEAVE and INTERNAL",
    )
    _pick(ws, t, "Role", "lst_Roles", _check_for(lists.roles, st.Check.STOP))
    _pick(ws, t, "Billable", "lst_Billable", st.Check.STOP)
    st.number_check(
        ws, st.column_range(t, "Hours"), "decimal", "0.01", "24", "Hours lie between 0 and 24."
    )
    if timesheet.week is not None:
        first, last = timesheet.week, timesheet.week + timedelta(days=6)
        st.number_check(
            ws,
            st.column_range(t, "Date"),
            "date",
            f"DATE({first.year},{first.month},{first.day})",
            f"DATE({last.year},{last.month},{last.day})",
            f"Dates lie in the week {first.isoformat()} to {last.isoformat()}.",
        )


def _expense_checks(ws: Any, lists: Lists) -> None:
    e = spec.EXPENSES
    _pick(ws, e, "Engagement", "lst_Engagements", st.Check.WARN)
    _pick(ws, e, "Category", "lst_ExpenseCategories", st.Check.STOP)
    _pick(ws, e, "Currency", "lst_Currencies", st.Check.WARN)
    _pick(ws, e, "Billable", "lst_Billable", st.Check.STOP)


def _week_summary(ws: Any, timesheet: m.Timesheet) -> None:
    """Per-day and week totals right of the Time table (outside it: readers ignore it).
    Days follow the week cell, so the block works for any week."""
    col = _SUMMARY_COL
    day, hours, billable = (st.get_column_letter(col + k) for k in range(3))
    top = st.FIRST_DATA_ROW
    week_cell = f"${hours}${top}"
    st.bold(ws, top, col, "Week of")
    st.put(ws, top, col + 1, timesheet.week, st.DATE_FORMAT)
    for k, label in enumerate(("Day", "Hours", "Billable")):
        st.bold(ws, top + 1, col + k, label)
    first = top + 2
    for i in range(7):
        r = first + i
        st.put_formula(ws, f"{day}{r}", f'IF({week_cell}="","{_DAY_NAMES[i]}",{week_cell}+{i})')
        ws[f"{day}{r}"].number_format = st.DAY_FORMAT
        total = f"SUMIFS(Time[Hours],Time[Date],{day}{r})"
        st.put_formula(ws, f"{hours}{r}", f'IF({week_cell}="",0,{total})', st.HOURS_FORMAT)
        not_billable = f'SUMIFS(Time[Hours],Time[Date],{day}{r},Time[Billable],"N")'
        st.put_formula(
            ws, f"{billable}{r}", f'{hours}{r}-IF({week_cell}="",0,{not_billable})', st.HOURS_FORMAT
        )
    last = first + 6
    st.bold(ws, last + 1, col, "Week")
    st.put_formula(ws, f"{hours}{last + 1}", f"SUM({hours}{first}:{hours}{last})", st.HOURS_FORMAT)
    st.put_formula(
        ws, f"{billable}{last + 1}", f"SUM({billable}{first}:{billable}{last})", st.HOURS_FORMAT
    )
    st.embolden(ws[f"{hours}{last + 1}"])
    st.embolden(ws[f"{billable}{last + 1}"])
    ws.column_dimensions[day].width = 16
    ws.column_dimensions[hours].width = 10
    ws.column_dimensions[billable].width = 10
