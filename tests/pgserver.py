"""A throw-away PostgreSQL server for tests: initdb into a temp folder, a unix socket.

    server = start_server()        # or None when no PostgreSQL binaries are installed
    url = server.create_database("t1")
    ...
    server.stop()

The binaries come from PATH or ``/usr/lib/postgresql/<version>/bin`` (Debian's
``postgresql`` package). initdb refuses to run as root, so under root the server runs
as ``postgres`` (or ``nobody``) in a folder chowned to it. The server listens on a unix
socket in its own folder only (no TCP port), with ``fsync=off``: nothing here must
survive a crash of the machine. Only the server this module started is ever stopped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

APT_PACKAGE = "postgresql"
SUPERUSER = "psos"
PORT = 5432  # the socket lives in a private folder, so the number cannot clash
_BINARIES = ("initdb", "pg_ctl", "postgres")
_RUN_AS = ("postgres", "nobody")


class ServerError(RuntimeError):
    """The server would not initialise or start (the log is in the message)."""


def find_bin_dir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: PATH first, then Debian's layout."""
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).parent] if on_path else []
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = [p for p in debian.iterdir() if p.name.isdigit()]
        candidates += [p / "bin" for p in sorted(versions, key=lambda p: -int(p.name))]
    for folder in candidates:
        if all((folder / name).is_file() for name in _BINARIES):
            return folder
    return None


def _account() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as, or None when not root."""
    if os.geteuid() != 0:
        return None
    for name in _RUN_AS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ServerError(f"running as root and none of the accounts {_RUN_AS} exists")


def _as_user(cmd: list[str], account: pwd.struct_passwd | None) -> list[str]:
    if account is None:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", account.pw_name, "--", *cmd]
    setpriv = shutil.which("setpriv")
    if setpriv:
        ids = [f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups"]
        return [setpriv, *ids, "--", *cmd]
    raise ServerError("running as root without runuser or setpriv to drop privileges")


@dataclass
class PgServer:
    bin_dir: Path
    base: Path  # data/, the socket and server.log inside
    account: pwd.struct_passwd | None
    running: bool = False

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "server.log"

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL to ``database`` through the socket (the driver left implicit)."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.base}&port={PORT}"

    def conninfo(self, database: str = "postgres") -> str:
        return f"host={self.base} port={PORT} user={SUPERUSER} dbname={database}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        cmd = _as_user([str(self.bin_dir / args[0]), *args[1:]], self.account)
        done = subprocess.run(
            cmd, cwd=self.base, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise ServerError(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}\n{log}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8")
        options = (
            f"-F -c fsync=off -c full_page_writes=off -c synchronous_commit=off "
            f"-c listen_addresses='' -c unix_socket_directories='{self.base}' -p {PORT}"
        )
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", "30", "-o", options)  # fmt: skip
        self.running = True

    def stop(self) -> None:
        """Stop the server (fast: open sessions are ended) and delete its folder."""
        try:
            if self.running:
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
                self.running = False
        finally:
            if not self.running:
                shutil.rmtree(self.base, ignore_errors=True)

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL."""
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
        return self.url(name)


def start_server() -> PgServer | None:
    """A running server, or None when the PostgreSQL binaries are not installed."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return None
    account = _account()
    # not under pytest's tmp folder: that is private to root, the server could not enter it
    base = Path(tempfile.mkdtemp(prefix="psos-pg-"))
    if account is not None:
        os.chown(base, account.pw_uid, account.pw_gid)
    server = PgServer(bin_dir, base, account)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


def missing_message() -> str:
    return (
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or in "
        f"/usr/lib/postgresql/*/bin: install the Debian package {APT_PACKAGE!r} "
        "(apt-get install postgresql)"
    )


if __name__ == "__main__":  # a manual check: python tests/pgserver.py
    started = start_server()
    if started is None:
        sys.exit(missing_message())
    try:
        print(started.create_database("check"))
    finally:
        started.stop()
