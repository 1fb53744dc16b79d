"""Checks shared by the owned-table tests: what a package part may and may not change."""

from __future__ import annotations

import difflib
import io
import re
import zipfile

# parts an added table registers itself in: they may only gain entries
REGISTERS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml")
STYLES = "xl/styles.xml"


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def raw_members(data: bytes) -> dict[str, bytes]:
    """Each member's stored (compressed) bytes and CRC, as the archive holds them."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            out[info.filename] = info.CRC.to_bytes(4, "little") + info.compress_size.to_bytes(
                8, "little"
            )
    return out


def only_added(before: bytes, after: bytes, counts: bool = False) -> list[str]:
    """The text ``after`` adds to ``before``; fails when anything of ``before`` changed
    or went (``counts``: a list's ``count`` attribute may change with it)."""
    a, b = before.decode("utf-8"), after.decode("utf-8")
    if counts:
        a, b = (re.sub(r'\bcount="\d+"', 'count=""', x) for x in (a, b))
    # a self-closed list opened to take its first entry is an addition too
    a, b = (re.sub(r"<([\w:]+)([^<>]*?)\s*/>", r"<\1\2></\1>", x) for x in (a, b))
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    added = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        assert op == "insert", f"{op}: {a[i1:i2]!r} -> {b[j1:j2]!r}"
        added.append(b[j1:j2])
    return added


def check_only_owned_parts_changed(before: bytes, after: bytes, owned: set[str]) -> set[str]:
    """Every member of ``before`` is in ``after``; those outside ``owned`` (the parts of
    the table written), the registers and the styles are stored byte for byte as they
    were; the registers and the styles only gained entries. Returns the new members."""
    old, new = parts(before), parts(after)
    old_raw, new_raw = raw_members(before), raw_members(after)
    assert set(old) <= set(new)
    for name in old:
        if name in owned:
            continue
        if name in REGISTERS or name == STYLES:
            only_added(old[name], new[name], counts=name == STYLES)
            continue
        assert new[name] == old[name], name
        assert new_raw[name] == old_raw[name], f"{name} was recompressed"
    return set(new) - set(old)
