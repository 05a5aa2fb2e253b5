"""Big chat files into a shop without sessions: reading in a second process.

On two cores the CSV parsing, mapping, hashing and session split (all
Python/pandas, holding the GIL) run in a spawned reader process while this
process only inserts; a thread could not overlap the two. The reader never
opens the database: every write stays in the caller's one transaction, so a
cancel, an error or a kill mid-file leaves the store as it was.

Only for a shop with no chat sessions yet (the first import of a shop's
history): nothing can join a stored session there, so the reader numbers
sessions itself (1, 2, … in the order the in-process writer would create
them, offset here by the store's highest session id) and computes each new
session's derived columns; sessions whose messages span chunks get theirs
from the aggregates at the end. Messages travel as numpy columns and
NUL-joined text rather than pickled per-row objects (unpickling 1M rows
costs ~1 s, more than the split and join).

Results are the same as the in-process :class:`._sessions.ChatWriter`: same
sessions, ids, messages, hashes and rejects (tests/test_import_fast.py).
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import threading
import traceback
from collections.abc import Iterator
from itertools import compress
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxdesk.errors import ImportFormatError
from cxdesk.importers._model import Chunk, ReadOptions
from cxdesk.importers._derived import (
    REFRESH_BATCH,
    derived_columns,
    derived_of_messages,
    refresh_in_batches,
    settle_closed,
)
from cxdesk.importers._sessions import ChatWriter
from cxdesk.store.spill import SpillMap

if TYPE_CHECKING:  # the reader process never touches the store
    from cxdesk.store import Store
    from cxdesk.tasks import JobContext

_SEP = "\x00"
HOT_KEYS = 200_000  # session keys kept in a dict in the reader process; older ones go to a spill file
STATS_ROWS = 200_000  # aggregate rows (beyond those of open sessions) before closed sessions settle
_NO_STATS = (None, None, 0, 0, 0, None, None)  # started, ended, counts, agent, agents before a refresh


# --- reader process ----------------------------------------------------------------------


class _LocalSessions(ChatWriter):
    """The chat writer's session split, numbering sessions itself and handing columns out.

    Memory stays bounded whatever the file size: the most recent HOT_KEYS session
    keys are a dict, older ones go to a spill file (:mod:`._spill`); open sessions
    and their message hashes are bounded by the chat writer; the per-session
    aggregates of closed sessions are settled and dropped (:func:`settle_closed`).
    A session that may get messages after its aggregates were dropped (its buyer
    was brought back from the spill file, or its key came back) is recomputed from
    the stored rows at the end instead (:meth:`FreshChatLoad.finish`)."""

    def __init__(self, gap_minutes: float) -> None:
        self._init_state(gap_minutes, join=False, max_before=0)
        self._ids: dict[str, int] = {}  # recent session keys → local id
        self._old_ids: SpillMap | None = None  # older keys
        self._n_ids = 0
        self._continued: set[int] = set()  # sessions with aggregate rows from several chunks
        self._stats_kept = 0
        # this part's sessions to recompute at the end: continued after their aggregates were
        # settled (the store's refresh), or reused by a key that came back (from the stored rows)
        self._refresh: list[int] = []
        self._reused: list[int] = []
        self._new: list[tuple] = []
        self._out: dict[str, Any] = {}

    def _resolve_ids(self, rows: list[tuple]) -> list[int]:
        ids = self._ids  # same rule as INSERT OR IGNORE on (shop_id, session_key): a known key keeps its id
        before = self._n_ids
        off = before - len(ids)
        keys = [row[0] for row in rows]
        old: dict[str, int] = {}
        if self._old_ids is not None:
            old = {k: v[0] for k, v in self._old_ids.take([k for k in keys if k not in ids]).items()}
        got = np.array([old.get(k) or ids.setdefault(k, len(ids) + 1 + off) for k in keys], dtype=np.int64)
        self._n_ids = len(ids) + off
        first = got > np.maximum.accumulate(np.append(before, got[:-1]))  # new keys take the next ids in order
        back = got[~first]
        self._reused.extend(back[back <= before].tolist())  # their aggregates may be settled already
        self._new.extend(
            (i, key, sid, buyer, int(tr), int(rep))
            for i, (key, sid, buyer, tr, rep) in zip(got[first].tolist(), compress(rows, first))
        )
        self.sessions_added = self._n_ids
        if len(ids) > HOT_KEYS:
            if self._old_ids is None:
                self._old_ids = SpillMap(("id",))
            self._old_ids.put(list(ids), [(i,) for i in ids.values()])
            ids.clear()
        return got.tolist()

    def _emit(self, columns: tuple[np.ndarray, ...], continued: np.ndarray) -> int:
        sess, seq, role, sender, sent, content, hashes = columns
        restored = {r[1] for r in self._open.restored}  # their aggregates were settled when spilled
        for i in continued.tolist():
            (self._refresh.append if i in restored else self._continued.add)(i)
        self._out = {
            "n": len(sess),
            "sess": sess.astype(np.int64),
            "seq": seq.astype(np.int64),
            "role": _codes(role),
            "sender": _codes(sender),
            "sent": _pack(sent),
            "content": _pack(content),
            "hash": hashes.astype(np.int64),
        }
        return len(sess)  # duplicates show up as fewer rows inserted, counted by the inserting side

    def part(self, records: Any) -> dict[str, Any]:
        """Split one chunk; its message columns, the sessions it starts (with derived columns),
        the final derived columns of earlier sessions that closed, and sessions to recompute."""
        known, n_stats, n_agents = self._n_ids, len(self._stats), len(self._agents)
        self._new, self._out, self._refresh, self._reused = [], {"n": 0}, [], []
        self.write(records)
        stats = {}
        if self._exact and len(self._stats) > n_stats:
            stats = {r[-1]: r[:-1] for r in derived_columns(self._stats[n_stats:], self._agents[n_agents:], known)}
        self._out["sessions"] = [row + stats.get(row[0], _NO_STATS) for row in self._new]
        self._out["derived"] = self._settle()
        self._out["refresh"], self._out["reused"] = self._refresh, self._reused
        return self._out

    def _settle(self) -> list[tuple]:
        """Derived columns of closed sessions that spanned chunks; their aggregate rows are dropped."""
        if not self._exact:  # the store recomputes every session at the end
            self._stats, self._agents, self._continued = [], [], set()
            return []
        if sum(len(p["s"]) for p in self._stats) <= STATS_ROWS + self._stats_kept:
            return []
        self._stats, self._agents, derived = settle_closed(
            self._stats, self._agents, self._open.open_sessions(), self._continued
        )
        self._stats_kept = len(self._stats[0]["s"])
        return derived

    def end(self) -> dict[str, Any]:
        """Derived columns of sessions that spanned chunks, or a request to recompute them all."""
        derived = []
        if self._exact and self._continued and self._stats:
            derived = derived_columns(self._stats, self._agents, 0, np.fromiter(self._continued, np.int64))
        self._open.close()
        if self._old_ids is not None:
            self._old_ids.close()
        return {"sessions": self._n_ids, "exact": self._exact, "derived": derived}


def _codes(values: np.ndarray) -> tuple[np.ndarray, list]:
    codes, uniq = pd.factorize(np.asarray(values, dtype=object))
    return codes.astype(np.int32), list(uniq)


def _pack(values: np.ndarray) -> tuple:
    """Texts (or None) as one NUL-joined string plus the None positions."""
    values = np.asarray(values, dtype=object)
    null = None
    try:
        joined = _SEP.join(values.tolist())  # no None at all: the usual case, no scan for them
    except TypeError:
        null = pd.isna(values)
        if null.all():
            return ("none", len(values))
        joined = _SEP.join(np.where(null, "", values).tolist())
    if joined.count(_SEP) != len(values) - 1:  # a NUL inside a text: send the list itself
        return ("list", values.tolist() if null is None else np.where(null, None, values).tolist())
    return ("joined", joined, None if null is None else np.flatnonzero(null))


def _unpack(packed: tuple) -> list:
    if packed[0] == "none":
        return [None] * packed[1]
    if packed[0] == "list":
        return packed[1]
    _, joined, nulls = packed
    out = joined.split(_SEP)
    if nulls is not None:
        for i in nulls.tolist():
            out[i] = None
    return out


def _decode(codes: tuple[np.ndarray, list]) -> list:
    c, uniq = codes
    return np.array([*uniq, None], dtype=object)[c].tolist()  # code -1 (None) takes the last


class _Sender:
    """Pickles in the caller's thread, writes to the pipe in another (up to two parts ahead)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._q: queue.Queue = queue.Queue(maxsize=2)
        self.broken = False
        self._thread = threading.Thread(target=self._run, name="cxdesk-reader-send", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (data := self._q.get()) is not None:
            if not self.broken:
                try:
                    self._conn.send_bytes(data)
                except OSError:  # the importing process is gone or stopped reading
                    self.broken = True

    def put(self, msg: dict[str, Any]) -> None:
        if self.broken:
            raise SystemExit(0)
        self._q.put(pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL))

    def close(self) -> None:
        self._q.put(None)
        self._thread.join()
        self._conn.close()


