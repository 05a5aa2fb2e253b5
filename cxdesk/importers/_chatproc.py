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
from cxdesk.importers._sessions import ChatWriter, _derived

if TYPE_CHECKING:  # the reader process never touches the store
    from cxdesk.store import Store
    from cxdesk.tasks import JobContext

_SEP = "\x00"
_NO_STATS = (None, None, 0, 0, 0, None, None)  # started, ended, counts, agent, agents before a refresh


# --- reader process ----------------------------------------------------------------------


class _LocalSessions(ChatWriter):
    """The chat writer's session split, numbering sessions itself and handing columns out."""

    def __init__(self, gap_minutes: float) -> None:
        self._init_state(gap_minutes, join=False, max_before=0)
        self._ids: dict[str, int] = {}
        self._continued: set[int] = set()
        self._new: list[tuple] = []
        self._out: dict[str, Any] = {}

    def _resolve_ids(self, rows: list[tuple]) -> list[int]:
        ids = self._ids  # same rule as INSERT OR IGNORE on (shop_id, session_key): a known key keeps its id
        before = len(ids)
        got = np.array([ids.setdefault(row[0], len(ids) + 1) for row in rows], dtype=np.int64)
        first = got > np.maximum.accumulate(np.append(before, got[:-1]))  # new keys take the next ids in order
        self._continued.update(got[~first].tolist())
        self._new.extend((i, key, sid, buyer, int(tr), int(rep))
                         for i, (key, sid, buyer, tr, rep) in zip(got[first].tolist(), compress(rows, first)))
        self.sessions_added = len(ids)
        return got.tolist()

    def _emit(self, columns: tuple[np.ndarray, ...], continued: np.ndarray) -> int:
        sess, seq, role, sender, sent, content, hashes = columns
        self._continued.update(continued.tolist())
        self._out = {"n": len(sess), "sess": sess.astype(np.int64), "seq": seq.astype(np.int64),
                     "role": _codes(role), "sender": _codes(sender), "sent": _pack(sent),
                     "content": _pack(content), "hash": hashes.astype(np.int64)}
        return len(sess)  # duplicates show up as fewer rows inserted, counted by the inserting side

    def part(self, records: Any) -> dict[str, Any]:
        """Split one chunk; its message columns and the sessions it starts (with derived columns)."""
        known, n_stats, n_agents = len(self._ids), len(self._stats), len(self._agents)
        self._new, self._out = [], {"n": 0}
        self.write(records)
        stats = {}
        if self._exact and len(self._stats) > n_stats:
            stats = {r[-1]: r[:-1] for r in _derived(self._stats[n_stats:], self._agents[n_agents:], known)}
        self._out["sessions"] = [row + stats.get(row[0], _NO_STATS) for row in self._new]
        return self._out

    def end(self) -> dict[str, Any]:
        """Derived columns of sessions that spanned chunks, or a request to recompute them all."""
        derived = []
        if self._exact and self._continued and self._stats:
            derived = _derived(self._stats, self._agents, 0, np.fromiter(self._continued, np.int64))
        return {"sessions": len(self._ids), "exact": self._exact, "derived": derived}


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
            msg.update(t="part", rejects=chunk.rejects, read=len(chunk.records) + len(chunk.rejects),
                       done=chunk.done, total=chunk.total)
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
        self._proc = mp.Process(target=_reader_main, args=(child, opts, format_id, gap_minutes),
                                name="cxdesk-import-reader", daemon=True)
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
        self.added = self.duplicate = self.sessions_added = 0

    def write(self, part: _Part) -> None:
        m, base = part.msg, self._base
        if m["sessions"]:
            self._chats.insert_new_sessions(self._shop, self._batch,
                                            [(row[0] + base, *row[1:]) for row in m["sessions"]])
        if not m["n"]:
            return
        columns = [(m["sess"] + base).tolist(), m["seq"].tolist(), _decode(m["role"]), _decode(m["sender"]),
                   _unpack(m["sent"]), _unpack(m["content"]), m["hash"].tolist()]
        new = self._chats.insert_message_columns(self._shop, self._batch, columns)
        self.added += new
        self.duplicate += m["n"] - new

    def finish(self) -> None:
        end = self._reader.end
        if end is None:
            raise ImportFormatError("读取文件的子进程没有读完文件，数据库未改动。")
        self.sessions_added = end["sessions"]
        if self.duplicate or not end["exact"]:  # derived columns from the stored rows, as ChatWriter does
            self._chats.refresh_sessions(list(range(self._base + 1, self._base + end["sessions"] + 1)))
        elif end["derived"]:
            self._chats.set_derived([(*row[:-1], row[-1] + self._base) for row in end["derived"]])
