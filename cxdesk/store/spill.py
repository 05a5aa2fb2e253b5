"""A text → row map on disk for one import's overflow (used by :mod:`cxdesk.importers._spill`).

A private temporary SQLite database (``sqlite3.connect("")``: SQLite deletes it when the
connection closes, and on Unix it has no name on disk at all, so a killed import leaves
nothing behind) with a fixed-size Bloom filter in memory, so a lookup of a text that was
never spilled costs no disk access. It is not the store: nothing here touches the user's
database; it lives in ``cxdesk/store/`` because all SQL does.

Memory stays fixed whatever the file size: the filter's bits plus SQLite's page cache. The
filter only says "perhaps"; the answer always comes from the table, so results are exact.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd

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
        self._conn.execute(f"CREATE TABLE m(h INTEGER, k TEXT, {', '.join(columns)}, PRIMARY KEY (h, k)) WITHOUT ROWID")
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
        found = {
            row[0]: row[1:]
            for row in conn.execute(
                f"SELECT q.k, {', '.join('m.' + c for c in self._cols)} FROM q JOIN m ON m.h = q.h AND m.k = q.k"
            )
        }
        if remove and found:
            conn.execute("DELETE FROM m WHERE (h, k) IN (SELECT h, k FROM q)")
            self.size -= len(found)
        conn.execute("COMMIT")
        return found

    def close(self) -> None:
        self._conn.close()
