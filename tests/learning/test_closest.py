"""Institutional memory: copying a delivered scope and ranking the closest ones.

Catalog   DISC: SA 10   BUILD: DEV 40   MIGR: DE 30   TEST: QA 20   TRAIN: TRN 8
          risks NEWTECH +20 %, DATAQ +10 %, REG +15 %

Completed candidates (SKU × quantity; risks; estimated hours on the catalog basis):
    ACM-01 Acme     DISC 1, BUILD 3, TEST 1            NEWTECH  (10 + 120 + 20) × 1.2  = 180
    BRV-01 Bravo    DISC 1, BUILD 3, TEST 1, TRAIN 2   NEWTECH  (150 + 16) × 1.2       = 199.2
    CHR-01 Charlie  MIGR 4, TEST 2                     DATAQ    (120 + 40) × 1.1       = 176
    DLT-01 Acme     TRAIN 4                            -        32
    ECH-01 Echo     DISC 1, BUILD 10, TEST 3, MIGR 1   REG      (10 + 400 + 60 + 30) × 1.15 = 575
plus DRF-01 (Draft) and ACT-01 (Active), both exactly the query: never ranked.

Query: DISC 1, BUILD 3, TEST 1, TRAIN 2; client Acme; risk NEWTECH; 180 h.
score = 0.50 × mix + 0.20 × size + 0.15 × client + 0.15 × risks
    ACM-01 mix (1 + 1 + 1 + 0) / 4 = 0.75; size 1; client 1; risks 1
           → 0.375 + 0.2 + 0.15 + 0.15 = 0.8750
    BRV-01 mix 1; size 180 / 199.2 = 0.903614; client 0; risks 1
           → 0.5 + 0.180723 + 0 + 0.15 = 0.830723 → 0.8307
    DLT-01 mix TRAIN 2/4 = 0.5, / 4 SKUs = 0.125; size 32 / 180 = 0.177778; client 1
           → 0.0625 + 0.035556 + 0.15 = 0.248056 → 0.2481
    CHR-01 mix TEST 1/2 = 0.5, / 5 SKUs = 0.1; size 176 / 180 = 0.977778
           → 0.05 + 0.195556 = 0.245556 → 0.2456
    ECH-01 mix (1 + 0.3 + 1/3) / 5 = 0.326667; size 180 / 575 = 0.313043
           → 0.163333 + 0.062609 = 0.225942 → 0.2259
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from psos_xl.learning.memory import ScopeCopyError, closest_to, like_scope, rank_closest
from psos_xl.models import (
    Assumption,
    BillingModel,
    Catalog,
    Deliverable,
    EstimateBasis,
    Override,
    Risk,
    RowRef,
    Scope,
    ScopeInfo,
    ServiceLine,
    Status,
)

D = Decimal


def make_catalog() -> Catalog:
    return Catalog(
        services=[
            ServiceLine(sku="DISC", role="SA", hours=D(10)),
            ServiceLine(sku="BUILD", role="DEV", hours=D(40)),
            ServiceLine(sku="MIGR", role="DE", hours=D(30)),
            ServiceLine(sku="TEST", role="QA", hours=D(20)),
            ServiceLine(sku="TRAIN", role="TRN", hours=D(8)),
        ],
        risks=[
            Risk(code="NEWTECH", uplift=D("0.20")),
            Risk(code="DATAQ", uplift=D("0.10")),
            Risk(code="REG", uplift=D("0.15")),
        ],
    )


def make_scope(
    code: str,
    client: str,
    mix: str,
    risks: tuple[str, ...] = (),
    status: Status = Status.COMPLETED,
) -> Scope:
    """``mix`` as 'DISC 1, BUILD 3': one deliverable per SKU, at Medium."""
    deliverables = []
    for i, part in enumerate(mix.split(","), start=1):
        sku, quantity = part.split()
        deliverables.append(Deliverable(deliverable=f"D{i}", sku=sku, quantity=D(quantity)))
    return Scope(
        workbook=f"{code}.xlsx",
        info=ScopeInfo(
            engagement=code,
            client=client,
            title=f"{client} project",
            start_date=date(2026, 1, 5),
            end_date=date(2026, 3, 27),
            billing_model=BillingModel.FIXED_FEE,
            status=status,
            risks=list(risks),
        ),
        deliverables=deliverables,
    )


CANDIDATES = [
    make_scope("ECH-01", "Echo", "DISC 1, BUILD 10, TEST 3, MIGR 1", ("REG",)),
    make_scope("DRF-01", "Acme", "DISC 1, BUILD 3, TEST 1, TRAIN 2", ("NEWTECH",), Status.DRAFT),
    make_scope("BRV-01", "Bravo", "DISC 1, BUILD 3, TEST 1, TRAIN 2", ("NEWTECH",)),
    make_scope("CHR-01", "Charlie", "MIGR 4, TEST 2", ("DATAQ",)),
    make_scope("ACT-01", "Acme", "DISC 1, BUILD 3, TEST 1, TRAIN 2", ("NEWTECH",), Status.ACTIVE),
    make_scope("ACM-01", "Acme", "DISC 1, BUILD 3, TEST 1", ("NEWTECH",)),
    make_scope("DLT-01", "Acme", "TRAIN 4"),
]
QUANTITIES = {"DISC": D(1), "BUILD": D(3), "TEST": D(1), "TRAIN": D(2)}


def ask(top: int = 3) -> list[tuple[str, Decimal]]:
    matches = rank_closest(
        CANDIDATES,
        quantities=QUANTITIES,
        client="acme ",
        risks=["NEWTECH"],
        size_hours=D(180),
        catalog=make_catalog(),
        top=top,
    )
    return [(m.engagement, m.score) for m in matches]


def test_the_closest_engagement_is_picked_with_its_reasons() -> None:
    assert ask(top=10) == [
        ("ACM-01", D("0.8750")),
        ("BRV-01", D("0.8307")),
        ("DLT-01", D("0.2481")),
        ("CHR-01", D("0.2456")),
        ("ECH-01", D("0.2259")),
    ]
    best = rank_closest(
        CANDIDATES,
        quantities=QUANTITIES,
        client="Acme",
        risks=["NEWTECH"],
        size_hours=D(180),
        catalog=make_catalog(),
    )[0]
    assert best.reasons == [
        "same client (Acme)",
        "3 of 4 SKUs in common: DISC, BUILD, TEST",
        "quantities: DISC 1 (same), BUILD 3 (same), TEST 1 (same)",
        "similar size: 180 h vs 180 h asked",
        "shares risk NEWTECH",
    ]
    assert best.parts["skus"] == D("0.75")
    data = json.loads(json.dumps(best.to_json()))
    assert data["engagement"] == "ACM-01" and data["score"] == "0.8750"


def test_reasons_name_differences_too() -> None:
    matches = rank_closest(
        CANDIDATES, quantities=QUANTITIES, size_hours=D(180), catalog=make_catalog(), top=10
    )
    ech = next(m for m in matches if m.engagement == "ECH-01")
    assert ech.reasons == [
        "3 of 4 SKUs in common: DISC, BUILD, TEST",
        "quantities: DISC 1 (same), BUILD 10 vs 3 asked, TEST 3 vs 1 asked",
        "size: 575 h vs 180 h asked",
    ]


def test_top_three_and_never_a_draft_or_active_scope() -> None:
    assert [code for code, _ in ask()] == ["ACM-01", "BRV-01", "DLT-01"]
    everything = rank_closest(CANDIDATES, skus=["DISC"], top=100)
    assert {m.engagement for m in everything} == {"ACM-01", "BRV-01", "CHR-01", "DLT-01", "ECH-01"}
    assert all(m.scope.info.status is Status.COMPLETED for m in everything)


def test_sku_sets_alone_and_ties_broken_by_code() -> None:
    # Jaccard: ACM 3/3 = 1; BRV 3/4 = 0.75; ECH 3/4 = 0.75 (tie → BRV first); CHR 1/4
    got = rank_closest(CANDIDATES, skus=["DISC", "BUILD", "TEST"], top=4)
    assert [(m.engagement, m.score) for m in got] == [
        ("ACM-01", D("1.0000")),
        ("BRV-01", D("0.7500")),
        ("ECH-01", D("0.7500")),
        ("CHR-01", D("0.2500")),
    ]
    assert rank_closest(list(reversed(CANDIDATES)), skus=["DISC", "BUILD", "TEST"], top=4) == got


def test_parts_not_asked_about_are_left_out() -> None:
    # no catalog: size cannot be judged; only the client is asked
    got = rank_closest(CANDIDATES, client="Acme", size_hours=D(180), top=10)
    assert [(m.engagement, m.score) for m in got][:2] == [("ACM-01", D(1)), ("DLT-01", D(1))]
    assert all("size" not in m.parts for m in got)
    nothing = rank_closest(CANDIDATES, top=10)
    assert [m.engagement for m in nothing] == ["ACM-01", "BRV-01", "CHR-01", "DLT-01", "ECH-01"]
    assert {m.score for m in nothing} == {D(0)}
    assert rank_closest(CANDIDATES, skus=["DISC"], top=0) == []


def test_closest_to_a_draft_scope() -> None:
    draft = make_scope("NEW-01", "Acme", "DISC 1, BUILD 3, TEST 1", ("NEWTECH",), Status.DRAFT)
    got = closest_to(draft, [*CANDIDATES, draft], make_catalog())
    assert got[0].engagement == "ACM-01" and got[0].score == D(1)
    assert "NEW-01" not in [m.engagement for m in got]


# --- like ----------------------------------------------------------------------------


def delivered() -> Scope:
    source = make_scope("ACM-01", "Acme", "DISC 1, BUILD 3", ("NEWTECH",))
    source.deliverables[1] = source.deliverables[1].model_copy(
        update={
            "risks": ["REG"],
            "complexity": "High",
            "milestone": "M2",
            "src": RowRef("ACM-01.xlsx", "Deliverables", 3),
        }
    )
    source.info.discount = D("0.07")
    source.info.estimate_basis = EstimateBasis.CATALOG
    source.info.currency = "EUR"
    source.assumptions = [
        Assumption(
            id="A1", assumption="Test data is provided", owner="Client", impact_if_false="+20 h"
        ),
        Assumption(id="A2", assumption="Remote delivery", owner="Us"),
    ]
    source.overrides = [Override(deliverable="D2", role="DEV", hours=D(150))]
    return source


def test_like_copies_deliverables_assumptions_and_risks_with_new_code_and_dates() -> None:
    source = delivered()
    new = like_scope(source, "ACM-02", date(2026, 6, 1), date(2026, 9, 30), client="Acme GmbH")
    info = new.info
    assert (info.engagement, info.client, info.title) == ("ACM-02", "Acme GmbH", "<title>")
    assert (info.start_date, info.end_date) == (date(2026, 6, 1), date(2026, 9, 30))
    assert info.status is Status.DRAFT
    assert info.estimate_basis is EstimateBasis.P50
    assert info.risks == ["NEWTECH"]
    assert info.billing_model is BillingModel.FIXED_FEE and info.currency == "EUR"
    assert info.discount == D(0)  # negotiated for that deal
    assert new.overrides == [] and new.delivery == []  # specific to that deal
    assert [
        (d.deliverable, d.sku, d.quantity, d.complexity, d.risks, d.milestone)
        for d in new.deliverables
    ] == [
        ("D1", "DISC", D(1), "Medium", [], ""),
        ("D2", "BUILD", D(3), "High", ["REG"], "M2"),
    ]
    assert [(a.id, a.assumption, a.owner, a.impact_if_false) for a in new.assumptions] == [
        ("A1", "Test data is provided", "Client", "+20 h"),
        ("A2", "Remote delivery", "Us", ""),
    ]
    assert all(d.src is None for d in new.deliverables)  # no lineage into the old workbook
    # a copy, not shared lists: editing the new scope leaves the source alone
    new.deliverables[1].risks.append("DATAQ")
    new.info.risks.append("REG")
    assert source.deliverables[1].risks == ["REG"] and source.info.risks == ["NEWTECH"]
    assert source.info.engagement == "ACM-01" and source.info.status is Status.COMPLETED


def test_like_keeps_the_source_duration() -> None:
    source = delivered()  # 2026-01-05 → 2026-03-27: 81 days
    new = like_scope(source, "ACM-02", date(2026, 6, 1), None)
    assert (new.info.start_date, new.info.end_date) == (date(2026, 6, 1), date(2026, 8, 21))
    back = like_scope(source, "ACM-02", None, date(2026, 8, 21))
    assert back.info.start_date == date(2026, 6, 1)
    undated = like_scope(source, "ACM-02", None, None)
    assert (undated.info.start_date, undated.info.end_date) == (None, None)
    blank = like_scope(source, "ACM-02", None, None).info
    assert (blank.client, blank.title) == ("<client>", "<title>")  # never the old ones
    named = like_scope(source, "ACM-02", None, None, client=" Zeta ", title="Rollout").info
    assert (named.client, named.title) == ("Zeta", "Rollout")


def test_like_refuses_what_it_cannot_copy() -> None:
    source = delivered()
    with pytest.raises(ScopeCopyError, match="code of its own"):
        like_scope(source, "ACM-01", None, None)
    with pytest.raises(ScopeCopyError, match="needs an engagement code"):
        like_scope(source, "  ", None, None)
    draft = make_scope("DRF-01", "Acme", "DISC 1", status=Status.DRAFT)
    with pytest.raises(ScopeCopyError, match="only a Completed engagement"):
        like_scope(draft, "DRF-02", None, None)
    assert like_scope(draft, "DRF-02", None, None, any_status=True).info.engagement == "DRF-02"
