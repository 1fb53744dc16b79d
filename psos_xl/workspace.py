"""A workspace: the firm's folder with psos.toml, the catalog, scopes/ and timesheets/.

Workbooks are recognised by their ``_psos`` marker, never by name or folder: the
folders in psos.toml are only where ``psos new`` puts new files.
"""

from __future__ import annotations

import functools
import json
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from psos_xl.errors import PsosError, WorkspaceError
from psos_xl.settings import WORKSPACE_FILE, WORKSPACE_SETTINGS
from psos_xl.store.base import STATE_DIR as STATE_DIR
from psos_xl.workbook.guard import DEFAULT, Limits

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_CATALOG_SEARCH_LIMIT = 20
_CATALOG_SEARCH_LEVELS = 4


def is_temp_name(name: str) -> bool:
    """Excel's owner files (~$a.xlsx) and LibreOffice's locks (.~lock.a.xlsx#)."""
    return name.startswith(("~$", ".~lock.", ".~psos-")) or name.endswith("#")


def is_workbook_name(name: str) -> bool:
    return name.lower().endswith(WORKBOOK_SUFFIXES) and not is_temp_name(name)


def workbooks_below(folder: Path) -> Iterator[Path]:
    """Every .xlsx/.xlsm below ``folder`` in a stable order (names sorted, folder by
    folder), skipping Excel's and LibreOffice's temp and lock files and hidden folders
    (the .psos state among them). The one walk of a workspace: sync's scan, validate
    and ``psos new`` all list workbooks with it.

    An entry is listed by its name alone, whatever it is: a pipe, a device, a link out
    of the folder or in a loop named ``*.xlsx`` is listed too, so that reading it
    (:func:`psos_xl.workbook.guard.admit`) reports it where it lies, without opening it.
    Links to folders are not followed."""
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if is_workbook_name(name):
                yield Path(parent) / name


# --- names: how a workbook's path below the root is written ---------------------------

_ESCAPED = "./"  # no path relative to a root starts so: it marks the escaped form


def name_of(root: Path, path: Path) -> str:
    """How psos names the entry at ``path`` below ``root``, in the store and in issues:
    its posix path relative to the root (see :func:`text_of` for names that are not
    valid UTF-8). ValueError when ``path`` is not below ``root``."""
    return text_of(path.relative_to(root).as_posix())


def text_of(rel: str) -> str:
    """The text form of a relative path: the path itself when it is valid Unicode;
    else ``./`` then the path with each byte that is not UTF-8 (which Python hands over
    as a surrogate escape) written ``\\xNN``, any other lone surrogate ``\\uXXXX`` and
    each backslash doubled: ``./timesheets/caf\\xe9.xlsx``. It round-trips to the exact
    name (:func:`path_at`); a relative path never starts with ``./``, so it names no
    other file."""
    if not any("\ud800" <= ch <= "\udfff" for ch in rel):
        return rel
    out: list[str] = []
    for ch in rel:
        if ch == "\\":
            out.append("\\\\")
        elif "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif "\ud800" <= ch <= "\udfff":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return _ESCAPED + "".join(out)


def rel_of(text: str) -> str:
    """The relative path a text form (:func:`text_of`) stands for."""
    if not text.startswith(_ESCAPED):
        return text
    out: list[str] = []
    body, i = text[len(_ESCAPED) :], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and body[i + 1 : i + 2] == "\\":
            out.append("\\")
            i += 2
        elif ch == "\\" and body[i + 1 : i + 2] == "x":
            out.append(chr(0xDC00 + int(body[i + 2 : i + 4], 16)))
            i += 4
        elif ch == "\\" and body[i + 1 : i + 2] == "u":
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def path_at(root: Path, text: str) -> Path:
    """The path of the workbook psos names ``text`` below ``root`` (:func:`name_of`)."""
    return root / rel_of(text)


def located(path: Path) -> Path:
    """``path`` made absolute through its folder, the entry itself not followed: where a
    link sits, not where it leads (and no error for a link in a loop)."""
    try:
        return path.parent.resolve() / path.name
    except (OSError, RuntimeError):  # a folder link in a loop
        return path.absolute()


