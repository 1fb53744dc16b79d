"""The demo firm's engagements: scopes written as literals, and how delivery went.

Each engagement is a block of ``|``-separated lines, as a partner would jot it down:

    code | client | title | start | end | billing model | status | discount | risks
        [| probability, for a Draft]
    D1 | SKU | description | quantity | complexity | risks | milestone | burn
    A | assumption | owner | impact if false
    O | deliverable | role | hours            (an override)

An indented line continues the one above it.

Completed engagements burnt their estimate times a per-SKU bias (:data:`SKU_BIAS`:
data migrations overrun, training comes in under), so psos' learning has something to
find. For Active engagements the last column says how much of each deliverable's
estimate was burnt by the last demo week; some are past the 80/90/100 % alerts, a
deliverable without one has not started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from psos_xl.models import (
    Assumption,
    BillingModel,
    Deliverable,
    Override,
    Scope,
    ScopeInfo,
    Status,
)

FIRM_NAME = "Northwind Consulting"
OWN_NAME = "Northwind"

# How actual hours compare with the estimate on delivered work, per SKU (1.30 = +30 %).
SKU_BIAS: dict[str, Decimal] = {
    "DISC": Decimal("1.00"),
    "DESIGN": Decimal("1.05"),
    "CONFIG": Decimal("1.10"),
    "MIGR": Decimal("1.30"),
    "INTEG": Decimal("1.15"),
    "REPORT": Decimal("1.10"),
    "TEST": Decimal("1.20"),
    "TRAIN": Decimal("0.90"),
    "GOLIVE": Decimal("0.95"),
    "PMO": Decimal("1.05"),
}

# SKUs whose work runs over the whole engagement rather than in a phase of it.
SPANNING_SKUS = ("PMO",)

_ENGAGEMENTS = """
ALP-01 | Alpenrose Versicherung AG | Claims portal integration | 2026-07-06 | 2026-09-04
    | FixedFee | Completed | 0.05 | REG
D1 | DISC | Claims process discovery workshops | 1 | Medium | |
D2 | DESIGN | Integration architecture and API contracts | 1 | Medium | |
D3 | INTEG | Claims, documents, payments, broker and CRM interfaces | 5 | High | |
D4 | TEST | System and user acceptance test cycles | 2 | Medium | |
D5 | TRAIN | Claims handler training sessions | 8 | Low | |
D6 | GOLIVE | Hypercare after go-live | 2 | Medium | |
D7 | PMO | Project management | 2 | Low | |
A | Client provides a test environment of the claims system by week 2 | Client
    | Integration build slips one week per week of delay
A | The payment provider's API is documented and stable | Client
    | Re-design of the payments interface, about 40 h
A | Design sign-off within five working days | Client | Idle team time billed at T&M rates

BRW-01 | Brightwater Retail | Store performance dashboards | 2026-07-13 | 2026-09-25
    | TimeAndMaterials | Completed | 0 |
D1 | DISC | KPI definition workshops with store operations | 1 | Low | |
D2 | MIGR | Sales, footfall and staffing history into the warehouse | 3 | Medium | DATAQ |
D3 | REPORT | Store, region and category dashboards | 10 | Medium | |
D4 | TEST | Dashboard acceptance testing | 1 | Low | |
D5 | TRAIN | Training for regional managers | 8 | Medium | |
D6 | PMO | Project management | 2 | Low | |
A | Three years of POS history are available as daily extracts | Client
    | Migration scope grows with each extra source
A | One KPI owner per domain joins the workshops | Client
    | Workshops repeat; about 8 h per extra session

HAN-01 | Hanseatic Logistics GmbH | Warehouse system data migration | 2026-07-20 | 2026-10-09
    | Milestone | Completed | 0.03 | DEADLINE
D1 | DESIGN | Target data model and migration approach | 1 | High | | M1 Design
D2 | MIGR | Articles, locations, stock, suppliers and open orders | 5 | Medium | DATAQ
    | M2 Migration
