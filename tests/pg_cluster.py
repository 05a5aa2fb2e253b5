"""A throwaway PostgreSQL cluster for tests, benchmarks and local use (issue 20).

``start_cluster(base_dir)`` runs ``initdb`` into a fresh folder, starts the server on a free port of
127.0.0.1 only (trust authentication, fsync off, a small shared_buffers, its unix socket in its own
folder) and creates a login role ``cxdesk`` owning a database ``cxdesk`` with ``pg_trgm`` in it. The
returned ``Cluster`` gives ``url`` (the cxdesk role), ``admin_url`` (the superuser ``postgres``),
``create_database``/``drop_database`` for one fresh database per test, and ``stop()``; it is also a
context manager. The binaries come from PATH or /usr/lib/postgresql/*/bin; initdb and postgres refuse
to run as root, so under root they run as the ``postgres`` system user (runuser, else setpriv) in a
folder that user owns. Databases use the C collation: text compares byte by byte, as SQLite's BINARY.

Manual use: ``python tests/pg_cluster.py DIR`` starts one and prints its URL until Ctrl-C.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROLE = "cxdesk"
DATABASE = "cxdesk"
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"  # who runs initdb/postgres when we are root
TEMPLATE = "cxdesk_template"  # cxdesk-owned, pg_trgm created: the source of every test database
_SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "16MB",
    "max_connections": "50",
    "log_min_messages": "warning",
}
_SOCKET_PATH_MAX = 100  # sun_path holds 107 bytes; the socket file name adds ~16


class PostgresNotFound(RuntimeError):
    """No PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine."""


def find_bin_dir() -> Path | None:
    """The folder holding initdb, pg_ctl, postgres and psql: PATH first, then the newest Debian install."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.parent.name)) or (0,)

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for d in candidates:
        if all((d / name).is_file() and os.access(d / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres")):
            return d
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _runas_prefix() -> list[str]:
    """The command prefix that drops root to the postgres system user; empty when not root."""
    if not _as_root():
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", SYSTEM_USER, "--"]
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={SYSTEM_USER}", f"--regid={SYSTEM_USER}", "--init-groups", "--"]
    raise PostgresNotFound("running as root and neither runuser nor setpriv exists to drop to the postgres user")


def _reachable_by_system_user(folder: Path) -> bool:
    """True when the postgres system user can write in ``folder`` (root's pytest tmp dirs are 0700)."""
    r = subprocess.run([*_runas_prefix(), "test", "-w", str(folder)], capture_output=True)
    return r.returncode == 0


@dataclass
class Cluster:
    """A running throwaway server; ``stop()`` (or leaving the ``with`` block) shuts it down and removes it."""

    port: int
    bin_dir: Path
    data_dir: Path
    socket_dir: Path
    log_file: Path
    owned_dirs: list[Path] = field(default_factory=list)  # removed at stop
    stopped: bool = False
    _admin: Any = field(default=None, repr=False)  # the superuser's psycopg connection, opened on first use

    @property
    def url(self) -> str:
        return self.url_for(DATABASE)

    @property
    def admin_url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` as the superuser (psql over TCP, so no user switch needed); return its output."""
        url = f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"
        cmd = [str(self.bin_dir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"psql failed ({sql!r}): {r.stderr.strip()}")
        return r.stdout

    def create_database(self, name: str, template: str = TEMPLATE) -> str:
        """A fresh database owned by the cxdesk role, a copy of ``template`` (by default empty with pg_trgm
        in it); returns its URL."""
        _check_name(name)
        _check_name(template)
        self._admin_execute(f'CREATE DATABASE "{name}" OWNER {ROLE} TEMPLATE "{template}"')
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        _check_name(name)
        self._admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin_execute(self, sql: str) -> None:
        """One statement as the superuser on a connection kept open: tests create and drop a database
        each, and a psql process per call costs ~0.15 s when forked from a big pytest process."""
        import psycopg

        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(self.admin_url, autocommit=True)
        self._admin.execute(sql)

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self._admin is not None:
            self._admin.close()
        subprocess.run(
            [*_runas_prefix(), str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )
        for d in self.owned_dirs:
            shutil.rmtree(d, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _check_name(name: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain database name: {name!r}")


def _utf8_ctype() -> list[str]:
    """``--lc-ctype=C.UTF-8`` (or the spelling ``locale -a`` lists), or nothing when there is none."""
    try:
        names = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return []
    for name in names:
        if name.lower().replace("-", "") == "c.utf8":
            return [f"--lc-ctype={name}"]
    return []


def start_cluster(base_dir: Path) -> Cluster:
    """initdb into ``base_dir`` (or a private temp folder when the postgres user cannot reach it), start the
    server on a free 127.0.0.1 port, create the cxdesk role, database and template; raise PostgresNotFound
    when there are no binaries, RuntimeError (with the server log) when the server does not come up."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresNotFound("no PostgreSQL server binaries (initdb) on PATH or under /usr/lib/postgresql/*/bin")
    runas = _runas_prefix()
    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    owned: list[Path] = []
    home = Path(tempfile.mkdtemp(prefix="cxpg-", dir=base_dir))
    owned.append(home)
    if runas:
        shutil.chown(home, SYSTEM_USER, SYSTEM_USER)
        if not _reachable_by_system_user(home):
            home = Path(tempfile.mkdtemp(prefix="cxpg-"))
            owned.append(home)
            shutil.chown(home, SYSTEM_USER, SYSTEM_USER)
    data_dir, log_file = home / "data", home / "server.log"
    socket_dir = home
    if len(str(socket_dir)) > _SOCKET_PATH_MAX:
        socket_dir = Path(tempfile.mkdtemp(prefix="cxpgs-"))
        owned.append(socket_dir)
        if runas:
            shutil.chown(socket_dir, SYSTEM_USER, SYSTEM_USER)

    init = [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8"]
    # C collation (byte order, as SQLite's BINARY); a UTF-8 character type when the system has one, so that
    # pg_trgm sees CJK characters as letters and the search indexes hold their trigrams.
    init += ["--locale=C", *_utf8_ctype(), "--no-sync", "--no-instructions"]
    r = subprocess.run([*runas, *init], capture_output=True, text=True, cwd=home)
    if r.returncode != 0:
        for d in owned:
            shutil.rmtree(d, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {r.stderr.strip() or r.stdout.strip()}")

    settings = dict(_SERVER_SETTINGS, unix_socket_directories=str(socket_dir))
    last_error = ""
    for _attempt in range(5):  # another process may take the free port between our probe and the bind
        port = _free_port()
        opts = " ".join(f"-c {k}={v}" for k, v in {**settings, "port": port}.items())
        start = [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(log_file), "-w", "-t", "60", "-o", opts]
        r = subprocess.run([*runas, *start, "start"], capture_output=True, text=True, cwd=home)
        if r.returncode == 0:
            break
        last_error = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else r.stderr
        time.sleep(0.2)
    else:
        for d in owned:
            shutil.rmtree(d, ignore_errors=True)
        raise RuntimeError(f"postgres did not start: {last_error.strip()}")

    cluster = Cluster(port, bin_dir, data_dir, socket_dir, log_file, owned)
    atexit.register(cluster.stop)  # a crashed or interrupted run does not leave a server behind
    try:
        cluster.psql(f"CREATE ROLE {ROLE} LOGIN")
        cluster.psql(f"CREATE DATABASE {TEMPLATE} OWNER {ROLE}")
        cluster.psql("CREATE EXTENSION IF NOT EXISTS pg_trgm", database=TEMPLATE)
        cluster.psql(f"CREATE DATABASE {DATABASE} OWNER {ROLE} TEMPLATE {TEMPLATE}")
    except Exception:
        cluster.stop()
        raise
    return cluster


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: python {argv[0]} DIR", file=sys.stderr)
        return 2
    with start_cluster(Path(argv[1])) as cluster:
        print(cluster.url, flush=True)
        print(f"superuser: {cluster.admin_url}   (Ctrl-C stops and removes it)", flush=True)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):  # SIGINT too: a background job ignores it
            signal.signal(sig, _interrupt)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
