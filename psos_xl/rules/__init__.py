"""Validation rules: plain functions with one signature, in explicit tuples.

A rule is ``rule(model, ctx) -> list[Issue]``: it looks at one model (a catalog, a
scope or a timesheet), may consult the :class:`RuleContext` (the catalog a scope is
priced against, the engagements a timesheet books to), and returns every problem it
finds, each at its exact cell. Rules never raise on purpose; :func:`run_rules` turns a
rule that crashes anyway into one ``RULE_FAILED`` issue naming the rule, and runs the
others.

The rules of each kind live in :mod:`psos_xl.rules.catalog`, :mod:`psos_xl.rules.scope`
and :mod:`psos_xl.rules.timesheet`, each as a tuple ``RULES``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, TypeVar, cast

from psos_xl.errors import Code, Issue, Location, Severity
from psos_xl.models import Catalog, Engagement, Row, Scope, Status, Timesheet
from psos_xl.pricing.baseline import Terms

# the statuses whose engagements take time and expenses
BOOKABLE = frozenset({Status.SOLD.value, Status.ACTIVE.value, Status.COMPLETED.value})


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know beyond its own model.

    ``catalog`` is the catalog scopes and timesheets are checked against (None when
    none was found; ``catalog_note`` then says why). ``engagements`` are the workspace's
    engagements by code, as its scopes define them (None when not known, e.g. for a
    timesheet outside a workspace: the engagement checks are then skipped).
    ``reported`` holds the locations where the reader found an error (and so left a
    value or row out of the model), so a rule does not pile a second issue on them: a
    StartDate of 'next week' is NOT_A_DATE, not also FIELD_MISSING. ``sold`` holds each
    baselined engagement's deliverables as sold, so a change since without a change
    order is flagged (CHANGE_WITHOUT_ORDER; in sync only: baselines live in the store).
    """

    catalog: Catalog | None = None
    catalog_note: str = ""
    engagements: Mapping[str, Engagement] | None = None
    reported: frozenset[Location] = field(default_factory=frozenset)
    # each engagement's deliverables as sold (their terms), when the store knows them
    sold: Mapping[str, Mapping[str, Terms]] | None = None


# --- what of a checked model counts ---------------------------------------------------

Checked = TypeVar("Checked", bound=Catalog | Scope | Timesheet)


def without_rejected(model: Checked, issues: Iterable[Issue]) -> Checked:
    """``model`` without the rows an error issue points at: what counts of it, and what
    sync stores (the rows are kept apart as rejects)."""
    bad: set[tuple[str, int]] = set()
    for issue in issues:
        where = issue.location
        row = where.row if issue.is_error and where.sheet else None
        if row is not None:
            bad.add((where.sheet, row))
    if not bad:
        return model

    def keep(rows: Sequence[Row]) -> list[Any]:
        return [r for r in rows if r.src is None or (r.src.sheet, r.src.row) not in bad]

    names: tuple[str, ...]
    if isinstance(model, Catalog):
        names = ("roles", "services", "complexity", "risks", "people")
    elif isinstance(model, Scope):
        names = ("deliverables", "assumptions", "overrides")
    else:
        names = ("entries", "expenses")
    return cast(Checked, model.model_copy(update={n: keep(getattr(model, n)) for n in names}))


class HasWorkbook(Protocol):
    @property
    def workbook(self) -> str: ...


M = TypeVar("M", bound=HasWorkbook)
Rule = Callable[[M, RuleContext], list[Issue]]


def rule_name(rule: Callable[..., object]) -> str:
    """``scope.known_skus`` for psos' own rules, ``module.name`` for any other."""
    module = getattr(rule, "__module__", None) or ""
    name = getattr(rule, "__qualname__", None) or getattr(rule, "__name__", None) or repr(rule)
    module = module.removeprefix(f"{__name__}.")
    return f"{module}.{name}" if module else name


def run_rules(rules: Sequence[Rule[M]], model: M, ctx: RuleContext) -> list[Issue]:
    """Run every rule on ``model``; a rule that raises becomes one RULE_FAILED issue."""
    issues: list[Issue] = []
    for rule in rules:
        try:
            issues.extend(rule(model, ctx))
        except Exception as err:  # a broken rule must not hide the other checks
            issues.append(
                Issue.make(
                    Code.RULE_FAILED,
                    model.workbook or "<workbook>",
                    f"the check {rule_name(rule)} failed ({type(err).__name__}: {err}); "
                    "the other checks still ran",
                )
            )
    return issues


# --- helpers shared by the rule modules ------------------------------------------------


def catalog_missing(workbook: str, ctx: RuleContext, skipped: str) -> list[Issue]:
    """The one CATALOG_NOT_FOUND warning of a workbook checked without a catalog."""
    if ctx.catalog is not None:
        return []
    why = f" ({ctx.catalog_note})" if ctx.catalog_note else ""
    return [
        Issue.make(
            Code.CATALOG_NOT_FOUND,
            workbook,
            f"no catalog to check against{why}; skipped the checks of {skipped}",
            Severity.WARNING,
        )
    ]


def unknown(what: str, value: str, known: Iterable[str], table: str) -> str:
    """``role 'sa' is not in Roles (did you mean 'SA'?)``."""
    pool = sorted(set(known))
    folded = [k for k in pool if k.casefold() == value.casefold()]
    close = folded or difflib.get_close_matches(value, pool, n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{what} {value!r} is not in {table}{hint}"


K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


def duplicates(rows: Iterable[R], key: Callable[[R], K]) -> list[tuple[R, R]]:
    """(first, later) for every row whose key an earlier row already had."""
    first: dict[K, R] = {}
    out: list[tuple[R, R]] = []
    for row in rows:
        k = key(row)
        if k in first:
            out.append((first[k], row))
        else:
            first[k] = row
    return out


def fmt(value: object) -> str:
    """A Decimal as a person writes it: 7.50 → 7.5, 40.0 → 40."""
    text = f"{value:f}" if isinstance(value, Decimal) else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def is_blank(value: object) -> bool:
    return value is None or value == "" or value == []
