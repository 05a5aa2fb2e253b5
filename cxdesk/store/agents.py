"""Reads for the agent KPIs (客服绩效): columns of messages, sessions, orders and flags.

Every read returns plain column lists (for pandas), never one object per
message: the KPIs of 1M messages must be ready in seconds. Messages come in
table order and are sorted by the caller (numpy sorts 1M rows in ~0.1 s;
``ORDER BY session_id, seq`` makes SQLite build a temporary B-tree).
Figures: bench/README.md, "Agent KPIs".
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Messages of roles that count (system and bot messages never do), in table (id) order.
# Numbers come as one row per message; SQLite turns the time into epoch seconds (no strings to parse).
_WHERE = "FROM chat_messages WHERE role = 'buyer' OR role = 'agent'"
# session_id, seq and role travel packed in one integer (each value fetched costs; 3 columns instead
# of 5 save ~0.3 s at 1M), exact in float64 below 2^53; NULL when a value does not fit (then unpacked).
_PACKED = (
    "CASE WHEN session_id < 536870912 AND seq >= 0 AND seq < 8388608 "
    "THEN (session_id << 24) | (seq << 1) | (CASE WHEN role = 'agent' THEN 1 ELSE 0 END) END"
)
_NUMBERS = f"SELECT id, {_PACKED}, unixepoch(sent_at) {_WHERE} ORDER BY id"
_NUMBERS_UNPACKED = f"SELECT id, session_id, seq, role = 'agent', unixepoch(sent_at) {_WHERE} ORDER BY id"
# Texts come as one string per column, joined in SQLite by a separator that chat texts do not hold
# (checked: the piece count must equal the row count). One ``fetchall`` row per message costs
# ~1 µs in the sqlite3 module; the joined string is built in C, ~2× faster, and SQLite releases the
# GIL meanwhile, so a caller can read the texts on a second connection while another reads the numbers.
_SEP = "\x1f"
_CONTENTS = f"SELECT count(*), group_concat(content, char(31)) FROM (SELECT content {_WHERE} ORDER BY id)"
_SENDERS = (
    "SELECT count(*), group_concat(ifnull(sender, ''), char(31)) FROM "
    "(SELECT sender FROM chat_messages WHERE role = 'agent' ORDER BY id)"
)
_SESSIONS = (
    "SELECT s.id, s.shop_id, sh.platform, s.buyer_nick, s.transferred FROM chat_sessions s "
    "JOIN shops sh ON sh.id = s.shop_id"
)
_ORDERS = "SELECT shop_id, buyer_nick, created_at, paid_at, amount, refund_status FROM orders"


@dataclass(frozen=True)
class ShopRow:
    id: int
    platform: str
    name: str


def _split(count: int, joined: str | None) -> list[str] | None:
    """``group_concat`` pieces, or None when a text held the separator (the count tells)."""
    if not count:
        return []
    pieces = (joined or "").split(_SEP)
    return pieces if len(pieces) == count else None


def _columns(cursor: sqlite3.Cursor, names: Sequence[str]) -> dict[str, list]:
    rows = cursor.fetchall()
    if not rows:
        return {n: [] for n in names}
    return {n: list(col) for n, col in zip(names, zip(*rows))}


class AgentsRepo:
    """Read-only queries behind 客服绩效; works on any connection (also a read-only one)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def shops(self) -> list[ShopRow]:
        return [ShopRow(*r) for r in self._conn.execute("SELECT id, platform, name FROM shops ORDER BY id")]

    def has_chats(self) -> bool:
        return self._conn.execute("SELECT 1 FROM chat_messages WHERE role = 'agent' LIMIT 1").fetchone() is not None

    def messages(
        self, numbers: np.ndarray | None = None, texts: tuple[list[str] | None, list[str] | None] | None = None
    ) -> dict[str, np.ndarray]:
        """Buyer and agent messages in id order, one numpy array per column.

        ``id``, ``session_id``, ``seq`` (int64), ``is_agent`` (bool), ``t`` (epoch seconds,
        NaN without a time), ``sender`` (agents only, None for buyers) and ``content`` (objects).
        ``numbers`` (:meth:`message_numbers`) and ``texts`` (:meth:`message_texts`) are what the
        caller already read, maybe on two connections at once
        (:func:`cxdesk.analysis.agent_kpis.read_messages`); what is not given is read here.
        """
        numbers = self.message_numbers() if numbers is None else numbers
        contents, senders = self.message_texts() if texts is None else texts
        n = len(numbers)
        is_agent = numbers[:, 3] == 1
        if contents is None or len(contents) != n or senders is None or len(senders) != int(is_agent.sum()):
            contents, senders = self._texts_by_rows()  # a separator in a text, or a write in between
        sender = np.full(n, None, dtype=object)
        if n:
            sender[is_agent] = np.array([x or None for x in senders], dtype=object)
        return {
            "id": numbers[:, 0].astype(np.int64),
            "session_id": numbers[:, 1].astype(np.int64),
            "seq": numbers[:, 2].astype(np.int64),
            "is_agent": is_agent,
            "t": numbers[:, 4],
            "sender": sender,
            "content": np.array(contents, dtype=object),
        }

    def message_numbers(self) -> np.ndarray:
        """Columns id, session_id, seq, is_agent (0/1), epoch seconds (NaN) as one float64 array."""
        rows = self._conn.execute(_NUMBERS).fetchall()
        packed = np.array(rows, dtype=np.float64) if rows else np.zeros((0, 3))
        del rows
        if np.isnan(packed[:, 1]).any():
            rows = self._conn.execute(_NUMBERS_UNPACKED).fetchall()
            return np.array(rows, dtype=np.float64) if rows else np.zeros((0, 5))
        key = packed[:, 1].astype(np.int64)
        return np.column_stack((packed[:, 0], key >> 24, (key >> 1) & 0x7FFFFF, key & 1, packed[:, 2]))

    def message_texts(self) -> tuple[list[str] | None, list[str] | None]:
        """The messages' contents and the agents' senders in id order, each None when a text held the separator."""
        return _split(*self._conn.execute(_CONTENTS).fetchone()), _split(*self._conn.execute(_SENDERS).fetchone())

    def _texts_by_rows(self) -> tuple[list[str], list[str]]:
        contents = [r[0] for r in self._conn.execute(f"SELECT content {_WHERE} ORDER BY id")]
        senders = [
            r[0] or "" for r in self._conn.execute("SELECT sender FROM chat_messages WHERE role = 'agent' ORDER BY id")
        ]
        return contents, senders

    def sessions(self) -> dict[str, list]:
        return _columns(self._conn.execute(_SESSIONS), ("id", "shop_id", "platform", "buyer", "transferred"))

    def orders(self) -> dict[str, list]:
        return _columns(
            self._conn.execute(_ORDERS), ("shop_id", "buyer", "created_at", "paid_at", "amount", "refund_status")
        )

    def agent_message_flags(self, categories: Sequence[str]) -> dict[str, list]:
        """Flags on messages in these categories that nobody marked 误报: message id, rule, category, level."""
        return _columns(
            self._conn.execute(
                "SELECT target_id, rule_id, category, level FROM risk_flags WHERE target_type = 'message' "
                "AND status != '误报' AND category IN (SELECT value FROM json_each(?))",
                (json.dumps(list(categories), ensure_ascii=False),),
            ),
            ("message_id", "rule_id", "category", "level"),
        )

    def repeated_sessions(self) -> list[int]:
        """Sessions the buyer came back about (重复咨询 within the window): the earlier session's id."""
        return [
            int(r[0])
            for r in self._conn.execute(
                "SELECT DISTINCT json_extract(evidence, '$.previous_session') FROM risk_flags "
                "WHERE target_type = 'session' AND rule_id = 'repeat.same_issue' AND status != '误报' "
                "AND json_extract(evidence, '$.previous_session') IS NOT NULL"
            )
        ]

    def message_labels(self, message_ids: Sequence[int]) -> dict[int, str]:
        """Sentiment label (正面/中性/负面) of these messages, where analysed and not empty."""
        out: dict[int, str] = {}
        ids = [int(i) for i in message_ids]
        for i in range(0, len(ids), 50_000):
            out.update(
                self._conn.execute(
                    "SELECT target_id, label FROM sentiment WHERE target_type = 'message' AND no_content = 0 "
                    "AND label IS NOT NULL AND target_id IN (SELECT value FROM json_each(?))",
                    (json.dumps(ids[i : i + 50_000]),),
                ).fetchall()
            )
        return out

    def data_stamp(self) -> tuple:
        """What the KPI frames are built from, in a few cheap numbers: rows and largest ids of messages,
        sessions and orders, the analysis runs, the flags and which are marked 误报 (see
        :mod:`cxdesk.analysis.agent_frames_cache`). Any import, undo, analysis run or 误报 mark changes it."""
        q = self._conn.execute
        return (
            tuple(q("SELECT COUNT(*), MAX(id) FROM chat_messages").fetchone()),
            tuple(q("SELECT COUNT(*), MAX(id) FROM chat_sessions").fetchone()),
            tuple(q("SELECT COUNT(*), MAX(id) FROM orders").fetchone()),
            tuple(q("SELECT COUNT(*), MAX(id) FROM analysis_runs").fetchone()),
            tuple(q("SELECT COUNT(*), MAX(id) FROM risk_flags").fetchone()),
            tuple(
                q("SELECT COUNT(*), SUM(id), SUM(id * id % 1000003) FROM risk_flags WHERE status = '误报'").fetchone()
            ),
        )

    def has_sentiment(self) -> bool:
        return (
            self._conn.execute("SELECT 1 FROM sentiment WHERE target_type = 'message' LIMIT 1").fetchone() is not None
        )

    def has_risk_run(self) -> bool:
        """Whether the risk rules ever scanned chat messages (so 'no flags' means compliant, not unknown)."""
        return (
            self._conn.execute("SELECT 1 FROM meta WHERE key LIKE 'risk.scanned_to.message.%' LIMIT 1").fetchone()
            is not None
        )

    def session_heads(self, session_ids: Sequence[int]) -> dict[int, tuple[str, str, str | None, str | None]]:
        """session id → (shop name, buyer, started_at, source session id) for drill-down lists."""
        out: dict[int, tuple[str, str, str | None, str | None]] = {}
        ids = [int(i) for i in session_ids]
        for i in range(0, len(ids), 20_000):
            for sid, shop, buyer, started, source in self._conn.execute(
                "SELECT s.id, sh.name, s.buyer_nick, s.started_at, s.source_session_id FROM chat_sessions s "
                "JOIN shops sh ON sh.id = s.shop_id WHERE s.id IN (SELECT value FROM json_each(?))",
                (json.dumps(ids[i : i + 20_000]),),
            ):
                out[int(sid)] = (shop, buyer, started, source)
        return out
