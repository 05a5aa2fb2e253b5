"""Hearing that someone else changed the store: :class:`ChangeWatcher` and :func:`announce` (issue 20.3).

No table is needed on either engine:

- **SQLite**: the watcher keeps a read-only connection of its own and asks ``PRAGMA data_version``,
  which changes when *another* connection (this process's writer, another window, a ``main.py``
  command) commits to the file. It says only "something changed", so a change heard there has no
  kinds (``StoreChange.kinds is None``: reload everything). The watcher's own reads never change it.
- **PostgreSQL**: the watcher ``LISTEN``\\ s on :data:`CHANNEL` on a connection of its own and polls
  for notifications without waiting. After an operation has written, :func:`announce` sends
  ``pg_notify(CHANNEL, payload)`` with the operation's name, the kinds of data it changed and the
  ids it knows (small JSON, under the server's 8000-byte limit: ids are dropped when they do not
  fit, which only means "reload those kinds"). Every payload names the process that sent it
  (:data:`PROCESS_TOKEN`), so a window ignores its own changes (it has reloaded already); the
  notifications sent on the watcher's own connection are ignored as well.

The kinds are :mod:`cxdesk.ops` names (``"flags"``, ``"faq"``...); this module only carries them.
The watcher does not use Qt: the GUI polls it on a timer (``ui.change_watch``).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cxdesk.store.catalog import is_postgres

__all__ = ["CHANNEL", "PROCESS_TOKEN", "ChangeWatcher", "StoreChange", "announce", "payload_of", "watch_target"]

log = logging.getLogger("cxdesk")

CHANNEL = "cxdesk_changes"
PAYLOAD_LIMIT = 7900  # bytes; the server refuses payloads of 8000 bytes or more
PROCESS_TOKEN = f"{os.getpid()}-{uuid.uuid4().hex[:10]}"  # names this process in every payload it sends
WORK_STARTED = "work_started"  # op names of the notices an import/analysis sends when it starts and ends
WORK_ENDED = "work_ended"


@dataclass(frozen=True)
class StoreChange:
    """One change someone else made: the operation's name, the kinds it touched (``None``: not known,
    reload everything) and the ids of a kind where the operation named them."""

    op: str = ""
    kinds: frozenset[str] | None = None
    ids: Mapping[str, tuple[int, ...]] = field(default_factory=lambda: MappingProxyType({}))
    source: str = ""  # the sender's PROCESS_TOKEN ("" on SQLite)

    @property
    def is_work_notice(self) -> bool:
        """An import or analysis of someone else started or ended (it changed nothing by itself)."""
        return self.op in (WORK_STARTED, WORK_ENDED)


def watch_target(store: Any) -> str | Path:
    """What to watch for ``store``: a team store's address (with its password, if any), else its file."""
    return getattr(store, "url", None) or store.path


def payload_of(op: str, kinds: Iterable[str], ids: Mapping[str, Iterable[int]] | None = None) -> str:
    """The JSON sent for one operation; ids are left out (kind by kind, largest first) until it fits."""
    body: dict[str, Any] = {"v": 1, "src": PROCESS_TOKEN, "op": str(op)[:100], "kinds": sorted(kinds)}
    id_lists = {k: [int(i) for i in v] for k, v in (ids or {}).items() if v}
    while True:
        if id_lists:
            body["ids"] = id_lists
        else:
            body.pop("ids", None)
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=True)
        if len(text) <= PAYLOAD_LIMIT or not id_lists:
            return text
        del id_lists[max(id_lists, key=lambda k: len(id_lists[k]))]


def announce(store: Any, op: str, kinds: Iterable[str], ids: Mapping[str, Iterable[int]] | None = None) -> bool:
    """Tell the team store's watchers that ``op`` changed ``kinds``; whether anything was sent.

    On SQLite nothing is sent (the file's ``data_version`` tells the watchers). On PostgreSQL the
    notification goes out when the current transaction commits, or at once outside one.
    """
    kinds = list(kinds)
    conn = getattr(store, "conn", store)
    if not kinds or not is_postgres(conn):
        return False
    conn.execute("SELECT pg_notify(?, ?)", (CHANNEL, payload_of(op, kinds, ids)))
    return True


