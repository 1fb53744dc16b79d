"""The economics firm (:mod:`tests.econfirm`) as a firm that invoices (DESIGN §14).

The same people, rates, engagements, time and expenses, with ``TaxRate`` 20 % in the
catalog's Settings. Invoiced through Monday 2026-11-30 (:data:`THROUGH`), by hand:

- **TM-01** (T&M, Discount 10 %): SA 8 h on 11-02 at 100 → 90 = 720.00; SA 6 h on 11-16
  at the new rate 120 → 108 = 648.00; DE 12 + 20 + 10 = 42 h at 80 → 72 = 3,024.00 (the
  2 h non-billable row is not billed); AN's Travel expense 120.00 → net 4,512.00, tax
  902.40, gross 5,414.40;
- **FF-01** (FixedFee, DE 40 h: cost 1,600, price 3,200 × 1.10 = 3,520): 28 h booked at
  cost 40 = 1,120, 70 % of the baseline cost → 2,464.00 (CY's Hotel is not billable);
- **MS-01** (Milestone, price (1,000 + 1,600) × 1.10 = 2,860): M1 (D1, completed
  11-13) takes 2,860 × 1,000 / 2,600 = 1,100.00; M2 is open;
- **RT-01** (Retainer, SA 30 h at 100 = 3,000 over Nov–Jan): November 1,000.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import econfirm

from psos_xl import models as m

D = Decimal
THROUGH = date(2026, 11, 30)
ISSUED = date(2026, 12, 1)
TAX_RATE = D("0.20")


def catalog() -> m.Catalog:
    cat = econfirm.catalog()
    return cat.model_copy(
        update={"settings": cat.settings.model_copy(update={"tax_rate": TAX_RATE})}
    )


def build(root: Path, config: dict[str, str] | None = None) -> Path:
    """The firm as a synced workspace at ``root`` (``config``: more psos.toml keys)."""
    from psos_xl.demo.sample import init_workspace
    from psos_xl.sync import sync_workspace
    from psos_xl.workbook.writers import Lists, write_catalog, write_scope, write_timesheet

    init_workspace(root, name="Billing firm", settings=config)
    cat = catalog()
    write_catalog(root / "catalog.xlsx", cat)
    for s in econfirm.scopes():
        write_scope(root / "scopes" / f"{s.info.engagement}.xlsx", s, cat)
    lists = Lists.from_catalog(cat)
    for t in econfirm.timesheets():
        assert t.week is not None
        write_timesheet(timesheet_path(root, t.person, t.week), t, lists)
    result = sync_workspace(root)
    errors = [i for i in result.issues if i.is_error]
    assert not errors, errors
    return root


def timesheet_path(root: Path, person: str, week: date) -> Path:
    return root / "timesheets" / f"{person}-{week.isoformat()}.xlsx"


def edit_cy_week3(root: Path, hours: str) -> None:
    """CY's TM-01 row of the week of 11-16 (row 6 of its Time sheet) now says ``hours``."""
    from psos_xl.workbook.writers import Lists, write_timesheet

    lists = Lists.from_catalog(catalog())
    for t in econfirm.timesheets():
        if (t.person, t.week) == ("CY", econfirm.W3):
            t.entries = [
                e.model_copy(update={"hours": D(hours)}) if e.engagement == "TM-01" else e
                for e in t.entries
            ]
            write_timesheet(timesheet_path(root, "CY", econfirm.W3), t, lists)
