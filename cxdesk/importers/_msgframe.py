"""Chat messages as columns: the shape the chat writer works on, and message hashes.

Readers hand the writer either a list of :class:`RawMessage` (row readers:
Qianniu TXT, JSON, XLSX) or a :class:`pandas.DataFrame` with the same
columns (the vectorised CSV/TSV readers), optionally with two precomputed
columns the reader thread can afford and the writer then skips:

* ``_t``: ``sent_at`` as int64 epoch seconds (``NAT`` when there is no time);
* ``_h``: :func:`base_hashes` of the row.

A message's ``msg_hash`` (signed 64-bit, unique within its session) is a
hash of the platform message id when there is one, else of (buyer, sent_at,
role, sender, content) combined with the occurrence number of that
identical tuple within the session, so two identical "好的" in one session
stay two messages while a newer export of the same session adds nothing.
Each cell's text is hashed with pandas' SipHash (``hash_array`` with
``categorize=False``, a fixed key, unchanged since pandas 0.20); cells and
the occurrence number are combined with the splitmix64 finaliser below. Changing either changes
every stored hash (re-imports would then duplicate): treat it as a schema.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxdesk.importers._model import RawMessage

FIELDS: tuple[str, ...] = RawMessage._fields
HASH_COLUMNS = ["buyer", "sent_at", "role", "sender", "content"]
_FEW = {"buyer", "role", "sender"}
NAT = np.iinfo(np.int64).min
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_OCC_SALT = np.uint64(0x9E3779B97F4A7C15)
_SEED = np.uint64(0x243F6A8885A308D3)
_NULL = np.uint64(0x6A09E667F3BCC908)


def frame_from_messages(messages: list[RawMessage]) -> pd.DataFrame:
    """RawMessage tuples → a message frame (object columns keep None)."""
    if not messages:
        return pd.DataFrame({f: pd.Series([], dtype=object) for f in FIELDS})
    return pd.DataFrame.from_records(messages, columns=list(FIELDS), coerce_float=False)


def time_seconds(sent_at: np.ndarray) -> np.ndarray:
    """Canonical ``YYYY-MM-DD HH:MM:SS`` strings (or None) → int64 epoch seconds, NAT for none.

    The strings come from :func:`._values.parse_time`, which already refused impossible and
    implausible times, so every one of them is within pandas' range and none turns into NAT."""
    if not len(sent_at) or pd.isna(sent_at).all():
        return np.full(len(sent_at), NAT, dtype=np.int64)
    t = pd.to_datetime(pd.Series(sent_at, dtype=object), format=TIME_FORMAT, errors="coerce")
    return t.to_numpy("datetime64[s]").view(np.int64)


def value_hashes(values: np.ndarray, few: bool = False, null: np.ndarray | None = None) -> np.ndarray:
    """uint64 SipHash of each cell's text (pandas ``hash_array``); None has its own constant.

    ``few``: the column repeats a few values (roles, buyers, senders): hash each
    distinct value once (``categorize=True``, same hashes, checked in tests).
    ``null``: the None cells when the caller knows them (saves a scan).
    """
    values = np.asarray(values, dtype=object)
    null = pd.isna(values) if null is None else null
    if null.all():
        return np.full(len(values), _NULL, dtype=np.uint64)
    h = pd.util.hash_array(values, categorize=few)
    if null.any():
        h[null] = _NULL
    return h


def coded_hashes(codes: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    """:func:`value_hashes` of ``uniques[codes]`` (code -1 is None), each distinct value hashed once."""
    return np.append(value_hashes(uniques), _NULL)[codes]


def combine_hashes(parts: list[np.ndarray]) -> np.ndarray:
    """The base hash of each row from its cells' hashes, in :data:`HASH_COLUMNS` order."""
    h = np.full(len(parts[0]), _SEED, dtype=np.uint64)
    for part in parts:
        h = _mix(h ^ part)
    return h


def base_hashes(frame: pd.DataFrame) -> np.ndarray:
    """uint64 hash of (buyer, sent_at, role, sender, content) per row."""
    return combine_hashes([value_hashes(frame[name].to_numpy(dtype=object), few=name in _FEW) for name in HASH_COLUMNS])


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (uint64 arrays wrap silently, as intended)."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def message_hashes(h_base: np.ndarray, occurrence: np.ndarray, mid: np.ndarray) -> np.ndarray:
    """The stored ``msg_hash`` (int64) from base hashes, occurrence numbers and message ids."""
    h = _mix(h_base.astype(np.uint64) ^ _mix(occurrence.astype(np.uint64) + _OCC_SALT))
    has_mid = ~pd.isna(mid)
    if has_mid.any():
        ids = np.array(["m:" + str(x) for x in mid[has_mid]], dtype=object)
        h[has_mid] = pd.util.hash_array(ids)
    return h.view(np.int64)


def mid_hash(mid: str) -> int:
    """The ``msg_hash`` of a message with platform message id ``mid``."""
    return int(message_hashes(np.zeros(1, np.uint64), np.zeros(1, np.int64), np.array([mid], dtype=object))[0])
