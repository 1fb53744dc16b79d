"""What was sold, and what changed since (DESIGN §12 "Baseline").

The **baseline** of an engagement is its scope as priced when it was first seen Sold or
Active: per deliverable its terms (SKU, quantity, complexity, risks, overrides) and per
deliverable × role the estimated hours, cost and price. A later change to the scope's
**terms** (:func:`terms_of`: deliverables, overrides and the fields that price it) is a
**revision**: one row per deliverable that differs from the baseline, with what changed
and the hours and price delta against the baseline. A change of the catalog's learned
hours is not a revision: the baseline keeps the hours it was sold with.

A deliverable's price is its share of the scope's price: the list price of its lines
× (price ÷ list price), so discount and contingency spread over it as over the whole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from psos_xl.models import Deliverable, Scope
from psos_xl.pricing.money import ZERO, round2
from psos_xl.pricing.quote import Quote

# the ScopeInfo fields that change a price (the others name or date the engagement)
PRICING_FIELDS = ("billing_model", "discount", "estimate_basis", "risks", "currency")


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _shown(overrides: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{role} {hours} h" for role, hours in overrides) or "–"


@dataclass(frozen=True)
class Terms:
    """What a deliverable was sold as."""

    sku: str
    quantity: str
    complexity: str
    risks: tuple[str, ...]
    overrides: tuple[tuple[str, str], ...]  # (role, hours), by role

    @classmethod
    def of(cls, d: Deliverable, overrides: Sequence[tuple[str, Decimal]]) -> Terms:
        return cls(
            d.sku,
            _num(d.quantity),
            d.complexity,
            tuple(sorted(r.casefold() for r in d.risks)),
            tuple(sorted((role, _num(h)) for role, h in overrides)),
        )

    def changes(self, now: Terms) -> list[str]:
        """What differs from ``now``, as a person says it."""
        out = []
        for name in ("sku", "quantity", "complexity"):
            before, after = getattr(self, name), getattr(now, name)
            if before != after:
                out.append(f"{name.capitalize() if name != 'sku' else 'SKU'} {before} → {after}")
        if self.risks != now.risks:
            out.append(f"Risks {', '.join(self.risks) or '–'} → {', '.join(now.risks) or '–'}")
        if self.overrides != now.overrides:
            out.append(f"Overrides {_shown(self.overrides)} → {_shown(now.overrides)}")
        return out


def terms_of(scope: Scope) -> dict[str, Terms]:
    """Each deliverable's terms, by deliverable code."""
    by: dict[str, list[tuple[str, Decimal]]] = {}
    for o in scope.overrides:
        by.setdefault(o.deliverable.casefold(), []).append((o.role, o.hours))
    return {
        d.deliverable: Terms.of(d, by.get(d.deliverable.casefold(), [])) for d in scope.deliverables
    }


def terms_sha256(scope: Scope) -> str:
    """The hash of what prices the scope: its deliverables' terms and pricing fields."""
    info = scope.info
    fields: dict[str, Any] = {}
    for name in PRICING_FIELDS:
        value = getattr(info, name)
        if isinstance(value, Decimal):
            value = _num(value)
        elif isinstance(value, list):
            value = sorted(str(v).casefold() for v in value)
        fields[name] = None if value is None else str(getattr(value, "value", value))
    body = {"fields": fields, "terms": {k: asdict(v) for k, v in sorted(terms_of(scope).items())}}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Figures:
    """Hours, cost and price of a deliverable or of one of its roles."""

    hours: Decimal = ZERO
    cost: Decimal = ZERO
    price: Decimal = ZERO


def priced(quote: Quote) -> dict[tuple[str, str], Figures]:
    """Per (deliverable, role): the quote's hours, cost and share of its price."""
    share = quote.price / quote.list if quote.list else ZERO
    out: dict[tuple[str, str], Figures] = {}
    for line in quote.lines:
        key = (line.deliverable, line.role)
        was = out.get(key, Figures())
        out[key] = Figures(
            was.hours + line.hours, was.cost + line.cost, was.price + line.list * share
        )
    return {k: Figures(f.hours, round2(f.cost), round2(f.price)) for k, f in out.items()}


