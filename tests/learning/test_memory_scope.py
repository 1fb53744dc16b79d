"""A scope copied from memory made ready to price: the work asked (``--skus``), the next
Monday, and the placeholders validation flags until the new client and title are typed.

Source ACM-01 (test_closest's): D1 DISC 1 at Medium; D2 BUILD 3 at High with REG in
milestone M2; plus, here, D3 MIGR 1 and D4 MIGR 2 to spread a quantity over.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from learning.test_closest import delivered, make_catalog
from psos_xl.errors import Code, Location, Severity
from psos_xl.learning.memory import (
    CLIENT_PLACEHOLDER,
    TITLE_PLACEHOLDER,
    like_scope,
    next_monday,
    with_skus,
)
from psos_xl.models import Deliverable, Scope, ServiceLine
from psos_xl.rules import RuleContext
from psos_xl.rules.scope import placeholders_replaced

D = Decimal


def source() -> Scope:
    scope = delivered()
    scope.deliverables += [
        Deliverable(deliverable="D3", sku="MIGR", quantity=D(1), risks=["DATAQ"]),
        Deliverable(deliverable="D4", sku="MIGR", quantity=D(2)),
    ]
    return scope


def _rows(scope: Scope) -> list[tuple[str, str, Decimal, str, list[str], str]]:
    return [
        (d.deliverable, d.sku, d.quantity, d.complexity, d.risks, d.milestone)
        for d in scope.deliverables
    ]


def test_next_monday_is_after_today() -> None:
    assert next_monday(date(2026, 12, 6)) == date(2026, 12, 7)  # a Sunday
    assert next_monday(date(2026, 12, 7)) == date(2026, 12, 14)  # a Monday: a week on
    assert next_monday(date(2026, 12, 9)) == date(2026, 12, 14)
    assert next_monday(date(2026, 12, 31)) == date(2027, 1, 4)


def test_skus_set_the_quantities_and_leave_the_rest_out() -> None:
    new, notes = with_skus(source(), ["BUILD"], {"BUILD": D(6)}, source="ACM-01")
    assert _rows(new) == [("D2", "BUILD", D(6), "High", ["REG"], "M2")]
    assert notes == ["BUILD 6 (ACM-01 had 3)", "left out (not asked): DISC, MIGR"]


def test_a_sku_without_quantity_keeps_the_copied_ones() -> None:
    new, notes = with_skus(source(), ["MIGR", "DISC"], {}, source="ACM-01")
    assert [(d.deliverable, d.quantity) for d in new.deliverables] == [
        ("D1", D(1)),
        ("D3", D(1)),
        ("D4", D(2)),
    ]
    assert notes == ["left out (not asked): BUILD"]


def test_a_quantity_is_spread_over_the_deliverables_of_its_sku() -> None:
    new, notes = with_skus(source(), ["MIGR"], {"MIGR": D(4)}, source="ACM-01")
    # 4 × 1/3 = 1.33, the last takes the remainder: 2.67; the total is what was asked
    assert [(d.deliverable, d.quantity, d.risks) for d in new.deliverables] == [
        ("D3", D("1.33"), ["DATAQ"]),
        ("D4", D("2.67"), []),
    ]
    assert sum(d.quantity for d in new.deliverables) == D(4)
    doubled, _ = with_skus(source(), ["MIGR"], {"MIGR": D(6)})
    assert [str(d.quantity) for d in doubled.deliverables] == ["2", "4"]  # as typed
    assert notes[0] == "MIGR 4 (ACM-01 had 3)"


def test_a_sku_the_source_lacks_becomes_a_deliverable() -> None:
    catalog = make_catalog()
    catalog.services.append(ServiceLine(sku="AUDIT", name="Security audit", role="SA", hours=D(4)))
    new, notes = with_skus(
        source(), ["DISC", "TRAIN", "AUDIT"], {"TRAIN": D(2), "AUDIT": D(1)}, catalog, "ACM-01"
    )
    assert _rows(new) == [
        ("D1", "DISC", D(1), "Medium", [], ""),
        ("D5", "TRAIN", D(2), "Medium", [], ""),
        ("D6", "AUDIT", D(1), "Medium", [], ""),
    ]
    assert [d.description for d in new.deliverables[1:]] == ["TRAIN", "Security audit"]
    assert notes == [
        "TRAIN 2 added (not in ACM-01)",
        "AUDIT 1 added (not in ACM-01)",
        "left out (not asked): BUILD, MIGR",
    ]


def test_no_skus_leave_the_copy_as_it_is() -> None:
    scope = source()
    assert with_skus(scope, [], {}) == (scope, [])
    same, notes = with_skus(scope, ["DISC", "BUILD", "MIGR"], {"BUILD": D(3)})
    assert same.deliverables == scope.deliverables and notes == []


def _at(scope: Scope) -> Scope:
    """``scope`` as the reader gives it: each ScopeInfo field knows its cell."""
    cells = {"client": Location("NEW-01.xlsx", "ScopeInfo", "B5")}
    cells["title"] = Location("NEW-01.xlsx", "ScopeInfo", "B6")
    info = scope.info.model_copy(update={"cells": cells})
    return scope.model_copy(update={"info": info})


def test_placeholders_are_a_warning_at_their_cells_until_replaced() -> None:
    copied = _at(like_scope(delivered(), "NEW-01", date(2027, 1, 4), None))
    assert (copied.info.client, copied.info.title) == (CLIENT_PLACEHOLDER, TITLE_PLACEHOLDER)
    found = placeholders_replaced(copied, RuleContext())
    assert [(i.code, i.severity, str(i.location)) for i in found] == [
        (Code.PLACEHOLDER_NOT_REPLACED, Severity.WARNING, "NEW-01.xlsx!ScopeInfo!B5"),
        (Code.PLACEHOLDER_NOT_REPLACED, Severity.WARNING, "NEW-01.xlsx!ScopeInfo!B6"),
    ]
    assert "placeholder <client>" in found[0].message
    named = like_scope(delivered(), "NEW-01", None, None, client="Zeta", title="Rollout")
    assert placeholders_replaced(_at(named), RuleContext()) == []
    for client, flagged in (("<name of the client>", True), ("Acme <EU>", False), ("", False)):
        info = copied.info.model_copy(update={"client": client, "title": "Rollout"})
        assert (
            bool(placeholders_replaced(copied.model_copy(update={"info": info}), RuleContext()))
            is flagged
        )
