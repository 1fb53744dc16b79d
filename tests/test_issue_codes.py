"""docs/issue-codes.md documents every issue code, as errors.CODE_INFO defines it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from psos_xl.errors import CODE_INFO, Code

DOC = Path(__file__).parent.parent / "docs" / "issue-codes.md"
ROW = re.compile(
    r"^\| `(?P<code>[A-Z0-9_]+)` \| (?P<severity>\w+) \| (?P<meaning>.+?) \| (?P<example>.*) \|$"
)


def documented() -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            assert match["code"] not in rows, f"{match['code']} is documented twice"
            rows[match["code"]] = match.groupdict()
    return rows


def test_every_code_is_documented() -> None:
    missing = [c.value for c in Code if c.value not in documented()]
    assert not missing, f"codes missing from docs/issue-codes.md: {missing}"


def test_only_defined_codes_are_documented() -> None:
    unknown = sorted(set(documented()) - {c.value for c in Code})
    assert not unknown, f"docs/issue-codes.md documents codes errors.Code lacks: {unknown}"


def test_every_code_has_its_severity_and_meaning() -> None:
    missing = [c.value for c in Code if c not in CODE_INFO]
    assert not missing, f"codes without CODE_INFO: {missing}"


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_the_doc_row_matches_code_info(code: Code) -> None:
    row = documented().get(code.value)
    if row is None:
        pytest.fail(f"{code} is missing from docs/issue-codes.md")
    info = CODE_INFO[code]
    assert row["severity"] == info.severity.value
    assert row["meaning"] == info.meaning
    example = row["example"].strip("`")
    assert re.match(rf"^\S.*: {code.value} \S", example), f"{code}: example {example!r}"
