"""Chat sessions and their messages.

Sessions are deduplicated on (shop, session_key) and messages on
(session, msg_hash), so an overlapping newer export only adds what is new
(the importer puts a newer export's messages into the stored session they
continue); the derived session columns (agent, times, counts) are
recomputed for every session a batch touched.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from itertools import chain

from cxdesk.records import SessionRecord

_MSG_COLUMNS = "session_id, shop_id, batch_id, seq, role, sender, sent_at, content, msg_hash"
_SESSION_COLUMNS = (
    "id, shop_id, batch_id, session_key, source_session_id, buyer_nick, transferred, "
    "repeat_consult, started_at, ended_at, message_count, buyer_messages, agent_messages, "
    "agent, agents"
)
# Rows per INSERT statement. One statement per row pays SQLite's per-statement
# work (reset, the AUTOINCREMENT counter update) and Python's per-call overhead
# on every message: 1M rows took 4.5 s that way, 1.9 s at 100 rows per statement.
ROWS_PER_STATEMENT = 100

_INSERT_SESSION = (
    "INSERT OR IGNORE INTO chat_sessions(shop_id, batch_id, session_key, source_session_id, "
    "buyer_nick, transferred, repeat_consult) VALUES (?, ?, ?, ?, ?, ?, ?)"
)

# Set-based refresh: one GROUP BY over the touched sessions' messages instead of
# seven correlated subqueries per session (which took minutes at 100k sessions).
_REFRESH_COUNTS = """
UPDATE chat_sessions SET
    started_at = a.mn, ended_at = a.mx, message_count = a.n,
    buyer_messages = a.nb, agent_messages = a.na, agent = NULL, agents = NULL
FROM (SELECT session_id, MIN(sent_at) AS mn, MAX(sent_at) AS mx, COUNT(*) AS n,
             SUM(role = 'buyer') AS nb, SUM(role = 'agent') AS na
      FROM chat_messages WHERE session_id IN (SELECT id FROM temp._cx_refresh)
      GROUP BY session_id) AS a
