"""A small firm whose economics are computed by hand (DESIGN §13, §14).

November 2026, four weeks, reported as of Monday 2026-11-30:

- **people**: AN (SA, 40 h, target 80 %), BO (DE, part-time 20 h, target 70 %), CY (DE,
  40 h, target 85 %, two days of LEAVE in the week of 11-16);
- **rates**: SA costs 50 and bills 100 until 2026-11-15, then 60 and 120 (a rate change in
  the middle of every engagement); DE costs 40 and bills 80;
- **engagements**, all started 2026-11-02 (so priced at SA 50/100), one per billing model:

  ========  ================  ========  ==========  =========================================
  code      model             status    EndDate     deliverables
  ========  ================  ========  ==========  =========================================
  TM-01     TimeAndMaterials  Active    2026-12-31  D1 BUILD (SA 10 h, DE 30 h); Discount 10 %
  FF-01     FixedFee          Active    2026-12-18  D1 MIGR × 2 (DE 40 h), PercentComplete 50 %
  MS-01     Milestone         Active    2026-11-27  D1 DISC (SA 10 h) M1 completed 2026-11-13;
                                                    D2 MIGR (DE 20 h) M2 open (overdue)
  RT-01     Retainer          Sold      2027-01-31  D1 DISC × 3 (SA 30 h), Nov–Jan
  DR-01     TimeAndMaterials  Draft     2027-01-29  D1 BUILD, Probability 50 %, from 2026-12-07
  ========  ================  ========  ==========  =========================================

- **time** (:data:`TIME`) and **expenses** (:data:`EXPENSES`): a non-billable row on a
  client engagement, INTERNAL, LEAVE, a billable and a non-billable expense.

:func:`build` writes it as a workspace (catalog, scopes, timesheets) and syncs it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from psos_xl import models as m

D = Decimal
NO_DISCOUNT = Decimal(0)
AS_OF = date(2026, 11, 30)
W1, W2, W3, W4 = (date(2026, 11, 2) + timedelta(weeks=i) for i in range(4))
RATE_CHANGE = date(2026, 11, 16)
PROBABILITY = D("0.5")  # DR-01's ScopeInfo Probability


def day(week: date, n: int) -> date:
    """The ``n``-th day (0 = Monday) of ``week``."""
    return week + timedelta(days=n)


def catalog() -> m.Catalog:
    return m.Catalog(
        roles=[
            m.RoleRate(
                role="SA",
                name="Solution architect",
                cost_rate=D(50),
                bill_rate=D(100),
                currency="EUR",
                effective_from=date(2024, 1, 1),
            ),
            m.RoleRate(
                role="SA",
                name="Solution architect",
                cost_rate=D(60),
                bill_rate=D(120),
                currency="EUR",
                effective_from=RATE_CHANGE,
            ),
            m.RoleRate(
                role="DE",
                name="Data engineer",
                cost_rate=D(40),
                bill_rate=D(80),
                currency="EUR",
                effective_from=date(2024, 1, 1),
            ),
        ],
        services=[
            m.ServiceLine(sku="DISC", name="Discovery", role="SA", hours=D(10)),
            m.ServiceLine(sku="MIGR", name="Migration", role="DE", hours=D(20)),
            m.ServiceLine(sku="BUILD", name="Build", role="SA", hours=D(10)),
            m.ServiceLine(sku="BUILD", name="Build", role="DE", hours=D(30)),
        ],
        complexity=[
            m.ComplexityLevel(level="Low", multiplier=D("0.75")),
            m.ComplexityLevel(level="Medium", multiplier=D(1)),
            m.ComplexityLevel(level="High", multiplier=D("1.5")),
        ],
        risks=[m.Risk(code="DATAQ", description="Data quality", uplift=D("0.20"))],
        settings=m.CatalogSettings(currency="EUR", fixed_fee_contingency=D("0.10")),
        people=[
            m.Person(
                person="AN",
                name="Ana",
                role="SA",
                capacity_hours_per_week=D(40),
                utilization_target=D("0.80"),
                start_date=date(2025, 1, 1),
            ),
            m.Person(
                person="BO",
                name="Bo",
                role="DE",
                capacity_hours_per_week=D(20),
                utilization_target=D("0.70"),
                start_date=date(2025, 1, 1),
            ),
            m.Person(
                person="CY",
                name="Cy",
                role="DE",
                capacity_hours_per_week=D(40),
                utilization_target=D("0.85"),
                start_date=date(2025, 1, 1),
            ),
        ],
    )


def _scope(
    code: str,
    model: m.BillingModel,
    status: m.Status,
    end: date,
    deliverables: list[m.Deliverable],
    start: date = W1,
    discount: Decimal = NO_DISCOUNT,
    probability: Decimal | None = None,
) -> m.Scope:
    return m.Scope(
        info=m.ScopeInfo(
            engagement=code,
            client=f"Client {code[:2]}",
            title=f"{code} {model.value}",
            start_date=start,
            end_date=end,
            billing_model=model,
            discount=discount,
            status=status,
            currency="EUR",
            probability=probability,
        ),
        deliverables=deliverables,
    )


def scopes() -> list[m.Scope]:
    BM, S, Dv = m.BillingModel, m.Status, m.Deliverable
    return [
        _scope(
            "TM-01",
            BM.TIME_AND_MATERIALS,
            S.ACTIVE,
            date(2026, 12, 31),
            [Dv(deliverable="D1", sku="BUILD")],
            discount=D("0.10"),
        ),
        _scope(
            "FF-01",
            BM.FIXED_FEE,
            S.ACTIVE,
            date(2026, 12, 18),
            [Dv(deliverable="D1", sku="MIGR", quantity=D(2), percent_complete=D("0.5"))],
        ),
        _scope(
            "MS-01",
            BM.MILESTONE,
            S.ACTIVE,
            date(2026, 11, 27),
            [
                Dv(deliverable="D1", sku="DISC", milestone="M1", completed_on=date(2026, 11, 13)),
                Dv(deliverable="D2", sku="MIGR", milestone="M2"),
            ],
        ),
        _scope(
            "RT-01",
            BM.RETAINER,
            S.SOLD,
            date(2027, 1, 31),
            [Dv(deliverable="D1", sku="DISC", quantity=D(3))],
            start=date(2026, 11, 1),
        ),
        _scope(
            "DR-01",
            BM.TIME_AND_MATERIALS,
            S.DRAFT,
            date(2027, 1, 29),
            [Dv(deliverable="D1", sku="BUILD")],
            start=date(2026, 12, 7),
            probability=PROBABILITY,
        ),
    ]


# person → [(date, engagement, deliverable, role, hours, billable)]
TIME: dict[str, list[tuple[date, str, str, str, str, bool]]] = {
    "AN": [
        (day(W1, 0), "TM-01", "D1", "SA", "8", True),
        (day(W1, 1), "MS-01", "D1", "SA", "8", True),
        (day(W2, 0), "MS-01", "D1", "SA", "4", True),
        (day(W3, 0), "TM-01", "D1", "SA", "6", True),  # at the new rate: 60 / 120
        (day(W3, 1), "RT-01", "D1", "SA", "5", True),
        (day(W3, 2), "INTERNAL", "", "SA", "3", False),
        (day(W4, 0), "TM-01", "D1", "SA", "2", False),  # non-billable on a client engagement
    ],
    "BO": [
        (day(W1, 0), "FF-01", "D1", "DE", "10", True),
        (day(W2, 0), "FF-01", "D1", "DE", "10", True),
        (day(W3, 0), "TM-01", "D1", "DE", "12", True),
        (day(W4, 0), "MS-01", "D2", "DE", "8", True),
    ],
    "CY": [
        (day(W1, 0), "TM-01", "D1", "DE", "20", True),
        (day(W2, 0), "FF-01", "D1", "DE", "8", True),
        (day(W3, 0), "LEAVE", "", "DE", "8", False),
        (day(W3, 1), "LEAVE", "", "DE", "8", False),
        (day(W3, 2), "TM-01", "D1", "DE", "10", True),
        (day(W4, 0), "MS-01", "D2", "DE", "6", True),
    ],
}

# person → [(date, engagement, category, amount, billable)]
EXPENSES: dict[str, list[tuple[date, str, str, str, bool]]] = {
    "AN": [(day(W1, 2), "TM-01", "Travel", "120.00", True)],
    "CY": [(day(W2, 1), "FF-01", "Hotel", "80.00", False)],
}


def timesheets() -> list[m.Timesheet]:
    """One timesheet per person × week that has time or expenses."""
    sheets: dict[tuple[str, date], m.Timesheet] = {}

    def sheet(person: str, on: date) -> m.Timesheet:
        week = on - timedelta(days=on.weekday())
        return sheets.setdefault((person, week), m.Timesheet(person=person, week=week))

    for person, rows in TIME.items():
        for on, engagement, deliverable, role, hours, billable in rows:
            sheet(person, on).entries.append(
                m.TimeEntry(
                    date=on,
                    engagement=engagement,
                    deliverable=deliverable,
                    role=role,
                    hours=D(hours),
                    billable=billable,
                )
            )
    for person, items in EXPENSES.items():
        for on, engagement, category, amount, billable in items:
            sheet(person, on).expenses.append(
                m.Expense(
                    date=on,
                    engagement=engagement,
                    category=category,
                    amount=D(amount),
                    currency="EUR",
                    billable=billable,
                )
            )
    return [sheets[k] for k in sorted(sheets)]


def build(root: Path) -> Path:
    """The firm as a synced workspace at ``root``."""
    from psos_xl.demo.sample import init_workspace
    from psos_xl.sync import sync_workspace
    from psos_xl.workbook.writers import Lists, write_catalog, write_scope, write_timesheet

    init_workspace(root, name="Economics firm")
    cat = catalog()
    write_catalog(root / "catalog.xlsx", cat)
    for s in scopes():
        write_scope(root / "scopes" / f"{s.info.engagement}.xlsx", s, cat)
    lists = Lists.from_catalog(cat)
    for t in timesheets():
        assert t.week is not None
        write_timesheet(root / "timesheets" / f"{t.person}-{t.week.isoformat()}.xlsx", t, lists)
    result = sync_workspace(root)
    errors = [i for i in result.issues if i.is_error]
    assert not errors, errors
    return root
