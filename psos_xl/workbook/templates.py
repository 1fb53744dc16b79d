"""The template workbooks shipped in ``workbooks/``, generated from code.

``python -m psos_xl.workbook.templates workbooks`` (``make templates``) writes
catalog.xlsx, scope.xlsx, scope.xlsm (the same scope, macro-enabled, for Excel's
Import Functions) and timesheet.xlsx; a test fails when the checked-in files
differ from what this module generates. ``psos new`` starts from the same models.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from psos_xl import models as m
from psos_xl.workbook.writers import (
    Lists,
    settings_rows,
    write_catalog,
    write_scope,
    write_timesheet,
)

CATALOG_FILE = "catalog.xlsx"
SCOPE_FILE = "scope.xlsx"
SCOPE_MACRO_FILE = "scope.xlsm"
TIMESHEET_FILE = "timesheet.xlsx"
DEFAULT_COMPLEXITY = (("Low", Decimal("0.75")), ("Medium", Decimal(1)), ("High", Decimal("1.5")))
_EXAMPLE_START = date(2026, 1, 5)


def template_catalog() -> m.Catalog:
    """Default complexity levels, every setting at its default and one example row in
    Roles, Services and Risks, for the firm to overwrite."""
    settings = m.CatalogSettings()
    return m.Catalog(
        roles=[
            m.RoleRate(
                role="SA",
                name="Solution Architect",
                cost_rate=Decimal(95),
                bill_rate=Decimal(190),
                currency=settings.currency,
                effective_from=date(2026, 1, 1),
            )
        ],
        services=[
            m.ServiceLine(sku="DISC", name="Discovery workshop", role="SA", hours=Decimal(16))
        ],
        complexity=[m.ComplexityLevel(level=k, multiplier=v) for k, v in DEFAULT_COMPLEXITY],
        risks=[
            m.Risk(code="NEWTECH", description="New or unproven technology", uplift=Decimal("0.15"))
        ],
        settings=settings,
        settings_rows=settings_rows(settings),
    )


def template_scope() -> m.Scope:
    """A Draft scope with every ScopeInfo field filled with an example value."""
    return m.Scope(
        info=m.ScopeInfo(
            engagement="CLIENT-001",
            client="Example Client Ltd",
            title="Discovery and solution design",
            start_date=_EXAMPLE_START,
            end_date=date(2026, 2, 27),
            billing_model=m.BillingModel.TIME_AND_MATERIALS,
            discount=Decimal(0),
            status=m.Status.DRAFT,
            estimate_basis=m.EstimateBasis.CATALOG,
            risks=["NEWTECH"],
            currency=m.CatalogSettings().currency,
            probability=Decimal("0.5"),
        ),
        deliverables=[
            m.Deliverable(
                deliverable="D1",
                sku="DISC",
                description="Discovery workshop and findings report",
                quantity=Decimal(1),
                complexity="Medium",
                milestone="M1",
            )
        ],
        assumptions=[
            m.Assumption(
                id="A1",
                assumption="The client names one decision maker, available every week.",
                owner="Client",
                impact_if_false="Decisions slip and the plan is re-baselined.",
            )
        ],
    )


def template_timesheet() -> m.Timesheet:
    """A blank week: ``psos new timesheet`` fills in the person and the Monday."""
    return m.Timesheet()


def build_templates(out_dir: Path) -> list[Path]:
    """Write the template workbooks into ``out_dir``; returns their paths."""
    catalog = template_catalog()
    return [
        write_catalog(out_dir / CATALOG_FILE, catalog),
        write_scope(out_dir / SCOPE_FILE, template_scope(), catalog),
        write_scope(out_dir / SCOPE_MACRO_FILE, template_scope(), catalog),
        write_timesheet(
            out_dir / TIMESHEET_FILE, template_timesheet(), Lists.from_catalog(catalog)
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m psos_xl.workbook.templates OUT_DIR", file=sys.stderr)
        return 2
    for path in build_templates(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
