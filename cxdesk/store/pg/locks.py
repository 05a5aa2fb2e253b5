"""One import or analysis at a time on a team store, and who is running it (issue 20.3).

:func:`work_lock` wraps an import or an analysis. On a PostgreSQL store it opens a connection of
its own and takes the session advisory lock :data:`WORK_LOCK` with ``pg_try_advisory_lock``; when
another computer (or another program on this one) holds it, it refuses at once with
:class:`WorkBusyError`, whose message says who runs what, how far it is and since when. The lock
goes with ``pg_advisory_unlock`` when the work ends however it ends, and with the connection when
the process dies (a killed program frees it at once: the server ends its session).

How far the work is needs no table: the lock's connection carries it in its ``application_name``
(``cxdesk:analyze:37:0912:PC-FRONT``: what, percent, start time HHMM, computer name; ASCII, at most
63 bytes), updated from the job's progress at most once a second. Anyone may read
``application_name`` and the role (``usename``) of every session in ``pg_stat_activity``; the client
address and ``backend_start`` are shown only to the same role or to members of
``pg_read_all_stats``, so the start time and computer name travel in the name as well.

On a SQLite store :func:`work_lock` does nothing: the file's own write lock queues the writers,
as before. Nested use in one process (an import that analyses) shares the one lock.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cxdesk.errors import CxdeskError
from cxdesk.store.catalog import is_postgres

__all__ = [
    "WORK_LOCK",
    "LockHolder",
    "WorkBusyError",
    "current_holder",
    "describe_holder",
    "describe_progress",
    "find_holder",
    "parse_app_name",
    "report_part",
    "work_lock",
]

log = logging.getLogger("cxdesk")

WORK_LOCK = 0x63786A62  # the advisory lock key of "an import or an analysis is running" ("cxjb")
APP_PREFIX = "cxdesk"
APP_NAME_LIMIT = 63  # bytes: the server cuts longer names
REPORT_EVERY = 1.0  # seconds between two progress updates of the application_name
WHAT_LABELS = {"import": "导入数据", "analyze": "分析数据", "copy": "复制数据库"}


class WorkBusyError(CxdeskError):
    """Another computer is importing or analysing on the team store; ``holder`` says who (or None)."""

    def __init__(self, message: str, holder: LockHolder | None = None) -> None:
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True)
class LockHolder:
    """Who holds :data:`WORK_LOCK`, as far as the server lets us see."""

    pid: int
    user: str  # the PostgreSQL role (usename)
    what: str | None = None  # import / analyze (from the application_name); None: not a cxdesk program
    percent: int | None = None
    started: str | None = None  # "09:12"
    host: str | None = None  # the computer's name (from the application_name)
    address: str | None = None  # client_addr, when the server shows it
    own: bool = False  # this process holds it

    @property
    def what_label(self) -> str:
        return WHAT_LABELS.get(self.what or "", "导入或分析数据")


def _host_name() -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "", socket.gethostname() or "")
    return name[:24] or "pc"


HOST = _host_name()


def app_name(what: str, percent: int, started: datetime) -> str:
    """``cxdesk:<what>:<percent>:<HHMM>:<host>``, ASCII, cut to :data:`APP_NAME_LIMIT` bytes."""
    text = f"{APP_PREFIX}:{what}:{max(0, min(100, int(percent)))}:{started:%H%M}:{HOST}"
    return text[:APP_NAME_LIMIT]


_APP = re.compile(rf"^{APP_PREFIX}:(\w+):(\d{{1,3}}):(\d{{4}}):?(.*)$")


def parse_app_name(name: str | None) -> tuple[str, int, str, str] | None:
    """``(what, percent, "HH:MM", host)`` from an :func:`app_name`; ``None`` for other programs' names."""
    match = _APP.match(name or "")
    if match is None:
        return None
    what, percent, hhmm, host = match.groups()
    return what, int(percent), f"{hhmm[:2]}:{hhmm[2:]}", host


# --- who holds it ---------------------------------------------------------------------------------

_HOLDER_SQL = """
SELECT l.pid, a.usename, a.application_name, host(a.client_addr), a.backend_start
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = %s AND l.objid::bigint = %s
LIMIT 1
"""


def find_holder(conn: Any) -> LockHolder | None:
    """Who holds the work lock now (``conn``: a team store's connection, raw or not), or None."""
    raw = getattr(conn, "raw", conn)
    row = raw.execute(_HOLDER_SQL, (WORK_LOCK >> 32, WORK_LOCK & 0xFFFFFFFF)).fetchone()
    if row is None:
        return None
    pid, user, name, address, backend_start = row
    parsed = parse_app_name(name)
    what, percent, started, host = parsed if parsed is not None else (None, None, None, None)
    if started is None and backend_start is not None:
        started = f"{backend_start.astimezone():%H:%M}"
    with _registry_lock:
        own = any(h.pid == pid for h in _held.values())
    return LockHolder(int(pid), user or "", what, percent, started, host or None, address, own)


def current_holder(url: str) -> LockHolder | None:
    """:func:`find_holder` on a short connection of its own (the status bar's check, off the GUI thread)."""
    from cxdesk.store.pg import connect

    conn = connect(url)
    try:
        return find_holder(conn)
    finally:
        conn.close()


def describe_progress(holder: LockHolder) -> str:
    """The status bar's line while someone else imports or analyses: 「王芳 正在分析数据（37%）…」."""
    who = "这台电脑上的另一个窗口" if holder.host and holder.host == HOST else (holder.user or "同事")
    percent = f"（{holder.percent}%）" if holder.percent is not None else ""
    return f"{who} 正在{holder.what_label}{percent}…"


