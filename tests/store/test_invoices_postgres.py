"""Invoices on a PostgreSQL store: the same figures as on SQLite, nothing billed twice,
and invoice runs at once never share a number (the store-wide lock)."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import billfirm

from psos_xl.app.invoice import issue_invoice
from psos_xl.app.invoices import list_invoices
from store.test_postgres import pg_server, pg_url  # noqa: F401 - the fixtures

D = Decimal


def test_invoices_on_postgres_match_the_hand_computed_ones(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    root = billfirm.build(tmp_path / "firm", {"store": pg_url})
    start = threading.Barrier(4)
    results: dict[str, object] = {}

    def run(engagement: str) -> None:
        start.wait()
        results[engagement] = issue_invoice(
            root, engagement, billfirm.THROUGH, today=billfirm.ISSUED
        )

    threads = [
        threading.Thread(target=run, args=(e,)) for e in ("TM-01", "FF-01", "MS-01", "RT-01")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    nets = {e: r.net for e, r in results.items()}  # type: ignore[attr-defined]
    assert nets == {
        "TM-01": D("4512.00"),
        "FF-01": D("2464.00"),
        "MS-01": D("1100.00"),
        "RT-01": D("1000.00"),
    }
    numbers = sorted(i.number for i in list_invoices(root).invoices)
    assert numbers == [f"INV-2026-000{n}" for n in range(1, 5)]
    again = issue_invoice(root, "TM-01", billfirm.THROUGH, today=billfirm.ISSUED)
    assert again.number is None