D3 | INTEG | Carrier booking and customs interfaces | 2 | Medium | | M2 Migration
D4 | TEST | Two migration rehearsals with reconciliation | 2 | Medium | | M2 Migration
D5 | GOLIVE | Cut-over weekend and two weeks of support | 2 | Medium | | M3 Go-live
D6 | PMO | Project management | 3 | Medium | | M3 Go-live
A | Legacy WMS extracts are delivered as CSV by the client's IT | Client
    | Extraction work added at T&M rates
A | Cut-over happens over one weekend with the warehouse closed | Client
    | A phased cut-over needs a new plan and price
A | A carrier API sandbox is available from week 3 | Northwind
    | Interface testing moves after go-live
A | Data cleansing decisions are taken by the client within two days | Client
    | Migration rehearsals repeat
O | D1 | SA | 52

VEL-01 | Vela Telecom | Network analytics support retainer | 2026-07-06 | 2026-09-30
    | Retainer | Completed | 0.05 |
D1 | REPORT | Capacity and outage dashboards | 8 | Medium | |
D2 | MIGR | Network inventory feed | 1 | Low | |
D3 | PMO | Service management | 3 | Low | |
A | Requests arrive through one product owner | Client | Context switching adds about 10 %
A | Unused retainer hours expire at month end | Client | None: the fee is fixed per month

NOR-01 | Nordlicht Energie | Customer self-service platform rollout | 2026-08-31 | 2026-12-18
    | Milestone | Active | 0 | NEWTECH,VENDORS
D1 | DISC | Customer journey discovery | 1 | Medium | | M1 Blueprint | 1.06
D2 | DESIGN | Platform blueprint | 1 | High | | M1 Blueprint | 0.93
D3 | CONFIG | Configuration sprints 1-5 | 5 | Medium | | M2 Build | 0.84
D4 | INTEG | Billing, meter-data and CRM interfaces | 3 | High | REMOTE | M2 Build | 0.45
D5 | TEST | End-to-end test cycles | 2 | Medium | | M3 Launch | 0.20
D6 | TRAIN | Train-the-trainer and call-centre agent training | 8 | Medium | | M3 Launch
    | 0.15
D7 | PMO | Project management | 4 | Medium | | M3 Launch | 0.55
A | The platform vendor provides a sandbox tenant from the start | Client
    | Configuration starts late; the launch date moves
A | Meter-data interface specifications come from the offshore team in week 4 | Client
    | Interface build re-planned, +20 % on D4
A | Northwind leads the vendor coordination meetings | Northwind
    | Less PM effort, but higher schedule risk

CSA-01 | Città Sanitaria | Clinical analytics managed service | 2026-07-01 | 2026-12-31
    | Retainer | Active | 0.08 | REG
D1 | REPORT | Monthly clinical KPI reports | 6 | Medium | | | 0.88
D2 | MIGR | New lab-system data feeds | 2 | High | DATAQ | | 0.62
D3 | TEST | Quarterly regression testing | 2 | Low | | | 0.71
D4 | PMO | Service management | 6 | Low | | | 0.66
D5 | TRAIN | Dashboard training for clinicians | 6 | Low | | | 0.50
A | Retainer hours are used evenly across the months | Client | Unused hours expire at month end
A | Patient data is pseudonymised before it reaches the warehouse | Client
    | Additional privacy controls, priced separately

LKB-01 | Lakeside Bank | Regulatory reporting data hub | 2026-09-14 | 2027-01-29
    | TimeAndMaterials | Active | 0 | REG
D1 | DISC | Regulatory reporting discovery | 1 | High | | | 1.12
D2 | DESIGN | Data hub architecture | 1 | Medium | NEWTECH | | 0.91
D3 | MIGR | Loan, deposit and collateral data | 4 | High | DATAQ | | 0.38
D4 | REPORT | Supervisory reports (FINREP templates) | 8 | Medium | DEADLINE | | 0.30
D5 | TRAIN | Finance team training | 2 | Medium | |
D6 | PMO | Project management | 5 | Medium | | | 0.32
A | The bank's data owners are named before discovery | Client | Discovery takes one more week
A | Reports follow the current EBA taxonomy release | Client
    | A new release means re-mapping, priced as a change
