"""The dashboard reads the engagement ledger once for margin, burn and forecast."""

from __future__ import annotations

from pathlib import Path

import econfirm
import pytest

from psos_xl.app import ledger
from psos_xl.app.dashboard import write_dashboard
from psos_xl.app.margin import workspace_burn, workspace_margin


def test_one_read_computes_the_ledger_once_and_the_figures_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = econfirm.build(tmp_path / "firm")
    calls: list[object] = []
    real = ledger.ledger

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ledger, "ledger", counted)
    alone = workspace_margin(root, econfirm.AS_OF).to_json()
    workspace_burn(root, econfirm.AS_OF)
    assert len(calls) == 2  # each report on its own reads it
    calls.clear()
    with ledger.one_read():
        shared = workspace_margin(root, econfirm.AS_OF).to_json()
        workspace_burn(root, econfirm.AS_OF)
        workspace_margin(root, econfirm.W2)  # another day is another ledger
    assert len(calls) == 2 and shared == alone
    calls.clear()
    write_dashboard(root, tmp_path / "dashboard.xlsx", econfirm.AS_OF)
    assert len(calls) == 1  # margin, burn and forecast on one ledger
