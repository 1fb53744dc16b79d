"""What a workbook file must pass before a parser sees it: bounded reading.

Every workbook file is read through :func:`admit` (the readers, sync's scan and
``psos doctor`` through :func:`inspect`), which

1. looks at the folder entry without opening it: only a regular file is read, never a
   pipe, a device or a socket (opening a FIFO blocks; ``/dev/zero`` never ends), and a
   link only when it leads, without a loop, to a file inside the folder it was found
   in (``within``, the workspace);
2. reads at most ``max_file_mb`` of it, opened without blocking and checked again once
   open (the entry may have been swapped since it was looked at);
3. hands the bytes to :mod:`psos_xl.workbook.zipcheck`, which requires a zip package (an
   OLE file, a legacy .xls or an encrypted .xlsx, makes calamine grow without bound) and
   measures it against the limits without inflating any part whole.

Past a limit the workbook is FILE_TOO_LARGE or FILE_SUSPICIOUS, at its location; a sync
keeps its last good rows as for any workbook that cannot be read. The limits are
workspace settings (``psos.toml``, :data:`psos_xl.settings.WORKSPACE_SETTINGS`).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from psos_xl.errors import Code, Issue
from psos_xl.settings import LIMIT_SETTINGS, WORKSPACE_SETTINGS
from psos_xl.workbook import zipcheck

MB = zipcheck.MB
_DEFAULTS = {s.key: s.default for s in WORKSPACE_SETTINGS if s.key in LIMIT_SETTINGS}


@dataclass(frozen=True)
class Limits:
    """What a workbook may weigh (the ``max_*`` settings of psos.toml)."""

    file_mb: int = int(_DEFAULTS["max_file_mb"])
    unzipped_mb: int = int(_DEFAULTS["max_unzipped_mb"])
    ratio: int = int(_DEFAULTS["max_ratio"])
    parts: int = int(_DEFAULTS["max_parts"])
    sparse_cells: int = int(_DEFAULTS["max_sparse_cells"])

    @classmethod
    def of(cls, config: Mapping[str, str]) -> Limits:
        """The limits a workspace's settings name (defaults for those it does not);
        ValueError naming the setting when one is not a whole number above zero."""
        values: list[int] = []
        for key in LIMIT_SETTINGS:
            text = str(config.get(key, _DEFAULTS[key])).strip()
            if not text.isdigit() or int(text) < 1:
                raise ValueError(f"{key} must be a whole number above zero, got {text!r}")
            values.append(int(text))
        return cls(*values)

    @property
    def file_bytes(self) -> int:
        return self.file_mb * MB

    def of_package(self) -> zipcheck.Limits:
        return zipcheck.Limits(self.unzipped_mb * MB, self.ratio, self.parts, self.sparse_cells)


DEFAULT = Limits()

# what only the guard refuses: a file over a limit, or an entry that is not one to read
REFUSALS = frozenset(
    {
        Code.FILE_TOO_LARGE,
        Code.FILE_SUSPICIOUS,
        Code.FILE_NOT_REGULAR,
        Code.LINK_OUTSIDE_WORKSPACE,
        Code.LINK_BROKEN,
    }
)


@dataclass(frozen=True)
class Admitted:
    """A workbook file's bytes, read whole and judged fit to parse, and its stat."""

    data: bytes
    size: int
    mtime_ns: int


def parser_failed(err: BaseException) -> bool:
    """Whether ``err`` is the parser failing on a file: calamine raises several unrelated
    exception types, and a panic in its Rust code as pyo3's PanicException, which derives
    from BaseException (so ``except Exception`` lets it through); never an interrupt."""
    return isinstance(err, Exception) or type(err).__name__ == "PanicException"


