"""JSON Schemas of the canonical models, generated into ``schemas/``.

Other tools (a Power Automate flow, a BI import) validate against these files, so
they are checked in; ``make schemas`` regenerates them and a test fails when they
are stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from psos_xl.errors import Code, Severity
from psos_xl.models import Catalog, Scope, Timesheet


class IssueJson(BaseModel):
    """A problem found at a place: ``location`` is ``workbook!sheet!cell``."""

    # the shape of Issue.to_dict(), which every command's --json prints
    model_config = ConfigDict(title="Issue")

    code: Code
    severity: Severity
    location: str
    message: str


def all_schemas() -> dict[str, dict[str, Any]]:
    return {
        "catalog.schema.json": Catalog.model_json_schema(),
        "scope.schema.json": Scope.model_json_schema(),
        "timesheet.schema.json": Timesheet.model_json_schema(),
        "issue.schema.json": IssueJson.model_json_schema(),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = folder / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "schemas")):
        print(p)
