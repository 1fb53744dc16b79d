"""Which parts of a package a reader parses, and which sheet each one is.

A reader follows the package's relationships: the root's to the workbook, the
workbook's to its sheets, shared strings and styles, each sheet's to its tables. The
parts it reaches are the ones it inflates and parses; every other part (a picture, an
embedded file, a part nothing refers to) rides along, and write-back copies it as
stored. The limits on what a part inflates to, and the measure of its cells, concern
the parts a reader parses.

So that a package cannot slip a part past the measure, a relationship's target is taken
every way a reader might resolve it (as written, from the package's root, from its
source's folder, as calamine resolves a sheet's or a table's target), part names are
compared without case and with ``\\`` as ``/``, and the fixed names a reader opens
whatever the relationships say are always parsed. A relationships part too large to
read whole makes every part count as parsed.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from html import unescape

from psos_xl.workbook.cellscan import attributes

RELS_MAX = 8 << 20  # a relationships or workbook part larger than this is not read
FIXED = (
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
    "xl/metadata.xml",
)
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_ATTRS = rb"((?:[^>\"']|\"[^\"]*\"|'[^']*')*)"
_SHEET = re.compile(rb"<" + _PREFIX + rb"sheet(?=[\s/>])" + _ATTRS + rb">")
_RELATIONSHIP = re.compile(rb"<" + _PREFIX + rb"Relationship(?=[\s/>])" + _ATTRS + rb">")


def key(name: str) -> str:
    """A part name as a reader may match it: no leading ``/``, ``/`` for ``\\``, any case."""
    return name.replace("\\", "/").lstrip("/").casefold()


def rels_of(part: str) -> str:
    """The relationships part of ``part``: ``xl/_rels/workbook.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolutions(target: str, source: str) -> set[str]:
    """Every part ``target`` (a relationship of ``source``) may name, as a reader takes it."""
    folder = posixpath.dirname(source)
    found = {target, posixpath.normpath(posixpath.join(folder, target))}
    # calamine: a sheet's target under xl/, a table's "../" from the sheet's parent folder
    found.add(target[1:] if target.startswith("/") else target)
    found.add(target if target.startswith("xl/") else f"xl/{target.lstrip('/')}")
    if target.startswith("../") and "/" in folder:
        found.add(folder[: folder.rfind("/")] + target[2:])
    return {key(name) for name in found if name and name != "."}


@dataclass
class PartMap:
    """What a reader parses of a package, and the sheets and tables among it."""

    parsed: set[str] = field(default_factory=set)  # part names as stored in the zip
    sheets: dict[str, str] = field(default_factory=dict)  # part → sheet name
    tables: dict[str, str] = field(default_factory=dict)  # table part → its sheet's part
    everything: bool = False  # a part too large to follow: all count as parsed

    def sheet(self, part: str) -> str:
        return self.sheets.get(part, "")


def part_map(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> PartMap:
    """The parts of ``zf`` a reader may parse (raises what the zip reader raises for a
    damaged relationships part)."""
    by_key: dict[str, list[zipfile.ZipInfo]] = {}
    for info in infos:
        by_key.setdefault(key(info.filename), []).append(info)
    walk = _Walk(zf, by_key)
    walk.reach(*(key(name) for name in FIXED))
    books = {key("xl/workbook.xml"), *walk.follow("_rels/.rels", "")}
    for book in sorted(books):
        part = _name(by_key, book)
        for target in sorted(walk.follow(rels_of(part), part, walk.ids)):
            name = _name(by_key, target)  # a sheet, the shared strings, the styles...
            for table, kind in walk.follow(rels_of(name), name).items():
                if kind.endswith("/table"):
                    walk.out.tables[_name(by_key, table)] = name
        walk.name_sheets(part)
    if walk.out.everything:
        walk.out.parsed = {info.filename for info in infos}
    else:
        walk.out.parsed = {info.filename for info in infos if key(info.filename) in walk.keys}
    return walk.out


def _name(by_key: dict[str, list[zipfile.ZipInfo]], part_key: str) -> str:
    """The part's name as stored (its key when there is no such part)."""
    found = by_key.get(part_key)
    return found[0].filename if found else part_key


@dataclass
class _Walk:
    zf: zipfile.ZipFile
    by_key: dict[str, list[zipfile.ZipInfo]]
    keys: set[str] = field(default_factory=set)
    ids: dict[str, dict[bytes, set[str]]] = field(default_factory=dict)  # rels → Id → parts
    out: PartMap = field(default_factory=PartMap)

    def reach(self, *part_keys: str) -> None:
        self.keys.update(part_keys)

    def read(self, part_key: str) -> bytes:
        """A small part whole (b"" when absent; too large: every part counts as parsed)."""
        data = b""
        for info in self.by_key.get(part_key, []):
            if info.file_size > RELS_MAX:
                self.out.everything = True
                continue
            data += self.zf.read(info)
        return data

    def follow(
        self, rels: str, source: str, ids: dict[str, dict[bytes, set[str]]] | None = None
    ) -> dict[str, str]:
        """The parts the relationships part ``rels`` of ``source`` reaches (each reached),
        with the type of the relationship."""
        self.reach(key(rels))
        found: dict[str, str] = {}
        by_id: dict[bytes, set[str]] = {}
        for m in _RELATIONSHIP.finditer(self.read(key(rels))):
            attrs = attributes(m[1])
            target = unescape(attrs.get(b"Target", b"").decode("utf-8", "replace"))
            if not target or attrs.get(b"TargetMode", b"").lower() == b"external":
                continue
            parts = resolutions(target, source)
            by_id.setdefault(attrs.get(b"Id", b""), set()).update(parts)
            kind = attrs.get(b"Type", b"").decode("utf-8", "replace")
            found.update(dict.fromkeys(parts, kind))
        self.reach(*found)
        if ids is not None:
            ids[key(source)] = by_id
        return {part: kind for part, kind in found.items() if part in self.by_key}

    def name_sheets(self, book: str) -> None:
        by_id = self.ids.get(key(book), {})
        for m in _SHEET.finditer(self.read(key(book))):
            attrs = attributes(m[1])
            name = unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))
            for part in by_id.get(attrs.get(b"id", b""), set()):
                if part in self.by_key:
                    self.out.sheets.setdefault(_name(self.by_key, part), name)
