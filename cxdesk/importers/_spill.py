"""Per-file state that outgrows memory, kept on disk for the rest of one import.

The chat session split remembers every buyer's open session and every
session key of the file; for a multi-gigabyte export that is millions of
entries. The writers keep the recent ones in memory and move the rest to a
temporary on-disk map (:class:`cxdesk.store.spill.SpillMap`: a private
SQLite file deleted on close, behind an in-memory Bloom filter).
"""

from __future__ import annotations

import numpy as np

from cxdesk.importers._msgframe import NAT
from cxdesk.store.spill import SpillMap

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
        rows = [
            (g, d, s, q, t, carry.get(g, empty).tobytes())
            for g, d, s, q, t in zip(gid, db, self.sid[out].tolist(), seq, last)
        ]
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