def shown(path: Path | str) -> str:
    """A path as text that prints anywhere (bytes that are not UTF-8 as ``\\xNN``)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def admit(
    path: Path, display: str, limits: Limits = DEFAULT, within: Path | None = None
) -> tuple[Admitted | None, list[Issue]]:
    """The bytes of the workbook at ``path`` (named ``display`` in issues) when they may
    be parsed; else None and why not. ``within``: the folder a link must stay inside."""
    refused = entry_issue(path, display, within)
    if refused is not None:
        return None, [refused]
    try:
        with open_file(path) as fh:
            st = os.fstat(fh.fileno())
            if st.st_size > limits.file_bytes:
                return None, [_too_large(display, st.st_size, limits)]
            data = fh.read(limits.file_bytes + 1)
    except NotRegularError as err:
        return None, [Issue.make(Code.FILE_NOT_REGULAR, display, str(err))]
    except OSError as err:
        message = f"cannot be read ({err.strerror or err}); it is read again on the next sync"
        return None, [Issue.make(Code.FILE_UNREADABLE, display, message)]
    if len(data) > limits.file_bytes:
        return None, [_too_large(display, len(data), limits)]
    if len(data) != st.st_size:
        message = "the file changed while it was read; it is read again on the next sync"
        return None, [Issue.make(Code.FILE_UNREADABLE, display, message)]
    issues = zipcheck.inspect_package(data, display, limits.of_package())
    if issues:
        return None, issues
    return Admitted(data, st.st_size, st.st_mtime_ns), []


def inspect(
    path: Path, limits: Limits = DEFAULT, display: str | None = None, within: Path | None = None
) -> list[Issue]:
    """Why the file at ``path`` would not be parsed (none: it would be)."""
    _admitted, issues = admit(path, display or path.name, limits, within)
    return issues


def _too_large(display: str, size: int, limits: Limits) -> Issue:
    message = (
        f"is {size / MB:,.1f} MB, over max_file_mb = {limits.file_mb:,}; not read "
        "(raise the limit in psos.toml if the workbook is genuine)"
    )
    return Issue.make(Code.FILE_TOO_LARGE, display, message)


# --- the folder entry --------------------------------------------------------------------

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


class NotRegularError(OSError):
    """The entry is not a regular file (the message says what it is)."""


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def entry_issue(path: Path, display: str, within: Path | None = None) -> Issue | None:
    """Why the folder entry at ``path`` is not to be opened (None: it is a regular file,
    or a link to one inside ``within``). Looks with stat only, never opens it."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return Issue.make(Code.FILE_NOT_FOUND, display, f"no such file: {shown(path)}")
    except OSError as err:
        return Issue.make(Code.FILE_UNREADABLE, display, f"cannot be looked at ({err.strerror})")
    if stat.S_ISLNK(st.st_mode):
        target = _link_target(path)
        try:
            real = Path(os.path.realpath(path, strict=True))
        except OSError as err:
            if err.errno == errno.ELOOP:
                message = "is a link that leads back to itself (a loop); put the workbook here"
            else:
                message = f"is a link to {target}, which does not exist"
            return Issue.make(Code.LINK_BROKEN, display, message)
        if within is not None and not real.is_relative_to(_resolved(within)):
            message = (
                f"is a link to {shown(real)}, outside the workspace; psos does not follow it "
                "(put the workbook itself in the folder)"
            )
            return Issue.make(Code.LINK_OUTSIDE_WORKSPACE, display, message)
        try:
            st = path.stat()
        except OSError:
            return Issue.make(Code.LINK_BROKEN, display, f"is a link to {target}, which is gone")
    if not stat.S_ISREG(st.st_mode):
        return Issue.make(Code.FILE_NOT_REGULAR, display, _not_regular(st.st_mode))
    return None


def _not_regular(mode: int) -> str:
    return f"is {kind_of(mode)}, not a file; psos reads only regular files and never opens it"


def _link_target(path: Path) -> str:
    try:
        return shown(path.readlink())
    except OSError:
        return "?"


def _resolved(folder: Path) -> Path:
    try:
        return folder.resolve()
    except (OSError, RuntimeError):
        return folder.absolute()


def open_file(path: Path) -> BinaryIO:
    """``path`` opened for reading without blocking on it; NotRegularError (an OSError) when
    what was opened is not a regular file (a FIFO swapped in since it was looked at)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularError(_not_regular(mode))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