@dataclass
class Workspace:
    root: Path
    config: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> Workspace:
        root = root.resolve()
        config = {s.key: s.default for s in WORKSPACE_SETTINGS}
        toml_path = root / WORKSPACE_FILE
        if toml_path.is_file():
            try:
                data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
                raise WorkspaceError(f"{toml_path}: not valid TOML ({err})") from err
            section = data.get("workspace", data)
            known = {s.key for s in WORKSPACE_SETTINGS}
            unknown = sorted(set(section) - known)
            if unknown:
                raise WorkspaceError(
                    f"{toml_path}: unknown setting(s) {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(known))}"
                )
            config.update({k: str(v) for k, v in section.items()})
            try:
                Limits.of(config)
                _track_from(config)
                _billing(config)
            except ValueError as err:
                raise WorkspaceError(f"{toml_path}: {err}") from err
        return cls(root, config)

    @classmethod
    def find(cls, start: Path) -> Workspace | None:
        """The nearest ancestor of ``start`` (itself included) that is a workspace:
        it holds psos.toml, or a workbook whose marker says catalog."""
        start = start.resolve()
        folder = start if start.is_dir() else start.parent
        chain = (folder, *folder.parents)
        for candidate in chain:
            if (candidate / WORKSPACE_FILE).is_file():
                return cls.load(candidate)
        # without psos.toml, a catalog marks the root; look only a few levels up
        # (timesheets/<person>/x.xlsx is two below it), never across the whole disk
        for candidate in chain[:_CATALOG_SEARCH_LEVELS]:
            if _catalog_in(candidate) is not None:
                return cls.load(candidate)
        return None

    @property
    def name(self) -> str:
        return self.config.get("name") or self.root.name

    @property
    def catalog_path(self) -> Path:
        configured = self.root / self.config["catalog"]
        if configured.is_file():
            return configured
        return _catalog_in(self.root) or configured

    @property
    def scopes_dir(self) -> Path:
        return self.root / self.config["scopes"]

    @property
    def timesheets_dir(self) -> Path:
        return self.root / self.config["timesheets"]

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def track_from(self) -> date | None:
        """The first day timesheets are expected (``track_from``), None when not set."""
        return _track_from(self.config)

    @property
    def dashboard(self) -> Path | None:
        """The dashboard sync keeps (``dashboard``), None when not set."""
        text = self.config.get("dashboard", "").strip()
        return self.root / text if text else None

    @property
    def require_approval(self) -> bool:
        """Whether invoices bill only the rows of approved weeks (``require_approval``)."""
        return _billing(self.config)[0]

    @property
    def payment_terms_days(self) -> int:
        """The days an invoice gives the client to pay (``payment_terms_days``)."""
        return _billing(self.config)[1]

    @property
    def limits(self) -> Limits:
        """What a workbook of this workspace may weigh (the ``max_*`` settings)."""
        return Limits.of(self.config)

    def display(self, path: Path) -> str:
        """How a workbook is named in issues: its path relative to the workspace."""
        try:
            return name_of(self.root, located(path))
        except ValueError:
            return text_of(path.name)

    def workbooks(self) -> Iterator[Path]:
        """Every workbook below the root (:func:`workbooks_below`)."""
        return workbooks_below(self.root)