WHERE chat_sessions.id = a.session_id
"""
# The agent of a session is the account that sent the most agent messages
# (ties go to whoever spoke first); ``agents`` lists them in order of first reply.
_AGENT_COUNTS = """
SELECT session_id, sender, COUNT(*), MIN(seq) FROM chat_messages
WHERE role = 'agent' AND sender IS NOT NULL AND session_id IN (SELECT id FROM temp._cx_refresh)
GROUP BY session_id, sender
"""

SessionRow = tuple[str, "str | None", str, bool, bool]  # key, source id, buyer, transferred, repeat


class ChatsRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def insert_sessions(
        self, shop_id: int, batch_id: int | None, sessions: Iterable[SessionRecord]
    ) -> tuple[int, int, int]:
        """Insert sessions with their messages.

        Returns (messages added, duplicate messages, sessions added). Call
        inside a transaction.
        """
        sessions = list(sessions)
        ids, sessions_added = self.ensure_sessions(
            shop_id,
            batch_id,
            [
                (
                    s["session_key"],
                    s.get("source_session_id"),
                    s["buyer_nick"],
                    bool(s.get("transferred")),
                    bool(s.get("repeat_consult")),
                )
                for s in sessions
            ],
        )
        msg_rows = [
            (
                ids[s["session_key"]],
                shop_id,
                batch_id,
                m["seq"],
                m["role"],
                m.get("sender"),
                m.get("sent_at"),
                m.get("content") or "",
                int(m["msg_hash"]),
            )
            for s in sessions
            for m in s["messages"]
        ]
        added = self.insert_message_rows(msg_rows)
        self.refresh_sessions(sorted(set(ids.values())))
        return added, len(msg_rows) - added, sessions_added

    def ensure_sessions(
        self, shop_id: int, batch_id: int | None, sessions: list[SessionRow]
    ) -> tuple[dict[str, int], int]:
        """Insert the sessions that are new; return (session_key → id, number added).

        One executemany plus one SELECT per call, so importers can resolve a
        whole chunk's sessions at once.
        """
        conn = self._conn
        before = conn.total_changes
        top = self.max_session_id()
        conn.executemany(
            _INSERT_SESSION,
            [
                (shop_id, batch_id, key, sid, buyer, int(bool(tr)), int(bool(rep)))
                for key, sid, buyer, tr, rep in sessions
            ],
        )
        added = conn.total_changes - before
        ids: dict[str, int] = {}
        if added:  # the new rows are the ids above the old maximum: one range scan
            ids.update(
                (k, i_) for i_, k in conn.execute("SELECT id, session_key FROM chat_sessions WHERE id > ?", (top,))
            )
        keys = [s[0] for s in sessions if s[0] not in ids]
        for i in range(0, len(keys), 20_000):
            ids.update(
                (k, i_)
                for i_, k in conn.execute(
                    "SELECT id, session_key FROM chat_sessions WHERE shop_id=? AND session_key IN "
                    "(SELECT value FROM json_each(?))",
                    (shop_id, json.dumps(keys[i : i + 20_000])),
                )
            )
        return ids, added

    def insert_message_rows(self, rows: Sequence[tuple]) -> int:
        """INSERT OR IGNORE prepared rows (session_id, shop_id, batch_id, seq, role,
        sender, sent_at, content, msg_hash); return how many were new."""
        flat = list(chain.from_iterable(rows))
        return self._insert_flat(
            f"INSERT OR IGNORE INTO chat_messages({_MSG_COLUMNS}) VALUES ", "(?, ?, ?, ?, ?, ?, ?, ?, ?)", 9, flat
        )

    def insert_message_columns(self, shop_id: int, batch_id: int | None, columns: Sequence[list]) -> int:
        """INSERT OR IGNORE messages given as seven equal-length lists (session_id,
        seq, role, sender, sent_at, content, msg_hash) of one shop and batch;
        return how many were new. Interleaving columns by slice assignment costs
        no tuple per row."""
        n = len(columns[0])
        flat: list = [None] * (7 * n)
        for i, col in enumerate(columns):
            flat[i::7] = col
        fixed = f"(?, {int(shop_id)}, {'NULL' if batch_id is None else int(batch_id)}, ?, ?, ?, ?, ?, ?)"
        return self._insert_flat(f"INSERT OR IGNORE INTO chat_messages({_MSG_COLUMNS}) VALUES ", fixed, 7, flat)

    def insert_new_sessions(self, shop_id: int, batch_id: int | None, rows: Sequence[tuple]) -> None:
        """Insert sessions with ids chosen by the caller and their derived columns:
        (id, session_key, source_session_id, buyer_nick, transferred, repeat_consult,
        started_at, ended_at, message_count, buyer_messages, agent_messages, agent,
        agents). For a shop without sessions, inside the import transaction: a
        clash is an error, never silently merged."""
        fixed = f"(?, {int(shop_id)}, {'NULL' if batch_id is None else int(batch_id)}, " + ", ".join("?" * 12) + ")"
        self._insert_flat(
            f"INSERT INTO chat_sessions({_SESSION_COLUMNS}) VALUES ", fixed, 13, list(chain.from_iterable(rows))
        )

    def _insert_flat(self, head: str, one: str, width: int, flat: list) -> int:
        """Run ``head`` + ``one`` repeated, over ``flat`` (``width`` values per row); rows inserted."""
        conn = self._conn
        before = conn.total_changes
        step = ROWS_PER_STATEMENT * width
        whole = len(flat) - len(flat) % step
        if whole:
            conn.executemany(
                head + ", ".join([one] * ROWS_PER_STATEMENT), [flat[i : i + step] for i in range(0, whole, step)]
            )
        if whole < len(flat):
            conn.execute(head + ", ".join([one] * ((len(flat) - whole) // width)), flat[whole:])
        return conn.total_changes - before

    def max_session_id(self) -> int:
        return int(self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM chat_sessions").fetchone()[0])

    def message_heads(self, session_ids: Sequence[int]) -> list[tuple]:
        """(session id, seq, role, sender, sent_at) of these sessions' messages in insert order."""
        return self._conn.execute(
            "SELECT session_id, seq, role, sender, sent_at FROM chat_messages "
            "WHERE session_id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (json.dumps([int(i) for i in session_ids]),),
        ).fetchall()

    def set_derived(self, rows: list[tuple]) -> None:
        """Set the derived columns computed by an importer: (started_at, ended_at,
        message_count, buyer_messages, agent_messages, agent, agents, id) per session."""
        self._conn.executemany(
            "UPDATE chat_sessions SET started_at=?, ended_at=?, message_count=?, buyer_messages=?, "
            "agent_messages=?, agent=?, agents=? WHERE id=?",
            rows,
        )

    def has_sessions(self, shop_id: int) -> bool:
        return (
            self._conn.execute("SELECT 1 FROM chat_sessions WHERE shop_id=? LIMIT 1", (shop_id,)).fetchone() is not None
        )

    def shop_has_sessions(self, platform: str, shop_name: str) -> bool:
        """Whether the shop (platform, name) exists and holds chat sessions."""
        return (
            self._conn.execute(
                "SELECT 1 FROM chat_sessions WHERE shop_id = (SELECT id FROM shops WHERE platform=? AND name=?) "
                "LIMIT 1",
                (platform, shop_name),
            ).fetchone()
            is not None
        )

    def find_session_near(
        self, shop_id: int, buyer: str, sent_at: str, gap_minutes: float
    ) -> tuple[int, str, int] | None:
        """A stored session of ``buyer`` that a message at ``sent_at`` continues.

        "Continues" means it started no later than one gap after the message and
        ended no earlier than one gap before it. Returns (id, key, max seq).
        """
        row = self._conn.execute(
            "SELECT id, session_key, (SELECT MAX(seq) FROM chat_messages m WHERE m.session_id = s.id) "
            "FROM chat_sessions s WHERE shop_id=? AND buyer_nick=? "
            "AND started_at <= datetime(?, ?) AND ended_at >= datetime(?, ?) "
            "ORDER BY started_at DESC LIMIT 1",
            (shop_id, buyer, sent_at, f"+{gap_minutes} minutes", sent_at, f"-{gap_minutes} minutes"),
        ).fetchone()
        return (int(row[0]), str(row[1]), int(row[2] or 0)) if row else None

    def refresh_sessions(self, session_ids: list[int]) -> None:
        """Recompute the derived columns of these sessions from their messages."""
        if not session_ids:
            return
        conn = self._conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS _cx_refresh(id INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp._cx_refresh")
        conn.executemany("INSERT OR IGNORE INTO temp._cx_refresh(id) VALUES (?)", ((i,) for i in session_ids))
        conn.execute(_REFRESH_COUNTS)
        conn.executemany(
            "UPDATE chat_sessions SET agent=?, agents=? WHERE id=?", _pick_agents(conn.execute(_AGENT_COUNTS))
        )
        conn.execute("DELETE FROM temp._cx_refresh")

    def delete_batch(self, batch_id: int) -> int:
        """Remove the messages a batch added, and sessions left empty."""
        conn = self._conn
        session_ids = [
            r[0] for r in conn.execute("SELECT DISTINCT session_id FROM chat_messages WHERE batch_id=?", (batch_id,))
        ]
        conn.execute(
            "DELETE FROM sentiment WHERE target_type='message' AND target_id IN "
            "(SELECT id FROM chat_messages WHERE batch_id=?)",
            (batch_id,),
        )
        conn.execute(
            "DELETE FROM risk_flags WHERE target_type='message' AND target_id IN "
            "(SELECT id FROM chat_messages WHERE batch_id=?)",
            (batch_id,),
        )
        removed = conn.execute("DELETE FROM chat_messages WHERE batch_id=?", (batch_id,)).rowcount
        conn.execute(
            "DELETE FROM risk_flags WHERE target_type='session' AND target_id IN "
            "(SELECT id FROM chat_sessions s WHERE NOT EXISTS "
            " (SELECT 1 FROM chat_messages m WHERE m.session_id = s.id))"
        )
        conn.execute(
            "DELETE FROM chat_sessions WHERE NOT EXISTS "
            "(SELECT 1 FROM chat_messages m WHERE m.session_id = chat_sessions.id)"
        )
        remaining = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM chat_sessions WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(session_ids),)
            )
        ]
        self.refresh_sessions(remaining)
        return removed


def _pick_agents(rows: Iterable[tuple[int, str, int, int]]) -> list[tuple[str, str, int]]:
    """(agent, agents, session id) per session from (session, sender, count, first seq)."""
    per: dict[int, list[tuple[int, int, str]]] = {}
    for sid, sender, n, first in rows:
        per.setdefault(sid, []).append((first, -n, sender))
    out = []
    for sid, items in per.items():
        best = min(items, key=lambda t: (t[1], t[0]))[2]
        out.append((best, ",".join(s for _, _, s in sorted(items)), sid))
    return out
