"""An .xlsx/.xlsm package read part by part, and rewritten without inflating the rest.

A workbook may carry parts psos never looks at: images, a VBA project, embedded files,
or something planted to be huge once inflated. The table patch needs a handful of small
parts (the workbook, its relationships, one sheet, one table); everything else passes
through as it is stored:

- :class:`Package` parses the zip's central directory and inflates a part only when it
  is asked for (:meth:`Package.read`), or just its first bytes (:meth:`Package.open`);
- :meth:`Package.write` writes the package again with some parts replaced, removed or
  added. Every other member is copied **as stored**: its local header, its compressed
  bytes and its data descriptor, byte for byte, never inflated nor recompressed, in the
  original order. Its central directory entry is written by :mod:`zipfile` from the
  entry it parsed (the name, CRC, sizes, flags, times, attributes, extra fields and
  comment as they were; a ZIP64 field where the sizes or offset need one), which is
  what ``zipfile`` itself does to the members already there when it appends to an
  archive. Memory stays bounded by the parts psos reads, whatever the package holds.

A package whose members overlap (one compressed stream shared by several entries, a
trick of zip bombs) is refused rather than copied, so the copy is never larger than the
original plus the replaced parts.
"""

from __future__ import annotations

import copy
import io
import itertools
import posixpath
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Set
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree as ET

from psos_xl.workbook.sheetxml import PatchError

_ROOT_RELS = "_rels/.rels"
_LOCAL = b"PK\x03\x04"
_DESCRIPTOR = b"PK\x07\x08"
_LOCAL_SIZE = 30  # the fixed part of a local file header
_USES_DESCRIPTOR = 0x08  # general purpose flag bit 3: CRC and sizes follow the data
_ZIP64_EXTRA = 0x0001
_CHUNK = 1 << 20
_UNREADABLE = "not a readable .xlsx/.xlsm package"
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError)


@dataclass(frozen=True)
class _Record:
    """Where one member's local record lies in the source: header, data, descriptor."""

    info: zipfile.ZipInfo
    start: int
    data_start: int
    descriptor: bytes  # the data descriptor as it will be written ("" when none)
    descriptor_len: int  # its length in the source

    @property
    def end(self) -> int:
        return self.data_start + self.info.compress_size + self.descriptor_len