def _reader_main(conn: Any, opts: ReadOptions, format_id: str, gap_minutes: float) -> None:
    """Entry point of the reader process: parts, then "end" (or "error")."""
    from cxdesk.tasks import exit_with_parent

    exit_with_parent()  # a killed importing process must not leave this one reading on
    out = _Sender(conn)
    try:
        from cxdesk.importers import registry

        spec = registry.get(format_id)
        sessions = _LocalSessions(gap_minutes)
        for chunk in (spec.bulk_read or spec.read)(opts):
            msg = sessions.part(chunk.records)
            msg.update(
                t="part",
                rejects=chunk.rejects,
                read=len(chunk.records) + len(chunk.rejects),
                done=chunk.done,
                total=chunk.total,
            )
            out.put(msg)
        out.put({"t": "end", **sessions.end()})
    except SystemExit:
        pass
    except BaseException as exc:  # re-raised by the importing process
        try:
            out.put({"t": "error", "exc": exc})
        except Exception:
            out.put({"t": "error", "exc": RuntimeError(traceback.format_exc())})
    finally:
        out.close()


# --- importing process ---------------------------------------------------------------------


class _Part:
    """One chunk's messages as the reader process prepared them."""

    def __init__(self, msg: dict[str, Any]) -> None:
        self.msg = msg

    def __len__(self) -> int:
        return int(self.msg["n"])


