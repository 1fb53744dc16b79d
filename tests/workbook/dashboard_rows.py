"""Hand-made report rows for the dashboard, shaped as each report's ``--json`` prints
them (DESIGN §13): three people over four weeks, four engagements (one under zero
margin, one with no revenue yet), burn lines crossing every alert, two roles over two
weeks (SA short of supply in the first), a missing and a short week."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from psos_xl.workbook.dashsheets import Section

D = Decimal
AS_OF = date(2026, 11, 30)
WEEKS = ("2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23")
BILLABLE = {"AN": ("30.00", "36.00", "20.00", "34.00"), "BO": ("15.00", "15.00", "15.00", "15.00")}
TARGETS = {"AN": "0.8", "BO": "0.7", "CY": "0.85"}


def _week(person: str, week: str, available: str, billable: str) -> dict[str, str | None]:
    return {
        "person": person,
        "period": week,
        "capacity": available,
        "leave": "0.00",
        "available": available,
        "billable": billable,
        "non_billable": "4.00",
        "utilization": str((D(billable) / D(available)).quantize(D("0.0001"))),
        "target": TARGETS[person],
    }


UTILIZATION = [
    *(_week("AN", w, "40.00", b) for w, b in zip(WEEKS, BILLABLE["AN"], strict=True)),
    *(_week("BO", w, "20.00", b) for w, b in zip(WEEKS, BILLABLE["BO"], strict=True)),
    *(_week("CY", w, "40.00", "36.00") for w in WEEKS),
]
PEOPLE = [
    _week("AN", "", "160.00", "120.00") | {"period": None},  # 75.0 % under 80 %
    _week("BO", "", "80.00", "60.00") | {"period": None},  # 75.0 % over 70 %
    _week("CY", "", "160.00", "144.00") | {"period": None},  # 90.0 % over 85 %
]
ORG = _week("AN", "", "400.00", "324.00") | {"person": "", "period": None, "target": "0.7900"}
MARGIN = [
    {
        "engagement": code,
        "billing_model": model,
        "revenue": revenue,
        "cost": cost,
        "margin": margin,
        "eac_hours": "40.00",
        "eac_cost": "1800.00",
        "forecast_margin": forecast,
        "baseline_price": "3240.00",
        "price": "3240.00",
    }
    for code, model, revenue, cost, margin, forecast in (
        ("TM-01", "TimeAndMaterials", "5400.00", "2600.00", "0.5185", "0.4444"),
        ("FF-01", "FixedFee", "3000.00", "3600.00", "-0.2000", "-0.0500"),
        ("MS-01", "Milestone", "1100.00", "800.00", "0.2727", "0.3100"),
        ("RT-01", "Retainer", "0.00", "0.00", None, "0.5000"),
    )
]
BURN = [
    {"engagement": e, "deliverable": d, "hours_pct": h, "cost_pct": c, "alert": a}
    for e, d, h, c, a in (
        ("TM-01", "", "0.8500", "0.9200", "≥90%"),
        ("TM-01", "D1", "0.8500", "0.9200", "≥90%"),
        ("FF-01", "", "1.1000", "1.2000", "EAC over budget"),
        ("FF-01", "D1", "1.1000", "1.2000", "≥100%"),
        ("MS-01", "", "0.4000", "0.3500", ""),
        ("MS-01", "D1", "0.8000", "0.7500", "≥80%"),
        ("MS-01", "D2", "0.1000", "0.0500", ""),
    )
]
FORECAST = [
    {
        "role": role,
        "week": week,
        "supply": supply,
        "demand": demand,
        "pipeline": pipeline,
        "gap": str(D(supply) - D(demand)),
        "overdue": overdue,
    }
    for role, week, supply, demand, pipeline, overdue in (
        ("SA", "2026-11-30", "40.00", "52.00", "4.00", True),
        ("SA", "2026-12-07", "40.00", "20.00", "8.00", False),
        ("DE", "2026-11-30", "60.00", "30.00", "0.00", False),
        ("DE", "2026-12-07", "60.00", "36.50", "0.00", False),
    )
]
COMPLETENESS = [
    {
        "person": "BO",
        "week": "2026-11-16",
        "code": "SHORT_WEEK",
        "booked": "12.00",
        "capacity": "20.00",
    },
    {
        "person": "CY",
        "week": "2026-11-23",
        "code": "MISSING_TIMESHEET",
        "booked": "0.00",
        "capacity": "40.00",
    },
]


def sections() -> list[Section]:
    return [
        Section("utilization", UTILIZATION, "weeks 2026-11-02 to 2026-11-29", PEOPLE, ORG),
        Section("margin", MARGIN),
        Section("burn", BURN),
        Section("forecast", FORECAST, "30 days from 2026-11-30"),
        Section("completeness", COMPLETENESS, "through the week of 2026-11-23"),
    ]
