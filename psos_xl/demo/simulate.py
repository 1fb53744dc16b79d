"""The firm simulator: the whole learning loop, for real, through workbooks.

A firm whose work truly takes more (or less) than its catalog says, per SKU, the way
firms' catalogs are off (Jørgensen's surveys: about 30 % overrun on average, some work
under: migrations +70 %, integrations +55 %, reports −25 %, training −15 %, discovery
about right, …, with lognormal noise), takes on engagements over two years. For each
engagement, in StartDate order:

1. its scope is written (:func:`~psos_xl.workbook.writers.write_scope`, Status Sold,
   EstimateBasis P50) and priced against the catalog **as it stands**, i.e. with the
   Actuals the previous syncs wrote: once on P50 (what the firm quotes) and once on the
   Catalog basis (what the static catalog would have said);
2. its people book the true hours in weekly timesheets (one workbook per person-week);
3. the scope is rewritten Completed and the workspace synced
   (:func:`~psos_xl.sync.sync_workspace`), which calibrates and writes the catalog's
   Actuals table: the next engagement is priced with what this one taught.

Each delivery (deliverable × role) records the catalog estimate, the P50 estimate it was
quoted with, the actual hours and how many earlier deliveries of its SKU × role the
catalog's Actuals counted when it was scoped. The P50 estimate is exactly what
``psos report accuracy``'s backtest calls the calibrated estimate (the hours pricing
would have used at the time); here pricing really used it. From those: the accuracy
curve (median |RE| of both estimates by that count) and the summary after ≥ 5 deliveries
(median |RE|, bias = mean RE, PRED(25); :class:`~psos_xl.learning.Summary`), with
RE = (actual − estimate) / actual. The same seed gives the same firm and the same
numbers. ``bench/simulate.py`` runs it; :func:`write_accuracy_workbook` draws the curve
as a native Excel line chart.
"""

from __future__ import annotations

import math
import random
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from psos_xl import models as m
from psos_xl.errors import PsosError
from psos_xl.learning import AccuracyReport, Summary, accuracy, median
from psos_xl.pricing import price
from psos_xl.pricing.money import ZERO, round2

Progress = Callable[[int, int, str], None]

# true effort against the catalog, per SKU: +0.30 = the work takes 30 % more
DEFAULT_BIAS: dict[str, float] = {
    "DISC": 0.05,
    "DESIGN": 0.25,
    "CONFIG": 0.40,
    "MIGR": 0.70,
    "INTEG": 0.55,
    "REPORT": -0.25,
    "TEST": 0.45,
    "TRAIN": -0.15,
    "GOLIVE": 0.30,
    "PMO": 0.50,
}
# quantity range per SKU (units as the catalog counts them)
QUANTITIES: dict[str, tuple[int, int]] = {
    "DISC": (1, 1),
    "DESIGN": (1, 3),
    "CONFIG": (1, 4),
    "MIGR": (1, 5),
    "INTEG": (1, 4),
    "REPORT": (2, 8),
    "TEST": (1, 3),
    "TRAIN": (2, 6),
    "GOLIVE": (1, 3),
    "PMO": (1, 4),
}
CLIENTS = (
    ("ALP", "Alpina Versicherung"),
    ("BRW", "Brightwater Retail"),
    ("CSA", "Costa Shipping"),
    ("HAN", "Hanseatic Logistics"),
    ("KES", "Kestrel Energy"),
    ("LKB", "Lakeside Bank"),
    ("MER", "Meridian Health"),
    ("NOR", "Nordlicht Media"),
)
WEEK_HOURS = 40
DAY_HOURS = 8
HALF = Decimal("0.5")
MIN_PRIOR = m.CatalogSettings().accuracy_min_history  # "after at least 5 earlier deliveries"
# header lists written as one string read like the tables they name
SUMMARY_HEADERS = (  # noqa: SIM905
    "SKU Deliveries CatalogMedianAbsRE CatalogBias CatalogPRED25 "
    "CalibratedMedianAbsRE CalibratedBias CalibratedPRED25"
).split()
DELIVERY_HEADERS = (  # noqa: SIM905
    "Engagement StartDate Deliverable SKU Role PriorDeliveries Basis "
    "CatalogHours CalibratedHours ActualHours CatalogRE CalibratedRE"
).split()
HEADER_ROW = 3  # the accuracy workbook's tables start here, a title above
CHART_LAST_COL = 17  # Q: the Curve sheet's chart, anchored at G2, ends before it
# the chart's lines: Curve column, series name, marker
CHART_SERIES = (
    (3, "Catalog", "circle"),
    (4, "Calibrated (what pricing used)", "square"),
)


