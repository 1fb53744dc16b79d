"""One JSON convention in every command's ``--json``: each Decimal a string, each count
an integer, each location a cell (``workbook!sheet!cell``, or a workbook or sheet when
there is no cell), each date an ISO string, no float anywhere (:mod:`cli.run`).
``psos demo --json`` is held to it in test_demo.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from sync.test_write_back import build_firm

from cli.run import LOCATION, assert_json_convention, psos_json
from cli.test_report import build_firm as build_delivered_firm

ISSUE_LOCATIONS = ("location",)


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scopes, timesheets with rejected rows, a conflicted copy, a damaged workbook."""
    return build_firm(tmp_path_factory.mktemp("json") / "firm")


def test_sync(firm: Path) -> None:
    data = psos_json("sync", firm, exit_code=1)
    counts = ("scanned", "unchanged", "read", "skipped", "rows", "rejected_rows", "conflicts")
    assert_json_convention(data, counts=counts, locations=ISSUE_LOCATIONS)
    assert data["issues"]


def test_validate(firm: Path) -> None:
    data = psos_json("validate", firm, exit_code=1)
    assert_json_convention(data, locations=ISSUE_LOCATIONS)
    assert data["issues"] and all(LOCATION.match(i["location"]) for i in data["issues"])


def test_price(firm: Path) -> None:
    data = psos_json("price", firm / "scopes" / "acme.xlsx", exit_code=None)
    decimals = (
        "hours",
        "cost",
        "list",
        "price",
        "discount",
        "contingency",
        "margin",
        "target_margin",
        "cost_rate",
        "bill_rate",
    )
    assert_json_convention(
        data, decimals=decimals, dates=("rates_on", "rate_from"), locations=("location", "rate_at")
    )
    assert all(line["rate_at"].startswith("catalog.xlsx!Roles!") for line in data["lines"])


def test_doctor(firm: Path) -> None:
    data = psos_json("doctor", firm, exit_code=1)
    assert_json_convention(data, locations=ISSUE_LOCATIONS)
    assert data["findings"]


def test_report_accuracy(tmp_path: Path) -> None:
    root = build_delivered_firm(tmp_path / "firm", min_deliveries=1, min_history=1)
    data = psos_json("report", "accuracy", root)
    assert_json_convention(
        data,
        decimals=("mmre", "pred25", "bias", "median_abs_re", "calibration_prior", "pred_limit"),
        counts=(
            "n",
            "deliveries",
            "engagements",
            "min_history",
            "calibration_min_deliveries",
            "prior",
        ),
    )
    assert data["calibration_prior"] == "3"  # as typed in the catalog, not "3.0"


def test_new_scope_from_memory(tmp_path: Path) -> None:
    root = build_delivered_firm(tmp_path / "firm", draft=False)
    ranked = psos_json("new", "scope", "-w", root, "--closest", "--skus", "MIGR:5,DISC")
    assert_json_convention(ranked, decimals=("score",), locations=("location",))
    made = psos_json(
        "new", "scope", "-w", root, "--like", "BRV-01", "--engagement", "NEW-01",
        "--client", "Nova", "--title", "Migration",
    )  # fmt: skip
    assert_json_convention(
        made,
        decimals=("quantity", "price_catalog", "price_calibrated", "change"),
        dates=("start_date", "end_date"),
        locations=("location",),
    )


def test_completeness_approve_and_lock(tmp_path: Path) -> None:
    from app.test_completeness import PEOPLE, WEEKS, week_of_time
    from wb import CATALOG_TABLES, make_workbook

    root = tmp_path / "firm"
    (root / "scopes").mkdir(parents=True)
    make_workbook(root / "catalog.xlsx", "catalog", {**CATALOG_TABLES, "People": PEOPLE})
    (root / "psos.toml").write_text('[workspace]\ntrack_from = "2026-10-05"\n', encoding="utf-8")
    week_of_time(root / "timesheets" / "LM" / "LM-w1.xlsx", "LM", WEEKS[0], 7)
    psos_json("sync", root, exit_code=0)
    gaps = psos_json("report", "completeness", root, "--as-of", "2026-10-19", exit_code=1)
    assert_json_convention(gaps, decimals=("booked", "capacity"), dates=("as_of", "week"))
    assert {r["code"] for r in gaps["rows"]} == {"SHORT_WEEK", "MISSING_TIMESHEET"}
    approved = psos_json("approve", root, "--week", "2026-10-05", "--by", "Mia")
    assert_json_convention(approved, counts=("rows",), dates=("week",))
    assert approved["approved"][0]["rows"] == 5
    locked = psos_json("lock", root, "--until", "2026-10-11", "--by", "Mia")
    assert_json_convention(locked, dates=("locked_until", "until", "at"))


def test_report_utilization(tmp_path: Path) -> None:
    from app.test_utilization import build

    root = build(tmp_path / "firm")
    for by in ("week", "month"):
        data = psos_json("report", "utilization", root, "--as-of", "2026-10-19", "--by", by)
        decimals = ("capacity", "leave", "available", "billable", "non_billable")
        assert_json_convention(
            data, decimals=(*decimals, "utilization", "target"), dates=("as_of", "period")
        )
        assert set(data) == {"as_of", "rows"} and data["rows"]
        keys = {"person", "period", *decimals, "utilization", "target"}
        assert all(set(row) == keys for row in data["rows"])