class Package:
    """The members of a zip package in ``fileobj`` (seekable, read from; not closed)."""

    def __init__(self, fileobj: IO[bytes]) -> None:
        self._fp = fileobj
        try:
            self._zip = zipfile.ZipFile(fileobj)
        except (*_READ_ERRORS, OSError, ValueError) as err:
            raise PatchError(f"{_UNREADABLE}: {err}") from None
        self._infos = self._zip.infolist()
        self._cache: dict[str, bytes] = {}
        self._added: tuple[str, ...] = ()  # parts of a staged view (:meth:`staged`)

    def staged(self, parts: Mapping[str, bytes]) -> Package:
        """This package as it reads with ``parts`` replaced or added, for working out a
        change in steps; nothing is written, and :meth:`write` still copies from the
        source (pass the parts again in ``replace``)."""
        view = copy.copy(self)
        view._cache = {**self._cache, **parts}
        view._added = (*self._added, *(n for n in parts if n not in self and n not in self._added))
        return view

    @property
    def names(self) -> list[str]:
        """The member names in archive order."""
        return [*(i.filename for i in self._infos), *self._added]

    def __contains__(self, name: object) -> bool:
        return name in self._zip.NameToInfo or name in self._added

    def read(self, name: str) -> bytes:
        """The inflated bytes of part ``name`` (checked against its CRC)."""
        if name not in self._cache:
            try:
                self._cache[name] = self._zip.read(name)
            except (*_READ_ERRORS, OSError) as err:
                raise PatchError(f"{_UNREADABLE}: part {name}: {err}") from None
        return self._cache[name]

    def get(self, name: str) -> bytes | None:
        return self.read(name) if name in self else None

    def relationships(self, source: str) -> list[tuple[str, str, str]]:
        """(id, type, target part) of the internal relationships of part ``source``
        (``""``: the package's own)."""
        folder, name = posixpath.split(source)
        raw = self.get(posixpath.join(folder, "_rels", name + ".rels") if source else _ROOT_RELS)
        if raw is None:
            return []
        out = []
        for el in ET.fromstring(raw):
            if el.get("TargetMode") == "External":
                continue
            target = el.get("Target", "")
            if target.startswith("/"):
                part = target.lstrip("/")
            else:
                part = posixpath.normpath(posixpath.join(folder, target))
            out.append((el.get("Id", ""), el.get("Type", ""), part))
        return out

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        """A stream of part ``name``, inflated as it is read."""
        if name in self._cache:  # read already, or staged
            yield io.BytesIO(self._cache[name])
            return
        try:
            with self._zip.open(name) as stream:
                yield stream
        except (*_READ_ERRORS, OSError) as err:
            raise PatchError(f"{_UNREADABLE}: part {name}: {err}") from None

    def write(
        self, dst: IO[bytes], replace: Mapping[str, bytes], remove: Set[str] = frozenset()
    ) -> None:
        """Write the package to ``dst`` (seekable, at its start) with the parts in
        ``replace`` given new bytes (a name the package lacks is added at the end) and
        the parts in ``remove`` left out; every other member is copied as stored."""
        records = self._records()
        try:
            with zipfile.ZipFile(dst, "w") as out:
                out.comment = self._zip.comment
                for record in records:
                    name = record.info.filename
                    if name in remove:
                        continue
                    if name in replace:
                        out.writestr(_fresh(record.info), replace[name])
                    else:
                        self._copy(record, out, dst)
                # a new part is dated as Excel dates every part (1980-01-01), so the same
                # edit of the same file gives the same bytes
                for name, data in replace.items():
                    if name not in self._zip.NameToInfo and name not in remove:
                        out.writestr(_fresh(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))), data)
        except _READ_ERRORS as err:
            raise PatchError(f"{_UNREADABLE}: {err}") from None

    # --- copying as stored ----------------------------------------------------------

    def _records(self) -> list[_Record]:
        """Every member's local record, checked not to overlap another or the central
        directory (a member listed twice, or sharing its data, is an overlap)."""
        records = [self._record(info) for info in self._infos]
        ordered = sorted(records, key=lambda r: r.start)
        for one, then in itertools.pairwise(ordered):
            if one.end > then.start:
                raise PatchError(
                    f"the zip members {one.info.filename!r} and {then.info.filename!r} overlap; "
                    "the file is damaged or built to mislead (re-save it in Excel)"
                )
        if ordered and ordered[-1].end > self._zip.start_dir:
            raise PatchError(
                f"the zip member {ordered[-1].info.filename!r} runs into the directory"
            )
        return records

    def _record(self, info: zipfile.ZipInfo) -> _Record:
        where = f"the zip member {info.filename!r}"
        header = self._read_at(info.header_offset, _LOCAL_SIZE)
        if len(header) != _LOCAL_SIZE or header[:4] != _LOCAL:
            raise PatchError(f"{where} has no valid local header")
        flags, name_len, extra_len = struct.unpack("<6xH18xHH", header)
        data_start = info.header_offset + _LOCAL_SIZE + name_len + extra_len
        if not flags & _USES_DESCRIPTOR:
            return _Record(info, info.header_offset, data_start, b"", 0)
        extra = self._read_at(info.header_offset + _LOCAL_SIZE + name_len, extra_len)
        stored = self._read_at(data_start + info.compress_size, 24)
        descriptor = _find_descriptor(info, stored)
        if descriptor is not None:
            return _Record(info, info.header_offset, data_start, descriptor, len(descriptor))
        # no descriptor that says what the central directory says: write a true one
        fmt = "<4sLQQ" if _without_zip64(extra) != extra else "<4sLLL"
        fresh = struct.pack(fmt, _DESCRIPTOR, info.CRC, info.compress_size, info.file_size)
        return _Record(info, info.header_offset, data_start, fresh, 0)

    def _copy(self, record: _Record, out: zipfile.ZipFile, dst: IO[bytes]) -> None:
        """Append ``record`` to ``out`` as stored: its bytes go straight to ``dst`` (the
        stream under ``out``), its entry into ``out``'s directory, as
        :meth:`zipfile.ZipFile.writestr` would leave them."""
        info = copy.copy(record.info)
        info.header_offset = dst.tell()
        # zipfile writes the ZIP64 field the new sizes and offset need; the old one
        # may hold values for fields that no longer call for it
        info.extra = _without_zip64(info.extra)
        self._fp.seek(record.start)
        remaining = record.data_start - record.start + record.info.compress_size
        while remaining:
            chunk = self._fp.read(min(remaining, _CHUNK))
            if not chunk:
                raise PatchError(f"the zip member {info.filename!r} is cut short")
            dst.write(chunk)
            remaining -= len(chunk)
        dst.write(record.descriptor)
        out.start_dir = dst.tell()
        out.filelist.append(info)
        out.NameToInfo[info.filename] = info

    def _read_at(self, offset: int, size: int) -> bytes:
        self._fp.seek(offset)
        return self._fp.read(size)


@dataclass(frozen=True)
class Edit:
    """A change to a package: parts given new bytes (or added), parts removed."""

    package: Package
    replace: dict[str, bytes]
    remove: frozenset[str] = frozenset()

    def write(self, dst: IO[bytes]) -> None:
        """Write the changed package to ``dst`` (see :meth:`Package.write`)."""
        self.package.write(dst, self.replace, self.remove)


def _fresh(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """The entry for a rewritten part: the original's name, time, compression and
    attributes; sizes, CRC and flags are the new data's."""
    fresh = zipfile.ZipInfo(info.filename, info.date_time)
    supported = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
    fresh.compress_type = (
        info.compress_type if info.compress_type in supported else zipfile.ZIP_DEFLATED
    )
    fresh.external_attr = info.external_attr
    fresh.internal_attr = info.internal_attr
    fresh.create_system = info.create_system
    fresh.comment = info.comment
    return fresh


def _find_descriptor(info: zipfile.ZipInfo, stored: bytes) -> bytes | None:
    """The data descriptor at the start of ``stored`` when it matches the entry: with
    or without its signature, with 8- or 4-byte sizes (ZIP64 or not)."""
    want = (info.CRC, info.compress_size, info.file_size)
    for fmt in ("<4sLQQ", "<4sLLL", "<LQQ", "<LLL"):
        size = struct.calcsize(fmt)
        if len(stored) < size:
            continue
        fields = struct.unpack(fmt, stored[:size])
        signed = fmt.startswith("<4s")
        if signed and fields[0] != _DESCRIPTOR:
            continue
        if tuple(fields[1:] if signed else fields) == want:
            return stored[:size]
    return None


def _without_zip64(extra: bytes) -> bytes:
    """``extra`` (a run of id, size, data fields) without its ZIP64 field."""
    kept = []
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        if kind != _ZIP64_EXTRA:
            kept.append(extra[: 4 + size])
        extra = extra[4 + size :]
    return b"".join(kept) + extra
