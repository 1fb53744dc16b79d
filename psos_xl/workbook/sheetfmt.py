"""What a written table's sheet needs besides its cells, as string surgery on the
sheet's XML (outside ``<sheetData>``): column widths, conditional formats and
validations that follow the table's rows, and the conditional format of a highlight.

Every edit leaves the text it does not change as it was.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from psos_xl.workbook.sheetxml import Area, PatchError, attrs, col_letters, set_attr

# the children of <worksheet> that come after conditional formats, in schema order
_AFTER_CF = (
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
_CF_OR_DV = re.compile(
    r"<((?:[\w.-]+:)?)(conditionalFormatting|dataValidation)\b([^>]*?)(/)?>(?(4)|.*?</\1\2>)",
    re.DOTALL,
)


# --- column widths ----------------------------------------------------------------------


@dataclass
class _Col:
    lo: int
    hi: int
    tag: str  # the whole <col .../> element

    @property
    def width(self) -> float | None:
        w = attrs(self.tag).get("width")
        try:
            return float(w) if w is not None else None
        except ValueError:
            return None

    def span(self, lo: int, hi: int) -> _Col:
        tag = set_attr(set_attr(self.tag, "min", str(lo)), "max", str(hi))
        return _Col(lo, hi, tag)


def widen_columns(xml: str, p: str, wants: dict[int, float]) -> str:
    """``xml`` with each column in ``wants`` at least that wide (never narrower than it
    was); a ``<col>`` spanning several columns is split around a widened one."""
    m = re.search(rf"<{p}cols\b[^>]*>(.*?)</{p}cols>", xml, re.DOTALL)
    cols: list[_Col] = []
    if m is not None:
        for c in re.finditer(rf"<{p}col\b[^>]*?/?>(?:</{p}col>)?", m[1]):
            a = attrs(c[0])
            cols.append(_Col(int(a.get("min", "1")), int(a.get("max", a.get("min", "1"))), c[0]))
    changed = False
    for col, want in sorted(wants.items()):
        want = round(want, 2)
        covering = next((c for c in cols if c.lo <= col <= c.hi), None)
        if covering is None:
            tag = f'<{p}col min="{col}" max="{col}" width="{want:g}" customWidth="1"/>'
            cols.append(_Col(col, col, tag))
            changed = True
            continue
        width = covering.width
        if width is not None and width >= want:
            continue
        cols.remove(covering)
        if covering.lo < col:
            cols.append(covering.span(covering.lo, col - 1))
        if col < covering.hi:
            cols.append(covering.span(col + 1, covering.hi))
        widened = set_attr(covering.span(col, col).tag, "width", f"{want:g}")
        cols.append(_Col(col, col, set_attr(widened, "customWidth", "1")))
        changed = True
    if not changed:
        return xml
    body = "".join(c.tag for c in sorted(cols, key=lambda c: c.lo))
    if m is not None:
        return xml[: m.start(1)] + body + xml[m.end(1) :]
    block = f"<{p}cols>{body}</{p}cols>"
    at = re.search(rf"<{p}sheetData\b", xml)
    if at is None:
        raise PatchError("the sheet has no sheetData")
    return xml[: at.start()] + block + xml[at.start() :]


# --- ranges that follow a table ------------------------------------------------------------


def follow_table(
    xml: str, columns: tuple[int, int], first: int, old_last: int, new_last: int
) -> str:
    """Conditional formats and validations over the table's data rows follow them: a
    range in the table's columns from a data row to the old last data row ends at the
    new last one (as Excel grows and shrinks them with the table); a range reaching
    further down only grows, when the table grows past it."""
    if old_last == new_last:
        return xml

    def move(ref: str) -> str | None:
        try:
            a = Area.parse(ref)
        except PatchError:
            return ref
        if a.c1 < columns[0] or a.c2 > columns[1] or not first <= a.r1 <= old_last:
            return ref
        if a.r2 < old_last:
            return ref
        end = new_last if a.r2 == old_last else max(a.r2, new_last)
        if end < a.r1:
            return None  # the table shrank above it: another ref of the list goes on
        return (
            str(Area(a.c1, a.r1, a.c2, end))
            if (a.c1, a.r1) != (a.c2, end)
            else (f"{col_letters(a.c1)}{a.r1}")
        )

    def moved(sqref: str) -> str:
        refs = [move(r) for r in sqref.split()]
        kept = [r for r in refs if r is not None]
        return " ".join(kept) if kept else f"{col_letters(columns[0])}{first}"

    def edit(m: re.Match[str]) -> str:
        whole = m[0]
        start = re.match(r"<[^>]*>", whole)
        assert start is not None
        tag = start[0]
        sqref = attrs(tag).get("sqref")
        if sqref is not None:
            tag = set_attr(tag, "sqref", moved(sqref))
        rest = re.sub(
            r"(<(?:[\w.-]+:)?sqref>)([^<]*)(<)",
            lambda s: s[1] + moved(s[2]) + s[3],
            whole[len(start[0]) :],
        )
        return tag + rest

    return _CF_OR_DV.sub(edit, xml)


# --- conditional formats ------------------------------------------------------------------


def ensure_rules(xml: str, p: str, sqref: str, rules: list[tuple[str, int]]) -> str:
    """``xml`` with a conditional format over ``sqref`` whose rules are ``rules``
    (formula, dxf index), the first true one applying. A conditional format that
    already has these rules is given ``sqref``; else one is added after the sheet's
    others."""
    if not rules:
        return xml
    first_formula = rules[0][0]
    for m in re.finditer(
        rf"<{p}conditionalFormatting\b[^>]*>(.*?)</{p}conditionalFormatting>", xml, re.DOTALL
    ):
        formulas = [html.unescape(f) for f in re.findall(rf"<{p}formula>([^<]*)</", m[1])]
        if formulas[:1] == [first_formula] and len(formulas) == len(rules):
            start = re.match(r"<[^>]*>", m[0])
            assert start is not None
            if attrs(start[0]).get("sqref") == sqref:
                return xml
            tag = set_attr(start[0], "sqref", sqref)
            return xml[: m.start()] + tag + m[0][len(start[0]) :] + xml[m.end() :]
    priorities = [int(x) for x in re.findall(r'\bpriority="(\d+)"', xml)]
    top = max(priorities, default=0)
    body = "".join(
        f'<{p}cfRule type="expression" dxfId="{dxf}" priority="{top + i}" stopIfTrue="1">'
        f"<{p}formula>{_escape(formula)}</{p}formula></{p}cfRule>"
        for i, (formula, dxf) in enumerate(rules, start=1)
    )
    block = f'<{p}conditionalFormatting sqref="{sqref}">{body}</{p}conditionalFormatting>'
    ends = [
        m.end()
        for m in re.finditer(
            rf"</{p}conditionalFormatting>|<{p}conditionalFormatting\b[^>]*/>", xml
        )
    ]
    if ends:
        return xml[: ends[-1]] + block + xml[ends[-1] :]
    for name in _AFTER_CF:
        after = re.search(rf"<{p}{name}\b", xml)
        if after is not None:
            return xml[: after.start()] + block + xml[after.start() :]
    end = xml.rindex(f"</{p}worksheet>")
    return xml[:end] + block + xml[end:]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
