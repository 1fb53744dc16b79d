"""Institutional memory: start a scope from a delivered one, find the closest ones (DESIGN §5).

``psos new scope --like ENG`` calls :func:`like_scope`; ``--closest`` calls
:func:`rank_closest` (or :func:`closest_to` with a draft scope) and prints each
:class:`Match` with its reasons.

**Copying** (:func:`like_scope`) takes a Completed engagement's deliverables,
assumptions and risks (the ScopeInfo Risks as well as each deliverable's) into a new
Draft with a new engagement code and dates. Not copied, because they were specific to
that deal: the client and the title (the new scope gets the ones given, else the
placeholders :data:`CLIENT_PLACEHOLDER` and :data:`TITLE_PLACEHOLDER`, which validation
flags until someone replaces them), Overrides (hours stated for that client's
situation), Discount (negotiated; the new scope starts at 0), and the Delivery table
(its actuals). EstimateBasis is P50, so the new scope is priced with what delivery
taught rather than the bare catalog.

**Reshaping** (:func:`with_skus`) makes the copy the work asked for (``--skus``): the
source's deliverables of the SKUs asked, each SKU's quantity set as asked, a new
deliverable for a SKU the source never had, and the others left out.

**Similarity** (:func:`rank_closest`) scores each Completed candidate in [0, 1] as a
weighted mean of the parts the query asks about (a part not asked about is left out and
the other weights are rescaled):

=========  ======  ==================================================================
part       weight  score
=========  ======  ==================================================================
SKU mix    0.50    Σ over SKUs in common of min(qₛ, cₛ) / max(qₛ, cₛ), divided by the
                   number of SKUs in either (a listed SKU without a quantity counts 1);
                   without quantities, the plain Jaccard of the SKU sets
size       0.20    min(a, b) / max(a, b) of the asked and the candidate's estimated hours
                   (catalog basis; needs ``size_hours`` and a catalog)
client     0.15    1 for the same client (trimmed, case-insensitive), else 0
risks      0.15    Jaccard of the risk codes (the scope's ∪ its deliverables')
=========  ======  ==================================================================

The SKU mix is a weighted Jaccard taken per SKU: quantities count different units
(8 training sessions, 1 discovery), so Σ min / Σ max over raw quantities would let the
SKU with the most units decide; per SKU, each one counts the same, and equal
quantities make it the plain Jaccard.

The SKU mix weighs most because the work itself is what a copied scope reuses; size
next because a scope ten times larger is planned differently; client and risks add
context. Scores are rounded half-up to 4 decimals; ties go to the lower engagement code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from psos_xl.errors import PsosError
from psos_xl.models import Catalog, Deliverable, EstimateBasis, Scope, ScopeInfo, Status
from psos_xl.pricing import estimate_hours
from psos_xl.pricing.money import ONE, ZERO, dec_str

CLIENT_PLACEHOLDER = "<client>"
TITLE_PLACEHOLDER = "<title>"

WEIGHTS: dict[str, Decimal] = {
    "skus": Decimal("0.50"),
    "size": Decimal("0.20"),
    "client": Decimal("0.15"),
    "risks": Decimal("0.15"),
}
SIMILAR_SIZE = Decimal("0.8")  # a size ratio from which the reason says "similar size"
_SCORE = Decimal("0.0001")
_CENTS = Decimal("0.01")


class ScopeCopyError(PsosError):
    """A scope cannot be started from the one asked for (the message says why)."""


# --- like ----------------------------------------------------------------------------


def like_scope(
    source: Scope,
    engagement: str,
    start: date | None,
    end: date | None,
    client: str | None = None,
    title: str | None = None,
    *,
    any_status: bool = False,
) -> Scope:
    """A new Draft scope from ``source`` (see the module docstring for what is copied).

    Dates: both given are used as given; only ``start`` keeps the source's duration
    (EndDate = start + (source EndDate − source StartDate)), only ``end`` likewise
    backwards; none leaves both empty. ``client`` and ``title`` are the new scope's;
    without them (or blank) it holds :data:`CLIENT_PLACEHOLDER` / :data:`TITLE_PLACEHOLDER`,
    never the source's. The source must be Completed unless ``any_status``.
    """
    code = engagement.strip()
    info = source.info
    if not code:
        raise ScopeCopyError("the new scope needs an engagement code")
    if code == info.engagement:
        raise ScopeCopyError(f"the new scope needs a code of its own, not {code}")
    if not any_status and info.status is not Status.COMPLETED:
        status = info.status.value if info.status else "no status"
        raise ScopeCopyError(
            f"{info.engagement} is {status}; only a Completed engagement is copied"
        )
    start, end = _dates(info, start, end)
    new_info = ScopeInfo(
        engagement=code,
        client=(client or "").strip() or CLIENT_PLACEHOLDER,
        title=(title or "").strip() or TITLE_PLACEHOLDER,
        start_date=start,
        end_date=end,
        billing_model=info.billing_model,
        discount=ZERO,
        status=Status.DRAFT,
        estimate_basis=EstimateBasis.P50,
        risks=list(info.risks),
        currency=info.currency,
    )
    return Scope(
        info=new_info,
        deliverables=[d.model_copy(update={"src": None}, deep=True) for d in source.deliverables],
        assumptions=[a.model_copy(update={"src": None}, deep=True) for a in source.assumptions],
    )


def _dates(
    info: ScopeInfo, start: date | None, end: date | None
) -> tuple[date | None, date | None]:
    if (start is None) == (end is None):
        return start, end
    if info.start_date is None or info.end_date is None:
        return start, end
    duration = info.end_date - info.start_date
    if start is not None:
        return start, start + duration
    assert end is not None
    return end - duration, end


def with_skus(
    scope: Scope,
    skus: Sequence[str],
    quantities: Mapping[str, Decimal],
    catalog: Catalog | None = None,
    source: str = "",
) -> tuple[Scope, list[str]]:
    """``scope`` holding the work of ``skus`` only, and one plain sentence per change.

    A listed SKU keeps the scope's deliverables of it; one in ``quantities`` gets that
    quantity in total (spread over its deliverables in proportion to their quantities,
    rounded to 2 decimals, the last taking the remainder); a listed SKU the scope lacks
    becomes a new deliverable (Medium, no risk, described by the catalog's service name);
    deliverables of SKUs not listed are left out. No ``skus``: the scope as it is.
    ``source`` names, in the sentences, the engagement the scope was copied from.
    """
    listed = _unique(skus)
    if not listed:
        return scope, []
    notes: list[str] = []
    source = source or scope.info.engagement
    rows = list(scope.deliverables)  # the source's order stays
    added: list[Deliverable] = []
    for sku in listed:
        if sku not in quantities:
            continue
        asked = quantities[sku]
        at = [i for i, d in enumerate(rows) if d.sku.strip() == sku]
        if not at:
            new = _new_deliverable(sku, scope.deliverables, added, catalog=catalog)
            added.append(new.model_copy(update={"quantity": asked}))
            notes.append(f"{sku} {_num(asked)} added (not in {source})")
            continue
        had = sum((rows[i].quantity for i in at), ZERO)
        if had == asked:
            continue
        notes.append(f"{sku} {_num(asked)} ({source} had {_num(had)})")
        for i, resized in zip(at, _spread([rows[i] for i in at], asked), strict=True):
            rows[i] = resized
    kept = [d for d in rows if d.sku.strip() in listed] + added
    left_out = _unique(d.sku for d in scope.deliverables if d.sku.strip() not in listed)
    if left_out:
        notes.append(f"left out (not asked): {', '.join(left_out)}")
    return scope.model_copy(update={"deliverables": kept}), notes


def _spread(rows: list[Deliverable], total: Decimal) -> list[Deliverable]:
    """``rows`` with quantities summing to ``total``, in proportion to their own."""
    had = sum((d.quantity for d in rows), ZERO)
    out: list[Deliverable] = []
    left = total
    for i, d in enumerate(rows):
        if i == len(rows) - 1:
            qty = left
        elif had > ZERO:
            qty = (total * d.quantity / had).quantize(_CENTS, rounding=ROUND_HALF_UP)
        else:
            qty = ZERO
        left -= qty
        out.append(d.model_copy(update={"quantity": _plain(qty)}))
    return out


def _new_deliverable(
    sku: str, *taken: Sequence[Deliverable], catalog: Catalog | None = None
) -> Deliverable:
    codes = {d.deliverable.strip().casefold() for rows in taken for d in rows}
    n = 1
    while f"d{n}" in codes:
        n += 1
    lines = catalog.service_lines(sku) if catalog is not None else []
    name = next((line.name for line in lines if line.name), "")
    return Deliverable(deliverable=f"D{n}", sku=sku, description=name or sku)


def _plain(value: Decimal) -> Decimal:
    """3.00 → 3, 1.50 → 1.5: a quantity as a person types it."""
    return value.quantize(ONE) if value == value.to_integral_value() else value.normalize()


def next_monday(today: date) -> date:
    """The first Monday after ``today`` (a Monday's next Monday is a week on)."""
    return today + timedelta(days=7 - today.weekday())


# --- closest -------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A Completed scope, how similar it is (0 to 1), and why, in plain words."""

    scope: Scope
    score: Decimal
    reasons: list[str]
    parts: dict[str, Decimal] = field(default_factory=dict)  # part → its score, unrounded

    @property
    def engagement(self) -> str:
        return self.scope.info.engagement

    def to_json(self) -> dict[str, Any]:
        return {
            "engagement": self.engagement,
            "location": str(self.scope.info.at("Engagement", self.scope.workbook)),
            "client": self.scope.info.client,
            "title": self.scope.info.title,
            "score": dec_str(self.score),
            "reasons": list(self.reasons),
            "parts": {k: dec_str(_round4(v)) for k, v in self.parts.items()},
        }


@dataclass(frozen=True)
class _Query:
    skus: list[str]
    quantities: dict[str, Decimal] | None
    client: str | None
    risks: list[str]
    size_hours: Decimal | None
    catalog: Catalog | None


def rank_closest(
    candidates: Sequence[Scope],
    skus: Sequence[str] = (),
    quantities: Mapping[str, Decimal] | None = None,
    client: str | None = None,
    risks: Sequence[str] = (),
    size_hours: Decimal | None = None,
    catalog: Catalog | None = None,
    top: int = 3,
) -> list[Match]:
    """The ``top`` Completed candidates most like the query, best first.

    Other statuses are never ranked. The query's parts are optional: empty ``skus`` and
    no ``quantities`` leave out the SKU mix, no ``client`` the client, empty ``risks`` the
    risks, and no ``size_hours`` or no ``catalog`` the size. Asked about nothing, every
    candidate scores 0 and the order is by engagement code.
    """
    listed = _unique([*skus, *(quantities or {})])
    query = _Query(
        skus=listed,
        quantities=(
            {s: (quantities or {}).get(s, ONE) for s in listed} if quantities is not None else None
        ),
        client=client.strip() if client and client.strip() else None,
        risks=_unique(risks),
        size_hours=size_hours if size_hours is not None and size_hours > ZERO else None,
        catalog=catalog,
    )
    matches = [
        _match(scope, query) for scope in candidates if scope.info.status is Status.COMPLETED
    ]
    matches.sort(key=lambda m: (-m.score, m.engagement))
    return matches[: max(top, 0)]


def closest_to(
    scope: Scope, candidates: Sequence[Scope], catalog: Catalog | None = None, top: int = 3
) -> list[Match]:
    """:func:`rank_closest` with the query taken from ``scope`` (a draft being written):
    its SKUs and quantities, client, risks and, with a catalog, its estimated hours.
    The scope itself (same engagement code) is never among the matches."""
    own = scope.info.engagement
    hours = _hours(catalog, scope) if catalog is not None else None
    return rank_closest(
        [c for c in candidates if c.info.engagement != own],
        quantities=_quantities(scope),
        client=scope.info.client or None,
        risks=sorted(_risks(scope)),
        size_hours=hours,
        catalog=catalog,
        top=top,
    )


def _match(scope: Scope, query: _Query) -> Match:
    parts: dict[str, Decimal] = {}
    reasons: list[str] = []
    theirs = _quantities(scope)
    if query.skus:
        parts["skus"] = _mix(query, theirs, reasons)
    if query.size_hours is not None and query.catalog is not None:
        hours = _hours(query.catalog, scope)
        ratio = _ratio(query.size_hours, hours)
        parts["size"] = ratio
        label = "similar size" if ratio >= SIMILAR_SIZE else "size"
        reasons.append(f"{label}: {_whole(hours)} h vs {_whole(query.size_hours)} h asked")
    if query.client is not None:
        same = scope.info.client.strip().casefold() == query.client.casefold()
        parts["client"] = ONE if same else ZERO
        if same:
            reasons.insert(0, f"same client ({scope.info.client.strip()})")
    if query.risks:
        mine = _risks(scope)
        shared = [r for r in query.risks if r in mine]
        parts["risks"] = _jaccard(set(query.risks), mine)
        if shared:
            noun = "risk" if len(shared) == 1 else "risks"
            reasons.append(f"shares {noun} {', '.join(shared)}")
    weight = sum((WEIGHTS[p] for p in parts), ZERO)
    total = sum((WEIGHTS[p] * s for p, s in parts.items()), ZERO)
    score = _round4(total / weight) if weight else ZERO
    return Match(scope=scope, score=score, reasons=reasons, parts=parts)


def _mix(query: _Query, theirs: dict[str, Decimal], reasons: list[str]) -> Decimal:
    common = [s for s in query.skus if s in theirs]
    if common:
        reasons.append(f"{len(common)} of {len(query.skus)} SKUs in common: {', '.join(common)}")
    if query.quantities is None:
        return _jaccard(set(query.skus), set(theirs))
    asked = query.quantities
    if common:
        said = [
            f"{s} {_num(theirs[s])} (same)"
            if theirs[s] == asked[s]
            else f"{s} {_num(theirs[s])} vs {_num(asked[s])} asked"
            for s in common
        ]
        reasons.append("quantities: " + ", ".join(said))
    keys = set(asked) | set(theirs)
    alike = sum((_ratio(asked[s], theirs[s]) for s in common), ZERO)
    return alike / len(keys) if keys else ZERO


def _quantities(scope: Scope) -> dict[str, Decimal]:
    """Quantity per SKU, summed over the scope's deliverables (positive quantities only)."""
    out: dict[str, Decimal] = {}
    for d in scope.deliverables:
        if d.sku.strip() and d.quantity > ZERO:
            out[d.sku.strip()] = out.get(d.sku.strip(), ZERO) + d.quantity
    return out


def _risks(scope: Scope) -> set[str]:
    return set(_unique([*scope.info.risks, *(r for d in scope.deliverables for r in d.risks)]))


def _hours(catalog: Catalog, scope: Scope) -> Decimal:
    """The scope's estimated hours on the catalog basis (overrides included)."""
    return sum(estimate_hours(catalog, scope, EstimateBasis.CATALOG).values(), ZERO)


def _jaccard(a: set[str], b: set[str]) -> Decimal:
    union = a | b
    return Decimal(len(a & b)) / len(union) if union else ZERO


def _ratio(a: Decimal, b: Decimal) -> Decimal:
    low, high = sorted([a, b])
    return low / high if high > ZERO and low > ZERO else ZERO


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(c.strip() for c in codes if c.strip()))


def _round4(value: Decimal) -> Decimal:
    return value.quantize(_SCORE, rounding=ROUND_HALF_UP)


def _whole(hours: Decimal) -> str:
    return dec_str(hours.quantize(ONE, rounding=ROUND_HALF_UP))


def _num(value: Decimal) -> str:
    return dec_str(value.normalize()) if value == value.to_integral_value() else dec_str(value)