@dataclass(frozen=True)
class SimConfig:
    engagements: int = 32
    seed: int = 2026
    first_monday: date = date(2025, 1, 6)
    weeks: int = 104  # engagements start within this many weeks
    noise: float = 0.12  # sigma of the lognormal noise on true hours
    min_deliverables: int = 2
    max_deliverables: int = 6
    bias: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_BIAS))


@dataclass(frozen=True)
class Planned:
    """One engagement as the simulated world has it: its scope and its true hours."""

    scope: m.Scope
    true_hours: dict[tuple[str, str], Decimal]  # (deliverable, role) → hours
    weeks: int


@dataclass(frozen=True)
class Record:
    """One delivery: both estimates as quoted when it was scoped, and the actual."""

    engagement: str
    start: date
    deliverable: str
    sku: str
    role: str
    prior: int  # the catalog's Actuals Deliveries for the SKU × role when scoped
    basis: str  # what the P50 quote used: P50 or Catalog (too little history)
    catalog_estimate: Decimal
    calibrated_estimate: Decimal
    actual: Decimal

    @property
    def catalog_re(self) -> Decimal:
        return (self.actual - self.catalog_estimate) / self.actual

    @property
    def calibrated_re(self) -> Decimal:
        return (self.actual - self.calibrated_estimate) / self.actual


@dataclass(frozen=True)
class CurveRow:
    prior: int
    n: int
    catalog: Decimal  # median |RE|
    calibrated: Decimal


@dataclass
class SimResult:
    root: Path  # the simulated firm's workspace
    records: list[Record]
    backtest: AccuracyReport | None = None  # psos report accuracy over the final store
    sync_errors: int = 0
    seconds: float = 0.0
    workbook: Path | None = None

    def curve(self) -> list[CurveRow]:
        by_prior: dict[int, list[Record]] = {}
        for r in self.records:
            by_prior.setdefault(r.prior, []).append(r)
        return [
            CurveRow(
                prior=p,
                n=len(rs),
                catalog=_r4(median([abs(r.catalog_re) for r in rs])),
                calibrated=_r4(median([abs(r.calibrated_re) for r in rs])),
            )
            for p, rs in sorted(by_prior.items())
        ]

    def summary(
        self, min_prior: int = MIN_PRIOR, sku: str | None = None
    ) -> tuple[Summary, Summary]:
        """(catalog, calibrated) over deliveries with at least ``min_prior`` earlier ones."""
        rs = [r for r in self.records if r.prior >= min_prior and (sku is None or r.sku == sku)]
        return Summary.of([r.catalog_re for r in rs]), Summary.of([r.calibrated_re for r in rs])

    def skus(self) -> list[str]:
        return list(dict.fromkeys(r.sku for r in self.records))

    def lines(self) -> list[str]:
        engagements = len({r.engagement for r in self.records})
        out = [
            f"Simulated firm in {self.root}: {engagements} engagements, "
            f"{len(self.records)} deliveries, {self.seconds:.0f} s"
            + (f", {self.sync_errors} sync errors" if self.sync_errors else ""),
            "",
            "Median |RE| by earlier deliveries of the SKU × role (as quoted):",
            f"  {'prior':>5} {'n':>4} {'catalog':>9} {'calibrated':>11}",
        ]
        for point in self.curve():
            out.append(
                f"  {point.prior:>5} {point.n:>4} {_p(point.catalog):>9} {_p(point.calibrated):>11}"
            )
        cat, cal = self.summary()
        out += ["", f"After >= {MIN_PRIOR} earlier deliveries (n = {cat.n}):"]
        out.append(f"  {'':<11} {'median|RE|':>10} {'bias':>8} {'PRED(25)':>9}")
        for name, s in (("catalog", cat), ("calibrated", cal)):
            out.append(f"  {name:<11} {_p(s.median_abs):>10} {_p(s.bias):>8} {_p(s.pred25):>9}")
        out += ["", "Per SKU after >= 5 (median |RE| catalog → calibrated, bias):"]
        for sku in self.skus():
            c, k = self.summary(sku=sku)
            if c.n:
                out.append(
                    f"  {sku:<7} n={c.n:<4} {_p(c.median_abs):>7} → {_p(k.median_abs):>7}"
                    f"   bias {_p(c.bias):>7} → {_p(k.bias):>7}"
                )
        if self.workbook is not None:
            out += ["", f"Chart and data: {self.workbook}"]
        return out

    def to_json(self) -> dict[str, Any]:
        cat, cal = self.summary()
        return {
            "root": str(self.root),
            "engagements": len({r.engagement for r in self.records}),
            "deliveries": len(self.records),
            "curve": [
                {
                    "prior": c.prior,
                    "n": c.n,
                    "catalog": _s(c.catalog),
                    "calibrated": _s(c.calibrated),
                }
                for c in self.curve()
            ],
            "after_5": {"catalog": cat.to_json(), "calibrated": cal.to_json()},
            "backtest": self.backtest.to_json() if self.backtest else None,
            "workbook": str(self.workbook) if self.workbook else None,
        }


