"""A zip's members read straight from its central directory, for the few small parts a
reader looks at after calamine.

The standard library's :class:`zipfile.ZipFile` builds an object per member and reads
each through a file-like stack, which costs more than the reading it serves when a
workbook of a dozen parts is opened only to look at two or three of them. Here a member
is found by searching the central directory for its name, and inflated in one call. A
zip this does not cover (ZIP64, spanned, bytes before the archive) is read through
zipfile.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

_EOCD = b"PK\x05\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_EOCD_SIZE = 22
_CENTRAL_SIZE = 46
_LOCAL_SIZE = 30
_MAX_COMMENT = 0xFFFF
_ENCRYPTED, _UTF8 = 0x1, 0x800
_STORED, _DEFLATED = 0, 8
_END_RECORD = struct.Struct("<4sHHHHIIH")
# of a central directory entry: flags, method, crc, compressed size, the lengths of its
# name, extra field and comment, and the offset of its local header
_ENTRY = struct.Struct("<8xHH4xII4xHHH8xI")

_Entry = tuple[int, int, int, int, int]  # flags, method, crc, compressed size, offset


class Members:
    """The members of the zip ``data``, read on demand by name (case-insensitive, as the
    parts of a workbook package are named). Raises :class:`zipfile.BadZipFile` when
    ``data`` is no zip, and when a member read is damaged (a broken deflate stream, a
    CRC that does not match)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._all: dict[str, tuple[str, _Entry]] | None = None  # casefolded name → …
        self._fallback: zipfile.ZipFile | None = None
        end = data.rfind(_EOCD, max(0, len(data) - _EOCD_SIZE - _MAX_COMMENT))
        if end < 0:
            raise zipfile.BadZipFile("no end of central directory: not a zip file")
        _sig, disk, cd_disk, _here, self._count, size, offset, _comment = _END_RECORD.unpack_from(
            data, end
        )
        self._start, self._end = offset, end
        if disk or cd_disk or self._count == 0xFFFF or offset + size != end:
            self._fallback = zipfile.ZipFile(io.BytesIO(data))  # ZIP64, spanned, prefixed

    def names(self) -> list[str]:
        """Every member's name, as stored."""
        if self._fallback is not None:
            return self._fallback.namelist()
        return [name for name, _entry in self._directory().values()]

    def read(self, name: str) -> bytes | None:
        """The bytes of the member ``name``; None when there is none."""
        if self._fallback is not None:
            names = {n.casefold(): n for n in self._fallback.namelist()}
            real = names.get(name.casefold())
            return self._fallback.read(real) if real is not None else None
        entry = self._find(name)
        return self._inflate(name, entry) if entry is not None else None

    def stored(self, name: str) -> tuple[int, bytes] | None:
        """The member ``name`` as the zip stores it: (compression method, bytes), to be
        inflated by :func:`inflate`; None when there is none."""
        if self._fallback is not None:
            whole = self.read(name)
            return (_STORED, whole) if whole is not None else None
        entry = self._find(name)
        if entry is None:
            return None
        flags, method, _crc, csize, local = entry
        return method, self._raw(name, flags, csize, local)

    def head(self, name: str, size: int) -> bytes | None:
        """The first ``size`` bytes (at most) of the member ``name``, inflating no more
        than that; None when there is none."""
        if self._fallback is not None:
            whole = self.read(name)
            return whole[:size] if whole is not None else None
        entry = self._find(name)
        if entry is None:
            return None
        flags, method, _crc, csize, local = entry
        raw = self._raw(name, flags, csize, local)
        if method == _STORED:
            return raw[:size]
        if method != _DEFLATED:
            raise zipfile.BadZipFile(f"{name}: compression method {method} is not supported")
        try:
            return zlib.decompressobj(-15).decompress(raw, size)
        except zlib.error as err:
            raise zipfile.BadZipFile(f"{name}: {err}") from err

    def _find(self, name: str) -> _Entry | None:
        # fast: the name, spelt as asked, right after an entry's fixed part
        data, raw = self._data, name.encode("utf-8")
        pos = data.find(raw, self._start, self._end)
        while pos >= 0:
            head = pos - _CENTRAL_SIZE
            if head >= self._start and data.startswith(_CENTRAL, head):
                flags, method, crc, csize, nlen, _x, _c, local = _ENTRY.unpack_from(data, head)
                if nlen == len(raw):
                    return flags, method, crc, csize, local
            pos = data.find(raw, pos + 1, self._end)
        found = self._directory().get(name.casefold())  # spelt otherwise
        return found[1] if found is not None else None

    def _directory(self) -> dict[str, tuple[str, _Entry]]:
        if self._all is None:
            data, pos, self._all = self._data, self._start, {}
            for _ in range(self._count):
                if not data.startswith(_CENTRAL, pos):
                    raise zipfile.BadZipFile("bad central directory entry")
                flags, method, crc, csize, nlen, xlen, clen, local = _ENTRY.unpack_from(data, pos)
                start = pos + _CENTRAL_SIZE
                raw = data[start : start + nlen]
                utf8 = flags & _UTF8 or raw.isascii()
                name = raw.decode("utf-8" if utf8 else "cp437", "replace")
                self._all.setdefault(name.casefold(), (name, (flags, method, crc, csize, local)))
                pos = start + nlen + xlen + clen
        return self._all

    def _raw(self, name: str, flags: int, csize: int, local: int) -> bytes:
        """The member's bytes as stored in the zip."""
        data = self._data
        if flags & _ENCRYPTED:
            raise zipfile.BadZipFile(f"{name} is encrypted")
        if not data.startswith(_LOCAL, local):
            raise zipfile.BadZipFile(f"{name}: bad local file header")
        nlen, xlen = struct.unpack_from("<HH", data, local + 26)
        start = local + _LOCAL_SIZE + nlen + xlen
        return data[start : start + csize]

    def _inflate(self, name: str, entry: _Entry) -> bytes:
        flags, method, crc, csize, local = entry
        out = inflate(name, method, self._raw(name, flags, csize, local))
        if zlib.crc32(out) != crc:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")
        return out


def inflate(name: str, method: int, raw: bytes) -> bytes:
    """The bytes of the member ``name`` stored as ``raw`` with ``method``."""
    if method == _STORED:
        return raw
    if method != _DEFLATED:
        raise zipfile.BadZipFile(f"{name}: compression method {method} is not supported")
    try:
        return zlib.decompress(raw, -15)
    except zlib.error as err:
        raise zipfile.BadZipFile(f"{name}: {err}") from err