class ReaderProcess:
    """Starts the reader process at once (its start-up overlaps the caller's own set-up)."""

    def __init__(self, opts: ReadOptions, format_id: str, gap_minutes: float) -> None:
        mp = multiprocessing.get_context("spawn")
        self._conn, child = mp.Pipe(duplex=False)
        self._proc = mp.Process(
            target=_reader_main, args=(child, opts, format_id, gap_minutes), name="cxdesk-import-reader", daemon=True
        )
        self._proc.start()
        child.close()
        self.end: dict[str, Any] | None = None

    def chunks(self, ctx: JobContext) -> Iterator[Chunk]:
        """The reader's parts as chunks (``records`` is a :class:`_Part`); cancellable while waiting."""
        while True:
            while not self._conn.poll(0.05):
                ctx.check()
                if not self._proc.is_alive() and not self._conn.poll():
                    raise ImportFormatError(f"读取文件的子进程意外退出（退出码 {self._proc.exitcode}），数据库未改动。")
            try:
                msg = pickle.loads(self._conn.recv_bytes())
            except EOFError:
                raise ImportFormatError("读取文件的子进程意外退出，数据库未改动。") from None
            if msg["t"] == "error":
                raise msg["exc"]
            if msg["t"] == "end":
                self.end = msg
                return
            yield Chunk(_Part(msg), msg["rejects"], msg["done"], msg["total"])

    def close(self) -> None:
        """Stop and reap the reader (it only reads, so terminating it is safe)."""
        self._conn.close()
        self._proc.join(timeout=2)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join()

    @property
    def pid(self) -> int | None:
        return self._proc.pid