def _parse(payload: str) -> StoreChange:
    """A notification's payload; one that cannot be read means "something changed"."""
    try:
        body = json.loads(payload)
        kinds = body.get("kinds")
        ids = body.get("ids") or {}
        return StoreChange(
            op=str(body.get("op", "")),
            kinds=None if kinds is None else frozenset(str(k) for k in kinds),
            ids=MappingProxyType({str(k): tuple(int(i) for i in v) for k, v in ids.items()}),
            source=str(body.get("src", "")),
        )
    except (ValueError, TypeError, AttributeError):
        return StoreChange(op="?")


class ChangeWatcher:
    """Polls one store for commits made elsewhere (see the module doc); usable as a context manager.

    ``target``: a SQLite file or a ``postgresql://`` address. ``ignore_own_process``: on PostgreSQL,
    skip the changes this process announced (the default: a window reloads after its own operations
    anyway). :meth:`poll` answers at once: it never waits for the server.
    """

    def __init__(self, target: str | Path, *, ignore_own_process: bool = True) -> None:
        from cxdesk.store.pg import is_postgres_url

        self.target = target
        self.engine = "postgresql" if is_postgres_url(target) else "sqlite"
        self.ignore_own_process = ignore_own_process
        self._conn: Any = None
        self._version: int | None = None
        self._lost = False  # the connection broke: the next good poll reports "something changed"
        self._open()

    # --- connection ----------------------------------------------------------------------------

    def _open(self) -> None:
        if self.engine == "postgresql":
            from cxdesk.store.pg import connect

            conn = connect(str(self.target))
            conn.raw.execute(f"LISTEN {CHANNEL}")
            self._conn = conn
        else:
            from cxdesk.store import open_reader

            conn = open_reader(self.target)
            self._version = int(conn.execute("PRAGMA data_version").fetchone()[0])
            self._conn = conn

    @property
    def backend_pid(self) -> int | None:
        """The server process of the watcher's own connection (PostgreSQL), else ``None``."""
        if self.engine != "postgresql" or self._conn is None:
            return None
        return int(self._conn.raw.info.backend_pid)

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection is not an error
                pass
            self._conn = None

    def __enter__(self) -> ChangeWatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- polling -------------------------------------------------------------------------------

    def poll(self) -> bool:
        """Did someone else commit since the last poll (or since the watcher was made)?"""
        return bool(self.poll_changes())

    def poll_changes(self, timeout: float = 0.0) -> list[StoreChange]:
        """The changes made elsewhere since the last poll, oldest first (empty: none).

        ``timeout``: on PostgreSQL, wait up to that many seconds for a first notification (scripts and
        tests; the window never waits). A broken connection is reopened on a later poll; that poll
        reports one change with no kinds, since what happened meanwhile is not known.
        """
        if self._conn is None:
            try:
                self._open()
            except Exception as exc:  # noqa: BLE001 - the server or file may be back later
                log.debug("数据变化监听暂时无法连接：%s", exc)
                return []
            if self._lost:
                self._lost = False
                return [StoreChange(op="reconnected")]
        try:
            return self._poll_pg(timeout) if self.engine == "postgresql" else self._poll_sqlite()
        except Exception as exc:  # noqa: BLE001 - a dropped connection must not end the window's timer
            log.warning("数据变化监听出错，稍后重新连接：%s", exc)
            self.close()
            self._lost = True
            return []

    def skip(self) -> None:
        """Forget what changed until now (the caller's own writes on SQLite, where no change says whose)."""
        self.poll_changes()

    def _poll_sqlite(self) -> list[StoreChange]:
        version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        if version == self._version:
            return []
        self._version = version
        return [StoreChange()]

    def _poll_pg(self, timeout: float) -> list[StoreChange]:
        raw = self._conn.raw
        own_pid = raw.info.backend_pid
        changes = []
        for notice in raw.notifies(timeout=max(0.0, timeout), stop_after=1 if timeout > 0 else None):
            if notice.channel != CHANNEL or notice.pid == own_pid:
                continue
            change = _parse(notice.payload)
            if self.ignore_own_process and change.source == PROCESS_TOKEN:
                continue
            changes.append(change)
        return changes

    def announce(self, op: str, kinds: Iterable[str], ids: Mapping[str, Iterable[int]] | None = None) -> bool:
        """:func:`announce` on the watcher's own connection (the GUI's, after one of its operations)."""
        if self._conn is None or self.engine != "postgresql":
            return False
        try:
            return announce(self._conn, op, kinds, ids)
        except sqlite3.Error as exc:
            log.warning("无法通知其他电脑数据已更新：%s", exc)
            self.close()
            self._lost = True
            return False
