"""The sync step that keeps what was sold (DESIGN §12 "Baseline").

Once the store is up to date, each stored scope that is Sold, Active or Completed is
compared with its engagement's baseline (:mod:`psos_xl.pricing.baseline`):

- no baseline yet: the scope as it is now, priced against the stored catalog, becomes
  it (a Completed scope met for the first time, as in a workspace that starts using
  psos late, gets one too: the earliest the store knows of it);
- its terms differ from the last ones recorded (the baseline's, or the latest
  revision's): a new numbered revision, one line per deliverable that differs from the
  baseline, with the hours and price delta against it.

Everything is written in one transaction: a sync killed here leaves the step to the next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from psos_xl import models as m
from psos_xl.pricing import price
from psos_xl.pricing.baseline import (
    Baseline,
    Revision,
    RevisionLine,
    lines_json,
    revision,
    terms_json,
    terms_sha256,
)
from psos_xl.pricing.money import ZERO
from psos_xl.store import Store
from psos_xl.store import queries as q
from psos_xl.store.schema import baselines, now, revisions

KEPT = (m.Status.SOLD.value, m.Status.ACTIVE.value, m.Status.COMPLETED.value)


@dataclass
class BaselineChanges:
    """What the step recorded: engagements baselined, and revisions by engagement."""

    baselined: list[str] = field(default_factory=list)
    revised: dict[str, int] = field(default_factory=dict)  # engagement → revision number
    baselines: dict[str, Baseline] = field(default_factory=dict)


def _revision_rows(
    engagement: str, number: int, at: datetime, rev: Revision
) -> list[dict[str, object]]:
    return [
        {
            "engagement": engagement,
            "revision": number,
            "detected_at": at,
            "terms_sha256": rev.terms_sha256,
            "deliverable": line.deliverable,
            "change": line.change,
            "hours_delta": line.hours_delta,
            "price_delta": line.price_delta,
            "change_order": line.change_order,
        }
        for line in rev.lines
    ]


def record_baselines(
    store: Store, catalog: m.Catalog, scopes: Mapping[str, m.Scope] | None = None
) -> BaselineChanges:
    """Baseline the scopes that have none, record a revision for those that changed;
    ``scopes``: the stored Sold, Active and Completed ones when the caller has read them."""
    out = BaselineChanges()
    with store.begin() as conn:
        if scopes is None:
            scopes = q.load_scopes(conn, KEPT)
        known = q.load_baselines(conn)
        last: dict[str, tuple[int, str]] = {}
        for r in q.load_revisions(conn):
            last[r.engagement] = (r.revision, r.terms_sha256)
        at = now()
        for engagement, scope in scopes.items():
            base = known.get(engagement)
            sha = terms_sha256(scope)
            if base is None:
                base = Baseline.of(scope, price(catalog, scope))
                conn.execute(
                    baselines.insert().values(
                        engagement=engagement,
                        captured_at=at,
                        terms_sha256=base.terms_sha256,
                        hours=base.hours,
                        cost=base.cost,
                        price=base.price,
                        terms=terms_json(base.terms),
                        lines=lines_json(base.lines),
                    )
                )
                out.baselined.append(engagement)
            else:
                number, latest = last.get(engagement, (0, base.terms_sha256))
                if sha != latest:
                    rev = revision(base, scope, price(catalog, scope))
                    if sha == base.terms_sha256:
                        back = RevisionLine("", "back to the baseline", ZERO, ZERO)
                        rev = Revision(sha, [back])
                    conn.execute(
                        revisions.insert(), _revision_rows(engagement, number + 1, at, rev)
                    )
                    out.revised[engagement] = number + 1
            out.baselines[engagement] = base
    return out
