"""The sample catalog a new workspace starts from, and ``init_workspace``."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from psos_xl.demo.sample import WorkspaceExistsError, init_workspace, sample_catalog
from psos_xl.errors import PsosError
from psos_xl.settings import CATALOG_SETTINGS
from psos_xl.workbook.readers import read_catalog
from psos_xl.workspace import Workspace


def test_sample_catalog_has_a_firms_worth_of_content() -> None:
    catalog = sample_catalog()
    assert catalog.settings.currency == "EUR"
    assert len(catalog.role_codes()) >= 6
    assert len(catalog.sku_codes()) >= 8
    for sku in catalog.sku_codes():
        assert 2 <= len(catalog.service_lines(sku)) <= 4, sku
    assert catalog.complexity_levels() == {
        "low": Decimal("0.75"),
        "medium": Decimal(1),
        "high": Decimal("1.5"),
    }
    uplifts = catalog.risk_uplifts()
    assert 4 <= len(uplifts) <= 6
    assert all(Decimal(0) < u <= Decimal("0.25") for u in uplifts.values())
    assert [s.key for s in catalog.settings_rows] == [d.key for d in CATALOG_SETTINGS]
    assert len(catalog.people) >= 10


def test_every_role_has_dated_rates_that_bill_above_cost() -> None:
    catalog = sample_catalog()
    dates: dict[str, list[date]] = defaultdict(list)
    for rate in catalog.roles:
        assert Decimal(0) < rate.cost_rate < rate.bill_rate, rate.role
        assert rate.currency == "EUR"
        dates[rate.role].append(rate.effective_from)
    for role, effective in dates.items():
        assert len(effective) >= 2, role
        assert len(set(effective)) == len(effective), role
        before, after = (
            catalog.rate_for(role, date(2025, 12, 31)),
            catalog.rate_for(role, date(2026, 1, 1)),
        )
        assert before is not None and after is not None, role
        assert after.bill_rate > before.bill_rate, role  # the 2026 rate change


def test_services_and_people_name_catalog_roles() -> None:
    catalog = sample_catalog()
    roles = catalog.role_codes()
    assert {s.role for s in catalog.services} <= roles
    assert {p.role for p in catalog.people} <= roles
    assert all(s.hours > 0 for s in catalog.services)
    assert len({p.person for p in catalog.people}) == len(catalog.people)
    assert {p.capacity_hours_per_week for p in catalog.people} <= {Decimal(32), Decimal(40)}
    assert any(p.end_date is not None for p in catalog.people)
    assert all(
        p.utilization_target is not None and 0 < p.utilization_target < 1 for p in catalog.people
    )


def test_init_workspace_creates_settings_catalog_and_folders(tmp_path: Path) -> None:
    root = tmp_path / "firm"
    ws = init_workspace(root, name="Acme Advisory")
    assert (root / "psos.toml").is_file()
    assert ws.catalog_path == root / "catalog.xlsx"
    assert ws.catalog_path.is_file()
    assert ws.scopes_dir.is_dir() and not any(ws.scopes_dir.iterdir())
    assert ws.timesheets_dir.is_dir() and not any(ws.timesheets_dir.iterdir())
    assert Workspace.load(root).name == "Acme Advisory"
    assert Workspace.find(ws.scopes_dir) == Workspace.load(root)


def test_written_catalog_reads_back_as_the_sample(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "firm")
    catalog, issues = read_catalog(ws.catalog_path)
    assert issues == []
    assert catalog is not None
    assert catalog.model_dump(exclude={"workbook"}) == sample_catalog().model_dump(
        exclude={"workbook"}
    )


def test_init_refuses_an_existing_workspace_unless_forced(tmp_path: Path) -> None:
    root = tmp_path / "firm"
    init_workspace(root)
    with pytest.raises(WorkspaceExistsError, match="already holds a workspace"):
        init_workspace(root)
    ws = init_workspace(root, name="Again", force=True)
    assert ws.name == "Again"


def test_init_refuses_a_folder_holding_only_a_catalog(tmp_path: Path) -> None:
    (tmp_path / "catalog.xlsx").write_bytes(b"")
    with pytest.raises(PsosError, match=r"catalog\.xlsx"):
        init_workspace(tmp_path)
    assert not (tmp_path / "psos.toml").exists()


def test_init_refuses_a_file_as_root(tmp_path: Path) -> None:
    target = tmp_path / "not-a-folder"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(PsosError, match="is a file"):
        init_workspace(target)
