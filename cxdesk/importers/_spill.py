"""Per-file state that outgrows memory, kept on disk for the rest of one import.

The chat session split remembers every buyer's open session and every
session key of the file; for a multi-gigabyte export that is millions of
entries. The writers keep the recent ones in memory and move the rest here:
a private temporary SQLite database (``sqlite3.connect("")``: SQLite deletes
it when the connection closes, and on Unix it has no name on disk at all, so
a killed import leaves nothing behind) with a fixed-size Bloom filter in
memory, so a lookup of a text that was never spilled (nearly every new buyer
or key) costs no disk access.

Memory stays fixed whatever the file size: the filter's bits plus SQLite's
page cache. The filter only says "perhaps"; the answer always comes from the
table, so results are exact.
"""
from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd

from cxdesk.importers._msgframe import NAT

BLOOM_BITS_LOG2 = 27  # 2**27 bits = 16 MiB per map: ~1e-4 false positives at 2.4M texts, ~7% at 24M
BLOOM_PROBES = 4
SPILL_CACHE_MB = 8  # SQLite page cache of each spill database


def text_hashes(texts: list[str]) -> np.ndarray:
    """64-bit hashes (int64) of texts, the SipHash pandas uses for the message hashes."""
    return pd.util.hash_array(np.asarray(texts, dtype=object)).view(np.int64)


class BloomFilter:
    """Fixed-size set of 64-bit hashes that may answer "present" wrongly, never "absent" wrongly."""

    def __init__(self, bits_log2: int = BLOOM_BITS_LOG2, probes: int = BLOOM_PROBES) -> None:
        self._bytes = np.zeros(1 << (bits_log2 - 3), dtype=np.uint8)
        self._mask = np.uint64((1 << bits_log2) - 1)
        self._probes = probes

    def _positions(self, hashes: np.ndarray) -> list[np.ndarray]:
        h = hashes.view(np.uint64)
        step = (h >> np.uint64(32)) | np.uint64(1)  # double hashing: h1 + i * h2
        return [(h + np.uint64(i) * step) & self._mask for i in range(self._probes)]

    def add(self, hashes: np.ndarray) -> None:
        for p in self._positions(hashes):
            np.bitwise_or.at(self._bytes, p >> np.uint64(3), (np.uint8(1) << (p & np.uint64(7)).astype(np.uint8)))

    def may_contain(self, hashes: np.ndarray) -> np.ndarray:
        out = np.ones(len(hashes), dtype=bool)
        for p in self._positions(hashes):
            out &= ((self._bytes[p >> np.uint64(3)] >> (p & np.uint64(7)).astype(np.uint8)) & 1).astype(bool)
        return out