# --- the simulated world ---------------------------------------------------------------


def _uplift(catalog: m.Catalog, codes: Sequence[str]) -> Decimal:
    uplifts = catalog.risk_uplifts()
    return sum((uplifts.get(c, ZERO) for c in dict.fromkeys(codes)), ZERO)


def plan_firm(catalog: m.Catalog, config: SimConfig) -> list[Planned]:
    """The engagements of the simulated firm, in StartDate order (deterministic)."""
    rng = random.Random(config.seed)
    roles: dict[str, list[tuple[str, Decimal]]] = {}
    for line in catalog.services:
        roles.setdefault(line.sku, []).append((line.role, line.hours))
    skus = [s for s in roles if s in config.bias]
    multipliers = catalog.complexity_levels()
    risk_codes = [r.code for r in catalog.risks]
    mondays = sorted(rng.sample(range(config.weeks), config.engagements))
    counts: dict[str, int] = {}
    out: list[Planned] = []
    for week in mondays:
        prefix, client = rng.choice(CLIENTS)
        counts[prefix] = counts.get(prefix, 0) + 1
        code = f"{prefix}-{counts[prefix]:02d}"
        scope_risks = [rng.choice(risk_codes)] if risk_codes and rng.random() < 0.3 else []
        picked = rng.sample(skus, rng.randint(config.min_deliverables, config.max_deliverables))
        deliverables: list[m.Deliverable] = []
        true_hours: dict[tuple[str, str], Decimal] = {}
        for i, sku in enumerate(picked, start=1):
            low, high = QUANTITIES.get(sku, (1, 3))
            level = rng.choices(["Low", "Medium", "High"], weights=[1, 2, 1])[0]
            risks = [rng.choice(risk_codes)] if risk_codes and rng.random() < 0.2 else []
            d = m.Deliverable(
                deliverable=f"D{i}",
                sku=sku,
                description=f"{sku} for {client}",
                quantity=Decimal(rng.randint(low, high)),
                complexity=level,
                risks=risks,
            )
            deliverables.append(d)
            factor = (
                d.quantity
                * multipliers.get(level.casefold(), Decimal(1))
                * (1 + _uplift(catalog, [*risks, *scope_risks]))
            )
            for role, hours in roles[sku]:
                truth = float(hours * factor) * (1 + config.bias[sku])
                truth *= math.exp(rng.gauss(0.0, config.noise))
                true_hours[(d.deliverable, role)] = max(HALF, _half(truth))
        total = float(sum(true_hours.values(), ZERO))
        weeks = min(12, max(2, math.ceil(total / 80)))
        start = config.first_monday + timedelta(weeks=week)
        scope = m.Scope(
            info=m.ScopeInfo(
                engagement=code,
                client=client,
                title=f"{client}: {', '.join(picked)}",
                start_date=start,
                end_date=start + timedelta(weeks=weeks, days=-3),
                billing_model=rng.choice(
                    [m.BillingModel.TIME_AND_MATERIALS, m.BillingModel.FIXED_FEE]
                ),
                status=m.Status.SOLD,
                estimate_basis=m.EstimateBasis.P50,
                risks=scope_risks,
                currency=catalog.settings.currency,
            ),
            deliverables=deliverables,
            assumptions=[m.Assumption(id="A1", assumption=f"{client} provides a sponsor")],
        )
        out.append(Planned(scope=scope, true_hours=true_hours, weeks=weeks))
    return out


