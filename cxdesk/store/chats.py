"""Chat sessions and their messages.

Sessions are deduplicated on (shop, session_key) and messages on
(shop, msg_key), so an overlapping newer export only adds what is new; the
derived session columns (agent, times, counts) are recomputed for every
session a batch touched.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from cxdesk.records import SessionRecord

_INSERT_MSG = (
    "INSERT OR IGNORE INTO chat_messages(session_id, shop_id, batch_id, seq, role, sender, "
    "sent_at, content, msg_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

# The agent of a session is the account that sent the most agent messages
# (ties go to whoever spoke first).
_REFRESH_SQL = """
UPDATE chat_sessions SET
    started_at     = (SELECT MIN(sent_at) FROM chat_messages m WHERE m.session_id = chat_sessions.id),
    ended_at       = (SELECT MAX(sent_at) FROM chat_messages m WHERE m.session_id = chat_sessions.id),
    message_count  = (SELECT COUNT(*) FROM chat_messages m WHERE m.session_id = chat_sessions.id),
    buyer_messages = (SELECT COUNT(*) FROM chat_messages m
                      WHERE m.session_id = chat_sessions.id AND m.role = 'buyer'),
    agent_messages = (SELECT COUNT(*) FROM chat_messages m
                      WHERE m.session_id = chat_sessions.id AND m.role = 'agent'),
    agent = (SELECT sender FROM chat_messages m
             WHERE m.session_id = chat_sessions.id AND m.role = 'agent' AND sender IS NOT NULL
             GROUP BY sender ORDER BY COUNT(*) DESC, MIN(seq) LIMIT 1),
    agents = (SELECT group_concat(sender, ',') FROM
                (SELECT sender FROM chat_messages m
                 WHERE m.session_id = chat_sessions.id AND m.role = 'agent' AND sender IS NOT NULL
                 GROUP BY sender ORDER BY MIN(seq)))
WHERE id IN (SELECT value FROM json_each(?))
"""


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
        conn = self._conn
        touched: list[int] = []
        msg_rows: list[tuple] = []
        sessions_added = 0
        n_messages = 0
        for s in sessions:
            cur = conn.execute(
                "INSERT OR IGNORE INTO chat_sessions(shop_id, batch_id, session_key, source_session_id, "
                "buyer_nick, transferred, repeat_consult) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (shop_id, batch_id, s["session_key"], s.get("source_session_id"), s["buyer_nick"],
                 int(bool(s.get("transferred"))), int(bool(s.get("repeat_consult")))),
            )
            if cur.rowcount:
                session_id = int(cur.lastrowid)
                sessions_added += 1
            else:
                session_id = conn.execute(
                    "SELECT id FROM chat_sessions WHERE shop_id=? AND session_key=?",
                    (shop_id, s["session_key"]),
                ).fetchone()[0]
            touched.append(session_id)
            for m in s["messages"]:
                msg_rows.append((session_id, shop_id, batch_id, m["seq"], m["role"], m.get("sender"),
                                 m.get("sent_at"), m.get("content") or "", m["msg_key"]))
            n_messages += len(s["messages"])
        before = conn.total_changes
        conn.executemany(_INSERT_MSG, msg_rows)
        added = conn.total_changes - before
        self.refresh_sessions(touched)
        return added, n_messages - added, sessions_added

    def refresh_sessions(self, session_ids: list[int]) -> None:
        """Recompute the derived columns of these sessions from their messages."""
        for i in range(0, len(session_ids), 5000):
            self._conn.execute(_REFRESH_SQL, (json.dumps(session_ids[i : i + 5000]),))

    def delete_batch(self, batch_id: int) -> int:
        """Remove the messages a batch added, and sessions left empty."""
        conn = self._conn
        session_ids = [r[0] for r in conn.execute(
            "SELECT DISTINCT session_id FROM chat_messages WHERE batch_id=?", (batch_id,))]
        conn.execute(
            "DELETE FROM sentiment WHERE target_type='message' AND target_id IN "
            "(SELECT id FROM chat_messages WHERE batch_id=?)", (batch_id,))
        conn.execute(
            "DELETE FROM risk_flags WHERE target_type='message' AND target_id IN "
            "(SELECT id FROM chat_messages WHERE batch_id=?)", (batch_id,))
        removed = conn.execute("DELETE FROM chat_messages WHERE batch_id=?", (batch_id,)).rowcount
        conn.execute(
            "DELETE FROM risk_flags WHERE target_type='session' AND target_id IN "
            "(SELECT id FROM chat_sessions s WHERE NOT EXISTS "
            " (SELECT 1 FROM chat_messages m WHERE m.session_id = s.id))")
        conn.execute(
            "DELETE FROM chat_sessions WHERE NOT EXISTS "
            "(SELECT 1 FROM chat_messages m WHERE m.session_id = chat_sessions.id)")
        remaining = [r[0] for r in conn.execute(
            "SELECT id FROM chat_sessions WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(session_ids),))]
        self.refresh_sessions(remaining)
        return removed