def by_deliverable(lines: Mapping[tuple[str, str], Figures]) -> dict[str, Figures]:
    out: dict[str, Figures] = {}
    for (deliverable, _role), f in lines.items():
        was = out.get(deliverable, Figures())
        out[deliverable] = Figures(was.hours + f.hours, was.cost + f.cost, was.price + f.price)
    return out


@dataclass(frozen=True)
class Baseline:
    """An engagement as sold: its terms and priced lines."""

    engagement: str
    terms_sha256: str
    terms: dict[str, Terms]
    lines: dict[tuple[str, str], Figures]
    hours: Decimal
    cost: Decimal
    price: Decimal

    @classmethod
    def of(cls, scope: Scope, quote: Quote) -> Baseline:
        return cls(
            scope.info.engagement,
            terms_sha256(scope),
            terms_of(scope),
            priced(quote),
            quote.hours,
            quote.cost,
            quote.price,
        )

    def hours_of(self, deliverable: str, role: str) -> Decimal | None:
        f = self.lines.get((deliverable, role))
        return f.hours if f is not None else None


@dataclass(frozen=True)
class RevisionLine:
    """One deliverable of a revision: what changed against the baseline."""

    deliverable: str
    change: str
    hours_delta: Decimal
    price_delta: Decimal
    change_order: str = ""


@dataclass(frozen=True)
class Revision:
    terms_sha256: str
    lines: list[RevisionLine] = field(default_factory=list)


def revision(baseline: Baseline, scope: Scope, quote: Quote) -> Revision:
    """The scope's changes against ``baseline``: one line per deliverable added, removed
    or changed, in the scope's order then the removed ones; a change of the pricing
    fields alone is one line with an empty deliverable."""
    now_terms = terms_of(scope)
    now = by_deliverable(priced(quote))
    then = by_deliverable(baseline.lines)
    orders = {d.deliverable: d.change_order for d in scope.deliverables}
    lines: list[RevisionLine] = []
    for code, terms in now_terms.items():
        was = baseline.terms.get(code)
        if was == terms:
            continue
        change = "added" if was is None else "; ".join(was.changes(terms))
        a, b = then.get(code, Figures()), now.get(code, Figures())
        lines.append(
            RevisionLine(code, change, b.hours - a.hours, b.price - a.price, orders.get(code, ""))
        )
    for code in baseline.terms:
        if code not in now_terms:
            a = then.get(code, Figures())
            lines.append(RevisionLine(code, "removed", -a.hours, -a.price))
    if not lines:
        lines.append(
            RevisionLine(
                "",
                "pricing fields changed",
                quote.hours - baseline.hours,
                quote.price - baseline.price,
            )
        )
    return Revision(terms_sha256(scope), lines)


def unordered(baseline_terms: Mapping[str, Terms], scope: Scope) -> list[Deliverable]:
    """The deliverables added or changed since the baseline with no ChangeOrder."""
    now = terms_of(scope)
    return [
        d
        for d in scope.deliverables
        if not d.change_order.strip() and baseline_terms.get(d.deliverable) != now[d.deliverable]
    ]


# --- as the store keeps it ---------------------------------------------------------------


def terms_json(terms: Mapping[str, Terms]) -> str:
    return json.dumps({k: asdict(v) for k, v in terms.items()}, ensure_ascii=False)


def terms_from(text: str) -> dict[str, Terms]:
    out: dict[str, Terms] = {}
    for code, t in json.loads(text).items():
        out[code] = Terms(
            t["sku"],
            t["quantity"],
            t["complexity"],
            tuple(t["risks"]),
            tuple((r, h) for r, h in t["overrides"]),
        )
    return out


def lines_json(lines: Mapping[tuple[str, str], Figures]) -> str:
    rows = [[d, r, str(f.hours), str(f.cost), str(f.price)] for (d, r), f in lines.items()]
    return json.dumps(rows, ensure_ascii=False)


def lines_from(text: str) -> dict[tuple[str, str], Figures]:
    return {
        (d, r): Figures(Decimal(h), Decimal(c), Decimal(p)) for d, r, h, c, p in json.loads(text)
    }