def _half(hours: float) -> Decimal:
    return Decimal(round(hours * 2)) / 2


def timesheets_for(planned: Planned, busy: dict[str, set[date]]) -> list[m.Timesheet]:
    """The true hours as weekly timesheets: per role, enough people free for the whole
    engagement (person codes ROLE1, ROLE2, …; ``busy`` says who is taken when), each
    week filled up to 40 hours, each day up to 8."""
    info = planned.scope.info
    assert info.start_date is not None
    weeks = [info.start_date + timedelta(weeks=w) for w in range(planned.weeks)]
    by_role: dict[str, list[tuple[str, Decimal]]] = {}
    for (deliverable, role), hours in planned.true_hours.items():
        by_role.setdefault(role, []).append((deliverable, hours))
    sheets: list[m.Timesheet] = []
    for role, chunks in by_role.items():
        total = sum((h for _d, h in chunks), ZERO)
        needed = math.ceil(total / (WEEK_HOURS * len(weeks)))
        people = _free_people(role, needed, weeks, busy)
        bins = [(week, person) for week in weeks for person in people]
        entries: dict[tuple[date, str], list[m.TimeEntry]] = {}
        slot, used = 0, ZERO
        for deliverable, hours in chunks:
            left = hours
            while left > ZERO:
                week, person = bins[slot]
                day = int(used // DAY_HOURS)
                take = min(left, DAY_HOURS * (day + 1) - used)
                entries.setdefault((week, person), []).append(
                    m.TimeEntry(
                        date=week + timedelta(days=day),
                        engagement=info.engagement,
                        deliverable=deliverable,
                        role=role,
                        hours=take,
                    )
                )
                left -= take
                used += take
                if used >= WEEK_HOURS:
                    slot, used = slot + 1, ZERO
        for (week, person), rows in entries.items():
            sheets.append(m.Timesheet(person=person, week=week, entries=rows))
    return sheets


def _free_people(
    role: str, needed: int, weeks: list[date], busy: dict[str, set[date]]
) -> list[str]:
    people: list[str] = []
    i = 0
    while len(people) < needed:
        i += 1
        code = f"{role}{i}"
        taken = busy.setdefault(code, set())
        if taken.isdisjoint(weeks):
            taken.update(weeks)
            people.append(code)
    return people


def staffed(catalog: m.Catalog, weeks: Sequence[Sequence[m.Timesheet]]) -> m.Catalog:
    """``catalog`` with every person the timesheets name in its People (in the role they
    book), after the ones it lists."""
    listed = {p.person for p in catalog.people}
    hired: dict[str, str] = {}
    for sheet in (s for sheets in weeks for s in sheets):
        if sheet.person not in listed and sheet.entries:
            hired.setdefault(sheet.person, sheet.entries[0].role)
    people = [m.Person(person=p, name=p, role=role) for p, role in sorted(hired.items())]
    return catalog.model_copy(update={"people": [*catalog.people, *people]})


# --- the loop -------------------------------------------------------------------------


def run_simulation(
    out: Path,
    config: SimConfig | None = None,
    progress: Progress | None = None,
    force: bool = False,
    workbook: bool = True,
) -> SimResult:
    """Run the simulated firm in ``out``/firm (a new workspace) and, with ``workbook``,
    write ``out``/accuracy.xlsx. Refuses a non-empty ``out``/firm unless ``force``."""
    from psos_xl.app.accuracy import open_existing_store, store_deliveries
    from psos_xl.app.new import workspace_catalog
    from psos_xl.demo.sample import init_workspace, sample_catalog
    from psos_xl.sync import sync_workspace
    from psos_xl.workbook.writers import Lists, write_catalog, write_scope, write_timesheet

    config = config or SimConfig()
    began = time.monotonic()
    root = out / "firm"
    if root.exists():
        if not force:
            raise PsosError(f"{root} exists: pass --force to replace the simulated firm")
        shutil.rmtree(root)
    ws = init_workspace(root, name="Simulated firm")
    plans = plan_firm(workspace_catalog(ws), config)
    busy: dict[str, set[date]] = {}
    weeks = [timesheets_for(plan, busy) for plan in plans]
    # everyone who books is on the staff: sync rejects the rows of anyone else
    write_catalog(ws.catalog_path, staffed(sample_catalog(), weeks))
    result = SimResult(root=ws.root, records=[])
    for i, (plan, sheets) in enumerate(zip(plans, weeks, strict=True), start=1):
        scope = plan.scope
        code = scope.info.engagement
        if progress is not None:
            progress(i - 1, len(plans), code)
        catalog = workspace_catalog(ws)  # as the last sync left it, Actuals included
        path = write_scope(ws.scopes_dir / f"{code}.xlsx", scope, catalog)
        result.records.extend(_quoted(catalog, path, plan))
        lists = Lists.from_catalog(catalog, [scope])
        for sheet in sheets:
            assert sheet.week is not None
            target = ws.timesheets_dir / sheet.person / f"{sheet.person}-{sheet.week}.xlsx"
            write_timesheet(target, sheet, lists)
        done = scope.model_copy(
            update={"info": scope.info.model_copy(update={"status": m.Status.COMPLETED})}
        )
        write_scope(path, done, catalog)
        synced = sync_workspace(ws.root)
        result.sync_errors += sum(1 for issue in synced.issues if issue.is_error)
    if progress is not None:
        progress(len(plans), len(plans), "")
    store = open_existing_store(ws)
    try:
        stored_catalog, deliveries = store_deliveries(store)
    finally:
        store.close()
    result.backtest = accuracy(stored_catalog, deliveries)
    result.seconds = time.monotonic() - began
    if workbook:
        result.workbook = write_accuracy_workbook(out / "accuracy.xlsx", result)
    return result


def _quoted(catalog: m.Catalog, path: Path, plan: Planned) -> list[Record]:
    """Price the scope as written at ``path`` both ways; one record per delivery."""
    from psos_xl.workbook.readers import read_scope

    scope, issues = read_scope(path)
    if scope is None:
        raise PsosError(f"{path} cannot be read back: {issues}")
    on_p50 = price(catalog, scope, m.EstimateBasis.P50)
    on_catalog = {
        (q.deliverable, q.role): q.hours
        for q in price(catalog, scope, m.EstimateBasis.CATALOG).lines
    }
    history = {(a.sku, a.role): a.deliveries for a in catalog.actuals}
    skus = {d.deliverable: d.sku for d in scope.deliverables}
    info = scope.info
    assert info.start_date is not None
    out: list[Record] = []
    for line in on_p50.lines:
        key = (line.deliverable, line.role)
        out.append(
            Record(
                engagement=info.engagement,
                start=info.start_date,
                deliverable=line.deliverable,
                sku=skus[line.deliverable],
                role=line.role,
                prior=history.get((skus[line.deliverable], line.role), 0),
                basis=str(line.basis),
                catalog_estimate=on_catalog[key],
                calibrated_estimate=line.hours,
                actual=plan.true_hours[key],
            )
        )
    return out


# --- the accuracy workbook --------------------------------------------------------------


def write_accuracy_workbook(path: Path, result: SimResult) -> Path:
    """Curve (data + a native line chart), Summary and Deliveries sheets."""
    from openpyxl import Workbook
    from openpyxl.chart import LineChart, Reference, Series

    from psos_xl.workbook.styles import printable

    wb = Workbook()
    ws = wb.active
    ws.title = "Curve"
    curve = result.curve()
    _table(
        ws,
        "Curve",
        ["PriorDeliveries", "Deliveries", "CatalogMedianAbsRE", "CalibratedMedianAbsRE"],
        [[c.prior, c.n, float(c.catalog), float(c.calibrated)] for c in curve],
        {3: "0.0%", 4: "0.0%"},
    )
    chart = LineChart()
    chart.title = "Median |RE| by earlier deliveries of the SKU × role"
    chart.x_axis.title = "earlier deliveries of the SKU × role"
    chart.y_axis.title = "median |RE|"
    chart.y_axis.number_format = "0%"
    chart.height, chart.width = 9, 18
    chart.legend.position = "b"
    last = HEADER_ROW + len(curve)
    for column, name, symbol in CHART_SERIES:
        values = Reference(ws, min_col=column, min_row=HEADER_ROW + 1, max_row=last)
        series = Series(values, title=name)
        series.smooth = False  # straight segments: the points are measurements
        series.marker.symbol = symbol
        series.marker.size = 7
        chart.series.append(series)
    chart.set_categories(Reference(ws, min_col=1, min_row=HEADER_ROW + 1, max_row=last))
    chart.x_axis.delete = False  # openpyxl leaves it unset, and some viewers hide the axes
    chart.y_axis.delete = False
    ws.add_chart(chart, "G2")

    summary = wb.create_sheet("Summary")
    srows: list[list[Any]] = []
    for sku in [None, *result.skus()]:
        cat, cal = result.summary(sku=sku)
        if cat.n:
            srows.append(
                [sku or "(all)", cat.n]
                + [_f(x) for x in (cat.median_abs, cat.bias, cat.pred25)]
                + [_f(x) for x in (cal.median_abs, cal.bias, cal.pred25)]
            )
    _table(
        summary,
        "Summary",
        SUMMARY_HEADERS,
        srows,
        {c: "0.0%" for c in range(3, 9)},
    )
    summary["A1"].value = f"After ≥ {MIN_PRIOR} earlier deliveries of the same SKU × role"

    data = wb.create_sheet("Deliveries")
    _table(
        data,
        "Deliveries",
        DELIVERY_HEADERS,
        [
            [
                r.engagement,
                r.start,
                r.deliverable,
                r.sku,
                r.role,
                r.prior,
                r.basis,
                float(r.catalog_estimate),
                float(r.calibrated_estimate),
                float(r.actual),
                float(round2(r.catalog_re * 100) / 100),
                float(round2(r.calibrated_re * 100) / 100),
            ]
            for r in result.records
        ],
        {2: "yyyy-mm-dd", 11: "0.0%", 12: "0.0%"},
    )
    for sheet in wb.worksheets:
        # the Curve sheet: its data and the chart beside it (to column Q) on one page
        chart_sheet = sheet is ws
        printable(
            sheet,
            title_row=HEADER_ROW,
            header="Accuracy",
            span_rows=(),
            one_page=chart_sheet,
            last_col=CHART_LAST_COL if chart_sheet else None,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _table(
    ws: Any, name: str, headers: list[str], rows: list[list[Any]], formats: dict[int, str]
) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    first = HEADER_ROW  # a title in row 1
    for j, header in enumerate(headers, start=1):
        ws.cell(row=first, column=j, value=header)
        ws.column_dimensions[get_column_letter(j)].width = max(12, len(header) + 2)
    for i, row in enumerate(rows, start=first + 1):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j, value=value)
            if j in formats:
                cell.number_format = formats[j]
    ws.cell(row=1, column=1, value=name)
    last = first + max(len(rows), 1)
    table = Table(displayName=f"Sim{name}", ref=f"A{first}:{get_column_letter(len(headers))}{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)


def _r4(value: Decimal) -> Decimal:
    from psos_xl.learning import round4

    return round4(value)


def _s(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _p(value: Decimal | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"