class SpillMap:
    """Text → row of values, on disk, keyed by (hash, text). Each :meth:`put` inserts in hash
    order (one pass over the table's leaves); :meth:`take` looks a batch up in one join."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self._cols = columns
        self._conn = sqlite3.connect("", isolation_level=None)  # private temp database, deleted on close
        self._conn.execute(f"PRAGMA cache_size = -{SPILL_CACHE_MB * 1024}")
        self._conn.execute("PRAGMA journal_mode = OFF")
        self._conn.execute("PRAGMA synchronous = OFF")
        self._conn.execute(f"CREATE TABLE m(h INTEGER, k TEXT, {', '.join(columns)}, "
                           "PRIMARY KEY (h, k)) WITHOUT ROWID")
        self._conn.execute("CREATE TABLE q(h INTEGER, k TEXT)")  # the keys of one lookup
        self._bloom = BloomFilter()
        self.size = 0  # rows stored (puts minus takes)

    def put(self, keys: list[str], rows: list[tuple]) -> None:
        """Store ``rows[i]`` under ``keys[i]`` (keys not stored already)."""
        if not keys:
            return
        h = text_hashes(keys)
        self._bloom.add(h)
        order = np.argsort(h, kind="stable").tolist()
        h_list = h.tolist()
        marks = ", ".join("?" * (len(self._cols) + 2))
        self._conn.execute("BEGIN")
        self._conn.executemany(f"INSERT INTO m VALUES ({marks})", ((h_list[i], keys[i], *rows[i]) for i in order))
        self._conn.execute("COMMIT")
        self.size += len(keys)

    def take(self, keys: list[str], remove: bool = False) -> dict[str, tuple]:
        """The stored rows of those ``keys`` that were put (removed from disk if ``remove``)."""
        if not keys or not self.size:
            return {}
        h = text_hashes(keys)
        maybe = np.flatnonzero(self._bloom.may_contain(h)).tolist()
        if not maybe:
            return {}
        conn = self._conn
        h_list = h.tolist()
        conn.execute("BEGIN")
        conn.execute("DELETE FROM q")
        conn.executemany("INSERT INTO q VALUES (?, ?)", ((h_list[i], keys[i]) for i in maybe))
        found = {row[0]: row[1:] for row in conn.execute(
            f"SELECT q.k, {', '.join('m.' + c for c in self._cols)} FROM q JOIN m ON m.h = q.h AND m.k = q.k")}
        if remove and found:
            conn.execute("DELETE FROM m WHERE (h, k) IN (SELECT h, k FROM q)")
            self.size -= len(found)
        conn.execute("COMMIT")
        return found

    def close(self) -> None:
        self._conn.close()


# Per-file state kept in memory; beyond these the least recently seen buyers' open sessions
# (with their messages' hashes) move to a temporary file (:class:`SpillMap`), so memory stays
# bounded whatever the file size. A buyer seen again later is brought back from there.
HOT_BUYERS = 200_000  # buyers with an open session in memory (~0.2 KB each)
HOT_CARRY = 2_000_000  # message hashes of open sessions in memory (16 bytes each)
_SPILL_COLUMNS = ("gid", "db", "sid", "seq", "last", "carry")


class OpenSessions:
    """The session each buyer is currently in, while the file streams past: one slot
    per buyer, as arrays so a chunk updates them all at once. Slots of buyers not
    seen for a while are spilled (:meth:`evict`) and restored by :meth:`slots`."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.gid = np.full(0, -1, dtype=np.int64)  # writer-local session id, for occurrence counts; -1: none
        self.db = np.zeros(0, dtype=np.int64)  # chat_sessions.id
        self.sid = np.empty(0, dtype=object)  # source session id
        self.seq = np.zeros(0, dtype=np.int64)  # messages so far
        self.last = np.zeros(0, dtype=np.int64)  # epoch seconds of the last message with a time, NAT for none
        self.seen = np.zeros(0, dtype=np.int64)  # chunk number that last had the buyer
        self.clock = 0
        self.spill: SpillMap | None = None
        # buyers restored by the last slots() call: their session gids, db ids and message hashes
        self.restored: list[tuple[int, int, np.ndarray]] = []

    def slots(self, buyers: list[str]) -> np.ndarray:
        """Each buyer's slot, adding slots (no open session) for buyers not seen before."""
        ix = self.index
        self.clock += 1
        self.restored = []
        back: dict[str, tuple] = {}
        if self.spill is not None and self.spill.size:
            back = self.spill.take([b for b in buyers if b not in ix], remove=True)
        slots = np.fromiter((ix.setdefault(b, len(ix)) for b in buyers), dtype=np.int64, count=len(buyers))
        if len(ix) > len(self.gid):
            self._resize(max(len(ix), 2 * len(self.gid)))
        for buyer, (gid, db, sid, seq, last, carry) in back.items():
            i = ix[buyer]
            self.gid[i], self.db[i], self.sid[i], self.seq[i], self.last[i] = gid, db, sid, seq, last
            self.restored.append((gid, db, np.frombuffer(carry, dtype=np.uint64)))
        self.seen[slots] = self.clock
        return slots

    def _resize(self, size: int, keep: np.ndarray | None = None) -> None:
        """Grow the arrays to ``size`` slots, or (``keep``) compact them to those slots."""
        fill = {"gid": -1, "db": 0, "sid": None, "seq": 0, "last": NAT, "seen": 0}
        for name, value in fill.items():
            arr = getattr(self, name)
            if keep is not None:
                arr = arr[keep]
            more = np.full(size - len(arr), value, dtype=arr.dtype)
            setattr(self, name, np.concatenate([arr, more]))

    def over(self, carry: int) -> bool:
        """Whether the buyers in memory, or ``carry`` message hashes, exceed the limits."""
        return len(self.index) > HOT_BUYERS or carry > HOT_CARRY

    def victims(self, carry_sizes: np.ndarray) -> np.ndarray:
        """Slots to spill: all but the most recently seen, keeping at most half the limits
        (never a buyer of the last chunk). ``carry_sizes``: message hashes held per slot."""
        n = len(self.index)
        recent = np.argsort(-self.seen[:n], kind="stable")
        fits = (np.arange(1, n + 1) <= HOT_BUYERS // 2) & (np.cumsum(carry_sizes[recent]) <= HOT_CARRY // 2)
        fits |= self.seen[recent] == self.clock
        return np.sort(recent[~fits])

    def evict(self, out: np.ndarray, carry: dict[int, np.ndarray]) -> None:
        """Move slots ``out`` (with their sessions' message hashes by gid) to the spill file."""
        names = np.empty(len(self.index), dtype=object)
        names[np.fromiter(self.index.values(), np.int64, len(self.index))] = list(self.index)
        empty = np.empty(0, dtype=np.uint64)
        gid, db, seq, last = (a[out].tolist() for a in (self.gid, self.db, self.seq, self.last))
        rows = [(g, d, s, q, t, carry.get(g, empty).tobytes())
                for g, d, s, q, t in zip(gid, db, self.sid[out].tolist(), seq, last)]
        if self.spill is None:
            self.spill = SpillMap(_SPILL_COLUMNS)
        self.spill.put(names[out].tolist(), rows)
        keep = np.ones(len(names), dtype=bool)
        keep[out] = False
        kept = np.flatnonzero(keep)
        self.index = dict(zip(names[kept].tolist(), range(len(kept))))
        self._resize(max(2 * len(kept), 1024), kept)

    def open_sessions(self) -> np.ndarray:
        """Store ids of the sessions open in memory."""
        n = len(self.index)
        return self.db[:n][self.gid[:n] >= 0]

    def close(self) -> None:
        if self.spill is not None:
            self.spill.close()
            self.spill = None