class FreshChatLoad:
    """Inserts the reader process's parts; same counts and contract as the chat writer."""

    def __init__(self, store: Store, shop_id: int, batch_id: int, reader: ReaderProcess) -> None:
        self._chats = store.chats
        self._shop, self._batch, self._reader = shop_id, batch_id, reader
        self._base = store.chats.max_session_id()
        self._refresh: list[np.ndarray] = []  # sessions recomputed at the end (rare; see _LocalSessions)
        self._reused: list[np.ndarray] = []
        self.added = self.duplicate = self.sessions_added = 0

    def write(self, part: _Part) -> None:
        m, base = part.msg, self._base
        if m["sessions"]:
            self._chats.insert_new_sessions(
                self._shop, self._batch, [(row[0] + base, *row[1:]) for row in m["sessions"]]
            )
        if m["derived"]:  # final columns of earlier sessions that closed
            self._chats.set_derived([(*row[:-1], row[-1] + base) for row in m["derived"]])
        if m["refresh"]:
            self._refresh.append(np.unique(np.asarray(m["refresh"], dtype=np.int64)) + base)
        if m["reused"]:
            self._reused.append(np.unique(np.asarray(m["reused"], dtype=np.int64)) + base)
        if not m["n"]:
            return
        columns = [
            (m["sess"] + base).tolist(),
            m["seq"].tolist(),
            _decode(m["role"]),
            _decode(m["sender"]),
            _unpack(m["sent"]),
            _unpack(m["content"]),
            m["hash"].tolist(),
        ]
        new = self._chats.insert_message_columns(self._shop, self._batch, columns)
        self.added += new
        self.duplicate += m["n"] - new

    def finish(self) -> None:
        end = self._reader.end
        if end is None:
            raise ImportFormatError("读取文件的子进程没有读完文件，数据库未改动。")
        self.sessions_added = end["sessions"]
        if self.duplicate or not end["exact"]:  # derived columns from the stored rows, as ChatWriter does
            refresh_in_batches(self._chats, range(self._base + 1, self._base + end["sessions"] + 1))
            return
        if end["derived"]:
            self._chats.set_derived([(*row[:-1], row[-1] + self._base) for row in end["derived"]])
        # after set_derived: the stored rows have the last word. A reused session's sequence numbers
        # restart, so only the writer's own aggregation gives the thread path's ties; the others
        # have unique sequence numbers, where the store's refresh gives the same (and is faster).
        reused = np.unique(np.concatenate(self._reused)) if self._reused else np.zeros(0, np.int64)
        if self._refresh:
            refresh_in_batches(self._chats, np.setdiff1d(np.concatenate(self._refresh), reused))
        ids = reused.tolist()
        for i in range(0, len(ids), REFRESH_BATCH):
            self._chats.set_derived(self._derived_from_store(ids[i : i + REFRESH_BATCH]))

    def _derived_from_store(self, ids: list[int]) -> list[tuple]:
        """Derived columns of these sessions from their stored messages in insert order, with the
        writer's aggregation (same ties as the thread path, which keeps every aggregate in memory)."""
        rows = self._chats.message_heads(ids)
        if not rows:
            return []
        session, seq, role, sender, sent = (np.array(c, dtype=object) for c in zip(*rows))
        return derived_of_messages(session.astype(np.int64), seq.astype(np.int64), role, sender, sent)
