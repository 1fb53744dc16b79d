"""Add number formats, cell formats, fonts and conditional-format styles to a
workbook's ``xl/styles.xml`` by string surgery, as the table patch edits sheets.

The styles part only ever grows: an entry is appended to its list (``numFmts``,
``fonts``, ``cellXfs``, ``dxfs``) with the list's ``count`` updated, and an entry that
is already there, identical, is reused instead. Existing entries keep their index and
their text, so every cell of the user keeps the look it had.

    styles = StylesXml(text)
    s = styles.with_format(base="3", code="#,##0.00")   # an xf index, as text
    if styles.changed: parts["xl/styles.xml"] = styles.text.encode()
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from psos_xl.workbook.sheetxml import PatchError, attrs, set_attr

# formats Excel knows by number, with no numFmt entry
BUILTIN_FORMATS = {
    "General": 0,
    "0": 1,
    "0.00": 2,
    "#,##0": 3,
    "#,##0.00": 4,
    "0%": 9,
    "0.00%": 10,
}
_FIRST_CUSTOM_FORMAT = 164
# the children of <styleSheet>, in the order the schema requires
_ORDER = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)
_ITEM = {"numFmts": "numFmt", "fonts": "font", "cellXfs": "xf", "dxfs": "dxf"}


@dataclass(frozen=True)
class Fill:
    """A conditional format's look: background and text colour (ARGB hex)."""

    background: str
    text: str


class StylesXml:
    """The text of a styles part, with entries appended as they are asked for."""

    def __init__(self, text: str) -> None:
        root = re.search(r"<([\w.-]+:)?styleSheet\b", text)
        if root is None:
            raise PatchError("the styles part has no styleSheet")
        self.p = root[1] or ""
        self.text = text
        self._original = text

    @property
    def changed(self) -> bool:
        return self.text != self._original

    # --- the lists -----------------------------------------------------------------

    def _section(self, name: str) -> re.Match[str] | None:
        p = re.escape(self.p)
        return re.search(
            rf"<{p}{name}\b[^>]*?/>|<{p}{name}\b[^>]*>.*?</{p}{name}>", self.text, re.DOTALL
        )

    def _items(self, name: str) -> list[str]:
        section = self._section(name)
        if section is None:
            return []
        item = re.escape(self.p + _ITEM[name])
        body = section[0]
        return re.findall(rf"<{item}\b[^>]*?/>|<{item}\b[^>]*>.*?</{item}>", body, re.DOTALL)

    def _append(self, name: str, item: str) -> int:
        """Append ``item`` to list ``name`` (made when missing); returns its index."""
        p = self.p
        section = self._section(name)
        count = len(self._items(name))
        if section is None:
            block = f'<{p}{name} count="1">{item}</{p}{name}>'
            self.text = self._insert_section(name, block)
            return 0
        whole = section[0]
        start = re.match(r"<[^>]*?/?>", whole)
        assert start is not None
        tag = start[0]
        if tag.endswith("/>"):
            open_tag = set_attr(tag[:-2].rstrip() + ">", "count", str(count + 1))
            new = f"{open_tag}{item}</{p}{name}>"
        else:
            close = f"</{p}{name}>"
            new = set_attr(tag, "count", str(count + 1)) + whole[len(tag) : -len(close)]
            new += item + close
        self.text = self.text[: section.start()] + new + self.text[section.end() :]
        return count

    def _insert_section(self, name: str, block: str) -> str:
        later = _ORDER[_ORDER.index(name) + 1 :]
        for following in later:
            m = re.search(rf"<{re.escape(self.p)}{following}\b", self.text)
            if m is not None:
                return self.text[: m.start()] + block + self.text[m.start() :]
        end = self.text.rindex(f"</{self.p}styleSheet>")
        return self.text[:end] + block + self.text[end:]

    def _index_or_append(self, name: str, item: str) -> int:
        wanted = _canonical(item)
        for i, have in enumerate(self._items(name)):
            if _canonical(have) == wanted:
                return i
        return self._append(name, item)

    # --- what callers ask for ------------------------------------------------------

    def format_id(self, code: str) -> int:
        """The numFmtId of number format ``code`` (built in, present, or added)."""
        if code in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[code]
        ids = [_FIRST_CUSTOM_FORMAT - 1]
        for item in self._items("numFmts"):
            a = attrs(item)
            if html.unescape(a.get("formatCode", "")) == code:
                return int(a.get("numFmtId", "0"))
            ids.append(int(a.get("numFmtId", "0")))
        new_id = max(ids) + 1
        self._append(
            "numFmts", f'<{self.p}numFmt numFmtId="{new_id}" formatCode="{_escape(code)}"/>'
        )
        return new_id

    def with_format(self, base: str | None, code: str) -> str:
        """The cell format (xf index) that is ``base``'s with number format ``code``."""
        fmt = self.format_id(code)
        xfs = self._items("cellXfs")
        index = int(base) if base is not None and base.isdigit() else 0
        if not xfs:
            raise PatchError("the styles part has no cell formats")
        if index >= len(xfs):
            index = 0
        item = xfs[index]
        start = re.match(r"<[^>]*?/?>", item)
        assert start is not None
        if attrs(start[0]).get("numFmtId", "0") == str(fmt):
            return str(index)
        tag = set_attr(set_attr(start[0], "numFmtId", str(fmt)), "applyNumberFormat", "1")
        return str(self._index_or_append("cellXfs", tag + item[len(start[0]) :]))

    def with_font(
        self, bold: bool = False, italic: bool = False, size: int = 0, color: str = ""
    ) -> str:
        """A cell format (xf index) of the default look with a font of its own."""
        p = self.p
        fonts = self._items("fonts")
        name = re.search(r'<(?:[\w.-]+:)?name\s+val="([^"]*)"', fonts[0]) if fonts else None
        default_size = re.search(r'<(?:[\w.-]+:)?sz\s+val="([^"]*)"', fonts[0]) if fonts else None
        parts = [f"<{p}b/>" if bold else "", f"<{p}i/>" if italic else ""]
        parts.append(f'<{p}sz val="{size or (default_size[1] if default_size else 11)}"/>')
        if color:
            parts.append(f'<{p}color rgb="{color}"/>')
        parts.append(f'<{p}name val="{name[1] if name else "Calibri"}"/>')
        font = self._index_or_append("fonts", f"<{p}font>{''.join(parts)}</{p}font>")
        xf = f'<{p}xf numFmtId="0" fontId="{font}" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        return str(self._index_or_append("cellXfs", xf))

    def dxf(self, fill: Fill) -> int:
        """The index of the differential format (conditional formats) for ``fill``."""
        p = self.p
        item = (
            f'<{p}dxf><{p}font><{p}color rgb="{fill.text}"/></{p}font>'
            f'<{p}fill><{p}patternFill><{p}bgColor rgb="{fill.background}"/></{p}patternFill>'
            f"</{p}fill></{p}dxf>"
        )
        return self._index_or_append("dxfs", item)


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _canonical(item: str) -> tuple[object, ...]:
    """An entry compared by its attributes (in any order) and its body."""
    start = re.match(r"<([^\s/>]+)([^>]*?)(/?)>", item)
    if start is None:
        return (item,)
    body = item[start.end() :]
    return (start[1], tuple(sorted(attrs(start[2]).items())), re.sub(r"\s+", "", body))