def _track_from(config: dict[str, str]) -> date | None:
    text = config.get("track_from", "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"track_from must be a date (YYYY-MM-DD), got {text!r}") from None


def own_outputs(root: Path) -> frozenset[str]:
    """The names (:func:`name_of`) of the workbooks psos.toml has psos keep in the folder,
    its ``dashboard``: psos' own output, never read as an input (none when psos.toml is
    broken: the command that loads it says why)."""
    try:
        ws = Workspace.load(root)
    except PsosError:
        return frozenset()
    if ws.dashboard is None:
        return frozenset()
    try:
        return frozenset({name_of(ws.root, located(ws.dashboard))})
    except ValueError:  # outside the folder: no scan meets it
        return frozenset()


_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0", "")


def _billing(config: dict[str, str]) -> tuple[bool, int]:
    """``require_approval`` and ``payment_terms_days``, checked."""
    flag = config.get("require_approval", "false").strip().lower()
    if flag not in _TRUE + _FALSE:
        raise ValueError(f"require_approval must be true or false, got {flag!r}")
    days = config.get("payment_terms_days", "30").strip()
    if not days.isdigit():
        raise ValueError(f"payment_terms_days must be a whole number of days, got {days!r}")
    return flag in _TRUE, int(days)


def limits_of(root: Path) -> Limits:
    """The read limits of the workspace at ``root``: its psos.toml's (the defaults without
    one, or when it is broken: the command that loads it says why). Read again only when
    psos.toml changes."""
    try:
        st = (root / WORKSPACE_FILE).stat()
    except OSError:
        return DEFAULT
    return _limits_of(root, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _limits_of(root: Path, _size: int, _mtime_ns: int) -> Limits:
    try:
        return Workspace.load(root).limits
    except PsosError:
        return DEFAULT


def limits_for(path: Path) -> Limits:
    """The read limits that apply to the workbook at ``path``: those of the nearest
    psos.toml above it (the defaults without one)."""
    for folder in located(path).parents:
        if (folder / WORKSPACE_FILE).is_file():
            return limits_of(folder)
    return DEFAULT


def is_workspace(folder: Path) -> bool:
    """Whether ``folder`` itself is a workspace: it holds psos.toml, or a workbook whose
    marker says catalog."""
    return (folder / WORKSPACE_FILE).is_file() or _catalog_in(folder) is not None


def workspace_root(directory: Path) -> Path:
    """``directory`` when it is a workspace (:func:`is_workspace`); else WorkspaceError
    (exit 2) saying so. The one check of the commands that work on a workspace folder
    (sync, watch, reports): they create nothing (no ``.psos``, no store, no lock) in a
    folder that is not one, such as an empty folder or the parent of two workspaces."""
    if not directory.is_dir():
        raise WorkspaceError(f"{directory}: no such folder")
    if not is_workspace(directory):
        raise not_a_workspace(directory)
    return directory


def not_a_workspace(directory: Path) -> WorkspaceError:
    """The error of a command given ``directory``, which is not a workspace: it names the
    workspace the folder is inside, when there is one, else says how to create one."""
    text = f"{directory} is not a psos workspace (neither psos.toml nor a catalog workbook in it)"
    start = directory.resolve()
    inside = next((p for p in start.parents if (p / WORKSPACE_FILE).is_file()), None)
    if inside is None:
        near = start.parents[: _CATALOG_SEARCH_LEVELS - 1]
        inside = next((p for p in near if _catalog_in(p) is not None), None)
    if inside is not None:
        return WorkspaceError(f"{text}: it is inside the workspace {inside}; give that folder")
    return WorkspaceError(f"{text}: run 'psos init' to create one")


def _catalog_in(folder: Path) -> Path | None:
    """A catalog workbook directly inside ``folder``, found by its marker."""
    from psos_xl.workbook.reader import open_book

    try:
        names = sorted(p for p in folder.iterdir() if is_workbook_name(p.name))
    except OSError:
        return None
    if len(names) > _CATALOG_SEARCH_LIMIT:
        return None  # a folder of timesheets, not a workspace root: do not open them all
    for path in names:
        book, _issues = open_book(path)
        if book.kind == "catalog":
            return path
    return None


def write_config(root: Path, name: str, values: Mapping[str, str] | None = None) -> Path:
    """psos.toml with every setting, its default (or its value in ``values``) and its help
    as a comment."""
    lines = ["# psos_xl workspace settings. Paths are relative to this folder.", "[workspace]"]
    given = {"name": name, **(values or {})}
    for s in WORKSPACE_SETTINGS:
        value = given.get(s.key, s.default)
        lines.append(f"# {s.help}")
        # a JSON string is a valid TOML basic string: quotes and backslashes escaped
        lines.append(f"{s.key} = {value if value.isdigit() else json.dumps(value)}")
    path = root / WORKSPACE_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
