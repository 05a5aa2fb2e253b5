"""Cache of sentence vectors, one row per distinct text and model (``text_vectors``).

Computing a sentence vector costs ~1 ms of CPU; re-analysis and newly imported questions
must only pay for texts the store has not seen. Rows are keyed by the model id and a
BLAKE2b digest of the text (the text itself is not kept here); vectors are stored as int8
(unit vectors × 127, 512 bytes each), which keeps cosine similarities within ~0.01.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence

import numpy as np

_CHUNK = 500  # SQLite host parameters per IN (...) query


def text_key(text: str) -> bytes:
    """The cache key of ``text``: a 16-byte BLAKE2b digest of its UTF-8 bytes."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def quantise(vectors: np.ndarray) -> np.ndarray:
    """Unit float vectors → int8 rows (×127, rounded, clipped)."""
    return np.clip(np.rint(np.asarray(vectors, dtype=np.float32) * 127.0), -127, 127).astype(np.int8)


def dequantise(blob: bytes, dim: int) -> np.ndarray:
    """int8 bytes → a float32 unit vector (renormalised after rounding)."""
    v = np.frombuffer(blob, dtype=np.int8, count=dim).astype(np.float32)
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


class TextVectorsRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get_many(self, model: str, keys: Sequence[bytes], dim: int) -> dict[bytes, np.ndarray]:
        """The cached vectors of ``keys`` (missing keys are absent from the result)."""
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), _CHUNK):
            part = unique[i : i + _CHUNK]
            marks = ",".join("?" * len(part))
            for key, blob in self._conn.execute(
                f"SELECT text_hash, vector FROM text_vectors WHERE model = ? AND text_hash IN ({marks})", (model, *part)
            ):
                if blob is not None and len(blob) >= dim:
                    found[bytes(key)] = dequantise(blob, dim)
        return found

    def put_many(self, model: str, rows: Iterable[tuple[bytes, np.ndarray]]) -> int:
        """Store ``(key, unit vector)`` rows; existing keys are kept. Returns rows written."""
        data = [(model, key, quantise(vec).tobytes()) for key, vec in rows]
        if not data:
            return 0
        before = self._conn.total_changes
        self._conn.executemany("INSERT OR IGNORE INTO text_vectors(model, text_hash, vector) VALUES (?, ?, ?)", data)
        return self._conn.total_changes - before

    def count(self, model: str | None = None) -> int:
        if model is None:
            return int(self._conn.execute("SELECT count(*) FROM text_vectors").fetchone()[0])
        return int(self._conn.execute("SELECT count(*) FROM text_vectors WHERE model = ?", (model,)).fetchone()[0])

    def delete_texts(self, texts: Iterable[str]) -> int:
        """Forget the vectors of these texts under every model (a buyer's data is deleted)."""
        keys = [text_key(t) for t in texts if t]
        models = [m for (m,) in self._conn.execute("SELECT DISTINCT model FROM text_vectors")]
        before = self._conn.total_changes
        self._conn.executemany(
            "DELETE FROM text_vectors WHERE model = ? AND text_hash = ?", [(m, k) for m in models for k in keys]
        )
        return self._conn.total_changes - before

    def delete_model(self, model: str) -> int:
        """Forget every vector of ``model`` (an older version of the encoder)."""
        return self._conn.execute("DELETE FROM text_vectors WHERE model = ?", (model,)).rowcount
