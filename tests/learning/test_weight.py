"""The calibration weight k, learned from the firm's history, against figures worked by hand.

Logs to 6 decimals: ln 6 = 1.791759, ln 9 = 2.197225, ln 10 = 2.302585, ln 11 = 2.397895,
ln 15 = 2.708050, ln 16 = 2.772589, ln 20 = 2.995732, ln 22 = 3.091042,
ln 25 = 3.218876, ln 26 = 3.258097, ln 27 = 3.295837, ln 30 = 3.401197.

**Consistent overruns.** Catalog DISC × SA 10 h (about right), MIGR × DE 20 h (the firm
overruns it by 30 %). E1 delivers DISC 10, MIGR 26; E2 DISC 11, MIGR 27; E3 DISC 9,
MIGR 25; one month apart, one unit at Medium with no risk each.

    After E1 (what E2 was scoped with): one delivery each, no scatter to learn from:
        k = the fallback 3, MIGR (3 × 20 + 1 × 26) / 4 = 21.50
    After E1, E2 (what E3 was scoped with):
        DISC  x̄ = (2.302585 + 2.397895) / 2 = 2.350240, squares 2 × 0.047655² = 0.004542,
              offset 2.350240 − 2.302585 = 0.047655
        MIGR  x̄ = 3.276967, squares 2 × 0.018870² = 0.000712,
              offset 3.276967 − 2.995732 = 0.281234
        s² = (0.004542 + 0.000712) / (1 + 1) = 0.002627
        σ² DISC = (0.002627 + 0.004542) / 2 = 0.003585   w = 2 / σ² = 557.95
           MIGR = (0.002627 + 0.000712) / 2 = 0.001670   w = 1197.87
        τ² = (557.95 × 0.047655² + 1197.87 × 0.281234² − 2) / (557.95 + 1197.87)
           = (1.2671 + 94.7431 − 2) / 1755.82 = 0.053542
        k DISC = 0.003585 / 0.053542 = 0.067 → 0.07;  MIGR = 0.001670 / 0.053542 → 0.03
        CalibratedHours MIGR = (0.03 × 20 + 2 × 26.5) / 2.03 = 53.6 / 2.03 = 26.40
                        DISC = (0.07 × 10 + 2 × 10.5) / 2.07 = 21.7 / 2.07 = 10.48
        (k = 3 would say MIGR (60 + 53) / 5 = 22.60: still 15 % short of what it takes)
        P80 MIGR = 26.40 × exp(0.841621 × √(0.001670 × (1 + 1 / 2.03))) = 26.40 × 1.042910
                 = 27.53

**Scattered deliveries.** DISC × SA 10 h delivered in 6, 16, 11; BUILD × DEV 20 h in 30, 15,
22: around the catalog, widely.

    DISC  x̄ = 2.320748, squares 0.489941, offset 0.018163
    BUILD x̄ = 3.066763, squares 0.241111, offset 0.071031
    s² = (0.489941 + 0.241111) / 4 = 0.182763
    σ² DISC = (0.182763 + 0.489941) / 3 = 0.224235   w = 3 / σ² = 13.379
       BUILD = (0.182763 + 0.241111) / 3 = 0.141291  w = 21.233
    Σ w o² − 2 = 13.379 × 0.000330 + 21.233 × 0.005045 − 2 < 0 → τ² = 0 → k = 50 (the most)
    CalibratedHours DISC = (50 × 10 + 3 × 11) / 53 = 10.06, BUILD = (1000 + 3 × 22) / 53 = 20.11
    (k = 3: 10.50 and 21.00)

**Both in one firm.** DISC × SA 6, 16, 11 (scattered) and MIGR × DE 26, 27, 25 (consistent):

    MIGR  x̄ = 3.257603, squares 0.002962, offset 0.261871
    s² = (0.489941 + 0.002962) / 4 = 0.123226
    σ² DISC = (0.123226 + 0.489941) / 3 = 0.204389   w = 14.678
       MIGR = (0.123226 + 0.002962) / 3 = 0.042063   w = 71.322
    τ² = (14.678 × 0.018163² + 71.322 × 0.261871² − 2) / 86.000 = (0.00484 + 4.89098 − 2) / 86
       = 0.033673
    k DISC = 0.204389 / 0.033673 = 6.07;  MIGR = 0.042063 / 0.033673 = 1.25
    CalibratedHours DISC = (60.7 + 33) / 9.07 = 10.33;  MIGR = (25 + 78) / 4.25 = 24.24
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psos_xl.learning import Delivery, backtest, calibrate, learn
from psos_xl.learning.weight import MAX_WEIGHT
from psos_xl.models import ActualRow, Catalog, CatalogSettings, EstimateBasis, ServiceLine
from psos_xl.pricing import LineBasis
from psos_xl.pricing.estimate import FALLBACK_PRIOR, history_base

D = Decimal
UPDATED = "2026-06-01T08:00:00Z"
DISC, MIGR, BUILD = ("DISC", "SA"), ("MIGR", "DE"), ("BUILD", "DEV")


def catalog(hours: dict[tuple[str, str], int], **kw: object) -> Catalog:
    return Catalog(
        services=[ServiceLine(sku=s, role=r, hours=D(h)) for (s, r), h in hours.items()],
        settings=CatalogSettings(**kw),
    )


def firm(
    cat: Catalog, engagements: list[dict[tuple[str, str], str]], first_month: int = 1
) -> list[Delivery]:
    """One engagement a month, each delivering one unit at Medium of the SKU × roles given."""
    hours = {(line.sku, line.role): line.hours for line in cat.services}
    return [
        unit(f"E{i}", date(2026, first_month + i - 1, 5), key, D(actual), hours[key])
        for i, delivered in enumerate(engagements, start=1)
        for key, actual in delivered.items()
    ]


def unit(
    code: str, start: date, key: tuple[str, str], actual: Decimal, catalog_hours: Decimal
) -> Delivery:
    """One unit at Medium with no risk."""
    sku, role = key
    return Delivery(code, start, "D1", sku, role, D(1), D(1), D(0), actual, catalog_hours)


def rows(cat: Catalog, deliveries: list[Delivery]) -> dict[tuple[str, str], ActualRow]:
    return {(r.sku, r.role): r for r in calibrate(cat, deliveries, UPDATED)}


CONSISTENT = catalog({DISC: 10, MIGR: 20})
CONSISTENT_FIRM = [
    {DISC: "10", MIGR: "26"},
    {DISC: "11", MIGR: "27"},
    {DISC: "9", MIGR: "25"},
]


def test_consistent_overruns_move_the_weight_to_history_within_two_deliveries() -> None:
    after_one = rows(CONSISTENT, firm(CONSISTENT, CONSISTENT_FIRM[:1]))
    assert after_one[MIGR].catalog_weight == FALLBACK_PRIOR  # nothing to tell scatter from
    assert after_one[MIGR].calibrated_hours == D("21.50")
    after_two = rows(CONSISTENT, firm(CONSISTENT, CONSISTENT_FIRM[:2]))
    migr, disc = after_two[MIGR], after_two[DISC]
    assert (migr.catalog_weight, migr.p50_hours, migr.calibrated_hours) == (
        D("0.03"), D("26.50"), D("26.40"),
    )  # fmt: skip
    assert (disc.catalog_weight, disc.calibrated_hours) == (D("0.07"), D("10.48"))
    assert migr.p80_hours == D("27.53")
    # what the fixed k = 3 would have said: 15 % short of a consistent overrun
    fixed = catalog({DISC: 10, MIGR: 20}, calibration_prior=D(3))
    assert rows(fixed, firm(fixed, CONSISTENT_FIRM[:2]))[MIGR].calibrated_hours == D("22.60")


def test_the_learned_spread_by_hand() -> None:
    learned = learn(CONSISTENT, firm(CONSISTENT, CONSISTENT_FIRM[:2]))
    spread = learned.spread
    assert spread.within is not None and spread.between is not None
    assert round(spread.within, 6) == D("0.002627")
    assert round(spread.between, 6) == D("0.053542")
    scatter = spread.scatter(learned.histories[MIGR])
    assert scatter is not None and round(scatter, 6) == D("0.001670")
    assert round(learned.histories[MIGR].offset, 6) == D("0.281234")
    assert learned.learned and learned.k(MIGR) == D("0.03")


def test_scattered_deliveries_keep_the_estimate_near_the_catalog() -> None:
    cat = catalog({DISC: 10, BUILD: 20})
    history = firm(
        cat, [{DISC: "6", BUILD: "30"}, {DISC: "16", BUILD: "15"}, {DISC: "11", BUILD: "22"}]
    )
    got = rows(cat, history)
    assert learn(cat, history).spread.between == 0
    assert {key: (r.catalog_weight, r.calibrated_hours) for key, r in got.items()} == {
        DISC: (MAX_WEIGHT, D("10.06")),
        BUILD: (MAX_WEIGHT, D("20.11")),
    }


def test_in_one_firm_history_wins_where_deliveries_agree() -> None:
    cat = catalog({DISC: 10, MIGR: 20})
    history = firm(
        cat, [{DISC: "6", MIGR: "26"}, {DISC: "16", MIGR: "27"}, {DISC: "11", MIGR: "25"}]
    )
    got = rows(cat, history)
    assert (got[DISC].catalog_weight, got[DISC].calibrated_hours) == (D("6.07"), D("10.33"))
    assert (got[MIGR].catalog_weight, got[MIGR].calibrated_hours) == (D("1.25"), D("24.24"))
    spread = learn(cat, history).spread
    assert spread.between is not None and round(spread.between, 6) == D("0.033673")


def test_calibration_prior_fixes_k_and_a_row_without_history_shows_its_weight() -> None:
    fixed = catalog({DISC: 10, MIGR: 20, BUILD: 5}, calibration_prior=D("1.5"))
    got = rows(fixed, firm(fixed, CONSISTENT_FIRM[:2]))
    assert {r.catalog_weight for r in got.values()} == {D("1.5")}
    assert got[MIGR].calibrated_hours == D("23.71")  # (1.5 × 20 + 2 × 26.5) / 3.5
    learned = catalog({DISC: 10, MIGR: 20, BUILD: 5})
    build = rows(learned, firm(learned, CONSISTENT_FIRM[:2]))[BUILD]
    # no deliveries: σ² = s², k = 0.002627 / 0.053542 = 0.049 → 0.05; the catalog's hours
    assert (build.deliveries, build.catalog_weight, build.calibrated_hours) == (
        0, D("0.05"), D("5.00"),
    )  # fmt: skip
    assert build.p50_hours is build.p80_hours is None


def test_the_backtest_estimates_what_pricing_would_have_used_at_the_time() -> None:
    """CalibrationMinDeliveries 2: E1 and E2 are priced on the catalog (no, one earlier
    delivery); E3 on the Actuals after E1 and E2: MIGR 26.40, RE (25 − 26.4) / 25 = −0.056."""
    cat = catalog({DISC: 10, MIGR: 20}, calibration_min_deliveries=2)
    judged = [j for j in backtest(cat, firm(cat, CONSISTENT_FIRM)) if j.delivery.key == MIGR]
    assert [(j.prior, j.calibrated_estimate, j.basis) for j in judged] == [
        (0, D(20), LineBasis.CATALOG),
        (1, D(20), LineBasis.CATALOG),  # 21.50 was calibrated, but one delivery is too few
        (2, D("26.40"), LineBasis.P50),
    ]
    assert judged[2].calibrated_re == D("-0.056")
    assert judged[2].catalog_re == D("0.2")


def test_pricing_takes_a_rows_weight_when_calibrated_hours_are_missing() -> None:
    row = ActualRow(sku="MIGR", role="DE", deliveries=2, p50_hours=D("26.5"), catalog_weight=D(1))
    # (1 × 20 + 2 × 26.5) / 3 = 24.33
    assert history_base(D(20), row, EstimateBasis.P50, 2) == (D("24.33"), LineBasis.P50)
    assert history_base(D(20), row, EstimateBasis.P50, 3) == (D(20), LineBasis.CATALOG)
    bare = row.model_copy(update={"catalog_weight": None})
    assert history_base(D(20), bare, EstimateBasis.P50, 2, D(3))[0] == D("22.60")
    assert history_base(D(20), bare, EstimateBasis.P50, 2)[0] == D("22.60")  # fallback 3


hours = st.decimals(min_value=D("0.5"), max_value=500, places=2, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(
    catalog_hours=st.lists(hours, min_size=2, max_size=5),
    observed=st.lists(hours, min_size=5, max_size=5),
    repeats=st.lists(st.integers(min_value=1, max_value=4), min_size=5, max_size=5),
)
def test_with_zero_scatter_one_delivery_is_the_estimate(
    catalog_hours: list[Decimal], observed: list[Decimal], repeats: list[int]
) -> None:
    """Every SKU × role's deliveries agree exactly (the second one's twice, to show the firm
    has no scatter): after one delivery, the calibrated estimate is what was observed."""
    keys = [(f"S{i}", "R") for i in range(len(catalog_hours))]
    cat = Catalog(
        services=[
            ServiceLine(sku=s, role=r, hours=h)
            for (s, r), h in zip(keys, catalog_hours, strict=True)
        ],
        settings=CatalogSettings(calibration_min_deliveries=1),
    )
    counts = [1, max(2, repeats[1]), *repeats[2:]]
    deliveries = [
        unit(f"E{i}{n}", date(2026, 1, 5), key, observed[i], catalog_hours[i])
        for i, key in enumerate(keys)
        for n in range(counts[i])
    ]
    got = rows(cat, deliveries)
    first = got[keys[0]]
    assert first.deliveries == 1
    assert first.catalog_weight == 0
    assert first.calibrated_hours == observed[0]
    assert all(r.calibrated_hours == observed[i] for i, r in enumerate(got.values()))
    # and in the backtest: the next engagement is priced at what the first one took
    later = unit("NEXT", date(2026, 2, 2), keys[0], D(1), catalog_hours[0])
    (judged,) = [j for j in backtest(cat, [*deliveries, later]) if j.delivery is later]
    assert judged.calibrated_estimate == observed[0]


@pytest.mark.parametrize("n", [0, 1])
def test_too_little_history_falls_back_to_three(n: int) -> None:
    history = firm(CONSISTENT, CONSISTENT_FIRM[:n])
    learned = learn(CONSISTENT, history)
    assert not learned.learned and learned.k(MIGR) == FALLBACK_PRIOR
