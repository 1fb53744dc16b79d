from __future__ import annotations

from pathlib import Path

from psos_xl.schemas import all_schemas, render

SCHEMAS = Path(__file__).parent.parent / "schemas"


def test_checked_in_schemas_are_current() -> None:
    stale = [
        name
        for name, schema in all_schemas().items()
        if not (SCHEMAS / name).is_file()
        or (SCHEMAS / name).read_text(encoding="utf-8") != render(schema)
    ]
    assert not stale, f"stale JSON Schemas {stale}: run `make schemas`"


def test_schemas_leave_out_lineage() -> None:
    for name, schema in all_schemas().items():
        text = render(schema)
        assert '"src"' not in text, name
