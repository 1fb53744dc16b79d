"""The sample catalog of a mid-size IT consulting firm, and ``psos init``.

``sample_catalog()`` is what a new workspace starts from: plausible European rates with
dated rate changes, a service catalogue of typical delivery work, complexity levels,
risk uplifts, every firm setting and a small team. Partners then edit it in Excel.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

from psos_xl.errors import WorkspaceError
from psos_xl.models import (
    Catalog,
    CatalogSettings,
    ComplexityLevel,
    Person,
    Risk,
    RoleRate,
    ServiceLine,
)
from psos_xl.settings import WORKSPACE_FILE
from psos_xl.workbook.writers import settings_rows, write_catalog
from psos_xl.workspace import Workspace, write_config

CURRENCY = "EUR"
CATALOG_FILE = "catalog.xlsx"

# Role code → (name, [(effective from, cost rate, bill rate), ...]) in EUR per hour.
_ROLES: dict[str, tuple[str, list[tuple[date, str, str]]]] = {
    "PTR": (
        "Partner",
        [(date(2025, 1, 1), "140", "260"), (date(2026, 1, 1), "146", "275")],
    ),
    "EM": (
        "Engagement Manager",
        [(date(2025, 1, 1), "84", "165"), (date(2026, 1, 1), "88", "172")],
    ),
    "SA": (
        "Solution Architect",
        [
            (date(2025, 1, 1), "80", "160"),
            (date(2026, 1, 1), "84", "168"),
            (date(2026, 7, 1), "86", "175"),
        ],
    ),
    "SC": (
        "Senior Consultant",
        [(date(2025, 1, 1), "64", "135"), (date(2026, 1, 1), "67", "140")],
    ),
    "DEV": (
        "Consultant / Developer",
        [
            (date(2025, 1, 1), "50", "105"),
            (date(2026, 1, 1), "52", "110"),
            (date(2026, 7, 1), "54", "115"),
        ],
    ),
    "DE": (
        "Data Engineer",
        [(date(2025, 1, 1), "57", "120"), (date(2026, 1, 1), "60", "126")],
    ),
    "QA": (
        "QA / Test Analyst",
        [(date(2025, 1, 1), "42", "90"), (date(2026, 1, 1), "44", "95")],
    ),
    "TRN": (
        "Trainer",
        [(date(2025, 1, 1), "45", "95"), (date(2026, 1, 1), "47", "100")],
    ),
}

# SKU → (name, {role: base hours per unit at Medium complexity})
_SERVICES: dict[str, tuple[str, dict[str, str]]] = {
    "DISC": (
        "Discovery workshop (per workshop series)",
        {"EM": "8", "SA": "16", "SC": "12", "PTR": "4"},
    ),
    "DESIGN": (
        "Solution design (per solution area)",
        {"SA": "40", "SC": "16", "EM": "6"},
    ),
    "CONFIG": (
        "Platform configuration (per sprint)",
        {"SC": "56", "SA": "8", "DEV": "24"},
    ),
    "MIGR": (
        "Data migration (per data object)",
        {"DE": "40", "SC": "12", "QA": "10"},
    ),
    "INTEG": (
        "Integration build (per interface)",
        {"DEV": "40", "SA": "6", "QA": "10"},
    ),
    "REPORT": (
        "Report / dashboard build (per report)",
        {"DEV": "14", "DE": "6", "QA": "4"},
    ),
    "TEST": (
        "Testing cycle (per cycle)",
        {"QA": "40", "SC": "8", "DEV": "8"},
    ),
    "TRAIN": (
        "Training session (per session, incl. material)",
        {"TRN": "10", "SC": "3"},
    ),
    "GOLIVE": (
        "Go-live support (per week)",
        {"SC": "20", "DEV": "12", "EM": "4"},
    ),
    "PMO": (
        "Project management (per month)",
        {"EM": "32", "PTR": "4"},
    ),
}

_COMPLEXITY = (("Low", "0.75"), ("Medium", "1.0"), ("High", "1.5"))

_RISKS = (
    ("NEWTECH", "Technology new to the firm or to the client", "0.15"),
    ("DATAQ", "Data quality unknown or known to be poor", "0.20"),
    ("REMOTE", "Remote or offshore client team, time-zone overlap limited", "0.05"),
    ("REG", "Regulated industry: documentation and sign-off overhead", "0.10"),
    ("DEADLINE", "Fixed, tight deadline with no room to re-plan", "0.10"),
    ("VENDORS", "Several third-party vendors to coordinate", "0.08"),
)

_SETTINGS = CatalogSettings(
    currency=CURRENCY,
    fixed_fee_contingency=Decimal("0.12"),
    target_margin=Decimal("0.35"),
    calibration_min_deliveries=3,
)

# (person, name, role, capacity h/week, utilization target, start date, end date)
_PEOPLE: tuple[tuple[str, str, str, int, str, date, date | None], ...] = (
    ("HB", "Helena Brandt", "PTR", 40, "0.25", date(2014, 3, 1), None),
    ("MR", "Marco Rossi", "EM", 40, "0.70", date(2018, 9, 1), None),
    ("SL", "Sophie Laurent", "EM", 40, "0.70", date(2021, 2, 1), None),
    ("JV", "Jan de Vries", "SA", 40, "0.80", date(2017, 5, 15), None),
    ("LM", "Lucas Meyer", "SC", 40, "0.85", date(2019, 4, 1), None),
    ("AF", "Ana Ferreira", "SC", 40, "0.85", date(2020, 10, 1), None),
    ("EJ", "Emil Johansson", "DEV", 40, "0.85", date(2021, 8, 16), None),
    ("CD", "Clara Dubois", "DEV", 40, "0.85", date(2023, 3, 1), None),
    ("PK", "Piotr Kowalski", "DEV", 40, "0.85", date(2024, 2, 1), None),
    ("NH", "Nadia Haddad", "DE", 40, "0.85", date(2020, 1, 6), None),
    ("OB", "Oskar Berg", "DE", 40, "0.85", date(2024, 9, 1), None),
    ("EP", "Elena Popescu", "QA", 32, "0.80", date(2022, 5, 2), None),
    ("RS", "Rui Santos", "QA", 40, "0.85", date(2025, 2, 3), None),
    ("FW", "Fiona Walsh", "TRN", 32, "0.60", date(2019, 11, 1), None),
    ("KH", "Karl Huber", "DEV", 40, "0.85", date(2019, 1, 7), date(2026, 5, 29)),
)


def sample_catalog() -> Catalog:
    """A realistic catalog for a mid-size IT consulting firm, in EUR."""
    roles = [
        RoleRate(
            role=code,
            name=name,
            cost_rate=Decimal(cost),
            bill_rate=Decimal(bill),
            currency=CURRENCY,
            effective_from=since,
        )
        for code, (name, rates) in _ROLES.items()
        for since, cost, bill in rates
    ]
    services = [
        ServiceLine(sku=sku, name=name, role=role, hours=Decimal(hours))
        for sku, (name, lines) in _SERVICES.items()
        for role, hours in lines.items()
    ]
    people = [
        Person(
            person=code,
            name=name,
            role=role,
            capacity_hours_per_week=Decimal(capacity),
            utilization_target=Decimal(target),
            start_date=start,
            end_date=end,
        )
        for code, name, role, capacity, target, start, end in _PEOPLE
    ]
    return Catalog(
        roles=roles,
        services=services,
        complexity=[ComplexityLevel(level=lv, multiplier=Decimal(m)) for lv, m in _COMPLEXITY],
        risks=[Risk(code=c, description=d, uplift=Decimal(u)) for c, d, u in _RISKS],
        settings=_SETTINGS.model_copy(),
        settings_rows=settings_rows(_SETTINGS),
        people=people,
    )


class WorkspaceExistsError(WorkspaceError):
    """``init`` would overwrite an existing workspace."""


def init_workspace(
    root: Path, name: str = "", force: bool = False, settings: Mapping[str, str] | None = None
) -> Workspace:
    """Create a workspace in ``root``: psos.toml (its ``settings`` given, the defaults
    otherwise), catalog.xlsx with the sample catalog, and empty scopes/ and timesheets/
    folders.

    Refuses when ``root`` already holds a psos.toml or a catalog, unless ``force``.
    """
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{root} is a file; a workspace is a folder")
    existing = [p for p in (root / WORKSPACE_FILE, root / CATALOG_FILE) if p.exists()]
    if existing and not force:
        found = " and ".join(p.name for p in existing)
        raise WorkspaceExistsError(
            f"{root} already holds a workspace ({found}); "
            "use --force to overwrite its settings and catalog"
        )
    root.mkdir(parents=True, exist_ok=True)
    write_config(root, name or root.resolve().name, settings)
    workspace = Workspace.load(root)
    workspace.scopes_dir.mkdir(parents=True, exist_ok=True)
    workspace.timesheets_dir.mkdir(parents=True, exist_ok=True)
    write_catalog(root / workspace.config["catalog"], sample_catalog())
    return workspace