A | Source systems can be read through the existing ODBC gateway | Client
    | Extraction tooling added, about 60 h

MER-01 | Meridian Foods | ERP and e-commerce integration | 2027-01-11 | 2027-04-30 | FixedFee
    | Draft | 0.05 | VENDORS | 0.6
D1 | DISC | Order-to-cash discovery | 1 | Medium | |
D2 | DESIGN | Integration design | 1 | Medium | |
D3 | INTEG | Orders, stock, prices and invoices interfaces | 4 | Medium | |
D4 | TEST | Integration test cycles | 2 | Medium | |
D5 | GOLIVE | Go-live support | 2 | Low | |
A | The e-commerce vendor exposes a REST API for orders | Client
    | File-based integration instead, +30 % on D3
A | Meridian's ERP partner joins the design workshops | Client
    | Design rework after the ERP partner's review

KES-01 | Kestrel Airlines | Crew scheduling app prototype | 2026-09-07 | 2026-11-27
    | TimeAndMaterials | Lost | 0 | NEWTECH,DEADLINE
D1 | DISC | Crew planning discovery | 1 | Medium | |
D2 | CONFIG | Prototype sprints | 2 | High | |
D3 | TEST | Usability test cycle | 1 | Low | |
A | Crew rosters are available as anonymised exports | Client
    | The prototype runs on synthetic data
A | The prototype is not connected to production systems | Northwind
    | Security review and hardening needed
"""


@dataclass
class Engagement:
    """A scope and, for an Active one, the share of each deliverable's estimate burnt."""

    scope: Scope
    burn: dict[str, Decimal]


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _header(fields: list[str]) -> ScopeInfo:
    code, client, title, start, end, model, status, discount, risks, *chance = fields
    return ScopeInfo(
        engagement=code,
        client=client,
        title=title,
        start_date=date.fromisoformat(start),
        end_date=date.fromisoformat(end),
        billing_model=BillingModel(model),
        discount=Decimal(discount or "0"),
        status=Status(status),
        risks=_codes(risks),
        currency="EUR",
        probability=Decimal(chance[0]) if chance else None,
    )


def _engagement(block: list[list[str]]) -> Engagement:
    info = _header(block[0])
    scope = Scope(workbook=f"{info.engagement}.xlsx", info=info)
    burn: dict[str, Decimal] = {}
    for fields in block[1:]:
        kind = fields[0]
        if kind == "A":
            text, owner, impact = fields[1:]
            scope.assumptions.append(
                Assumption(
                    id=f"A{len(scope.assumptions) + 1}",
                    assumption=text,
                    owner=owner,
                    impact_if_false=impact,
                )
            )
        elif kind == "O":
            deliverable, role, hours = fields[1:]
            scope.overrides.append(
                Override(deliverable=deliverable, role=role, hours=Decimal(hours))
            )
        else:
            code, sku, text, qty, level, risks, *rest = fields
            milestone = rest[0] if rest else ""
            scope.deliverables.append(
                Deliverable(
                    deliverable=code,
                    sku=sku,
                    description=text,
                    quantity=Decimal(qty),
                    complexity=level,
                    risks=_codes(risks),
                    milestone=milestone,
                )
            )
            if len(rest) > 1 and rest[1]:
                burn[code] = Decimal(rest[1])
    return Engagement(scope, burn)


def demo_engagements() -> list[Engagement]:
    """Nine engagements: four Completed, three Active, one Draft, one Lost."""
    blocks: list[list[list[str]]] = [[]]
    lines: list[str] = []
    for line in _ENGAGEMENTS.strip().splitlines():
        if line.startswith(" ") and lines:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    for line in lines:
        if not line.strip():
            blocks.append([])
        else:
            blocks[-1].append([f.strip() for f in line.split("|")])
    return [_engagement(block) for block in blocks if block]


def demo_scopes() -> list[Scope]:
    return [e.scope for e in demo_engagements()]