def describe_holder(holder: LockHolder | None) -> str:
    """The refusal: 「同事 王芳（192.168.1.23）正在分析数据（已完成 37%，开始于 09:12）。请等它完成后再导入或分析。」"""
    wait = "请等它完成后再导入或分析。"
    if holder is None:
        return f"另一台电脑正在导入或分析团队数据库的数据。{wait}"
    where = holder.address if holder.address and holder.address not in ("127.0.0.1", "::1") else holder.host
    if holder.host and holder.host == HOST:
        who = "这台电脑上的另一个 cxdesk 窗口或命令"
    else:
        who = f"同事 {holder.user or '（未知用户）'}" + (f"（{where}）" if where else "")
    facts = []
    if holder.percent is not None:
        facts.append(f"已完成 {holder.percent}%")
    if holder.started:
        facts.append(f"开始于 {holder.started}")
    details = f"（{'，'.join(facts)}）" if facts else ""
    return f"{who}正在{holder.what_label}{details}。{wait}"


# --- taking it ------------------------------------------------------------------------------------


class _Held:
    """The lock of one store held by this process: its connection and how deep the nesting is."""

    def __init__(self, conn: Any, what: str) -> None:
        self.conn = conn
        self.pid = int(conn.raw.info.backend_pid)
        self.depth = 1
        self.what = what
        self.started = datetime.now()
        self.last_report = 0.0
        self.last_percent = -1
        self.lock = threading.Lock()

    def report(self, percent: int, *, force: bool = False) -> None:
        """Publish how far the work is (at most once a second unless ``force``)."""
        now = time.monotonic()
        with self.lock:
            if not force and (percent == self.last_percent or now - self.last_report < REPORT_EVERY):
                return
            self.last_report, self.last_percent = now, percent
            try:
                self.conn.raw.execute(
                    "SELECT set_config('application_name', %s, false)", (app_name(self.what, percent, self.started),)
                )
            except Exception as exc:  # noqa: BLE001 - progress for others must never end the work
                log.debug("无法更新团队数据库上的进度：%s", exc)


_held: dict[tuple[str, int], _Held] = {}  # (store address, thread) -> the lock it holds
_registry_lock = threading.Lock()


class _ReportingContext:
    """A job context that also publishes its progress (``done/total`` as a percent) on the lock;
    :func:`report_part` makes it count one part of several (the wizard's files) as its share."""

    def __init__(self, ctx: Any, held: _Held) -> None:
        self._ctx = ctx
        self._held = held
        self._part = (0, 1)

    def progress(self, done: int, total: int, message: str = "") -> None:
        if total > 0:
            index, count = self._part
            self._held.report(int(100 * (index + min(max(done, 0), total) / total) / count))
        self._ctx.progress(done, total, message)

    def cancelled(self) -> bool:
        return self._ctx.cancelled()

    def check(self) -> None:
        self._ctx.check()


def report_part(ctx: Any, index: int, count: int) -> None:
    """The work of ``ctx`` (from :func:`work_lock`) goes on with part ``index`` (0-based) of ``count``
    equal parts: its progress counts as that share of the whole (nothing happens on SQLite)."""
    if isinstance(ctx, _ReportingContext):
        ctx._part = (max(0, index), max(1, count))


@contextmanager
def work_lock(store: Any, what: str, ctx: Any) -> Iterator[Any]:
    """Run an import (``what="import"``) or analysis (``"analyze"``) alone on a team store.

    Yields the context to use for the work: ``ctx`` itself on SQLite, else one whose progress is
    also published for the others. Raises :class:`WorkBusyError` when someone else runs one.
    """
    url = getattr(store, "url", None)
    if not url or not is_postgres(getattr(store, "conn", None)):
        yield ctx
        return
    key = (url, threading.get_ident())  # nested in one thread: the same lock; another thread must wait its turn
    with _registry_lock:
        held = _held.get(key)
        if held is not None:
            held.depth += 1
    if held is None:
        held = _take(key, what)
    try:
        yield _ReportingContext(ctx, held)
    finally:
        with _registry_lock:
            held.depth -= 1
            last = held.depth == 0
            if last:
                _held.pop(key, None)
        if last:
            _release(held)


def _take(key: tuple[str, int], what: str) -> _Held:
    from cxdesk.store.changes import WORK_STARTED
    from cxdesk.store.pg import connect

    conn = connect(key[0])
    try:
        held = _Held(conn, what)
        held.report(0, force=True)
        if not conn.raw.execute("SELECT pg_try_advisory_lock(%s)", (WORK_LOCK,)).fetchone()[0]:
            holder = find_holder(conn)
            raise WorkBusyError(describe_holder(holder), holder)
        _notice(conn, WORK_STARTED, what)
    except BaseException:
        conn.close()
        raise
    with _registry_lock:
        _held[key] = held
    return held


def _notice(conn: Any, op: str, what: str) -> None:
    """Tell the watchers an import or analysis started or ended (the status bars show it)."""
    from cxdesk.store.changes import CHANNEL, payload_of

    try:
        conn.raw.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload_of(op, [], {})))
    except Exception as exc:  # noqa: BLE001 - a notice is a courtesy
        log.debug("无法通知其他电脑：%s (%s)", exc, what)


def _release(held: _Held) -> None:
    from cxdesk.store.changes import WORK_ENDED

    try:
        held.conn.raw.execute("SELECT pg_advisory_unlock(%s)", (WORK_LOCK,))
        _notice(held.conn, WORK_ENDED, held.what)
    except Exception as exc:  # noqa: BLE001 - closing the session below frees the lock anyway
        log.warning("释放团队数据库的导入/分析锁时出错：%s", exc)
    finally:
        held.conn.close()
