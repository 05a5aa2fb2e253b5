"""Risk flags: written by the analysis, triaged by people.

A re-run of the analysis updates a flag's evidence and level but never its
status, note, handler or time, nor its triage version (``version``, ``changed_by``,
``changed_at``): those belong to the people who triaged it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

_TEXT_SQL = {
    "message": "SELECT id, role, content, shop_id FROM chat_messages "
    "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
    "review": "SELECT id, 'review', COALESCE(content, '') || CASE WHEN append_content IS NULL THEN '' "
    "ELSE char(10) || append_content END, shop_id FROM reviews "
    "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
}


class FlagsRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def ids_after(self, target_type: str, after_id: int) -> list[int]:
        """Ids of texts to scan: messages from buyers and agents, or reviews, above ``after_id``."""
        if target_type == "message":
            sql = "SELECT id FROM chat_messages WHERE id > ? AND (role = 'buyer' OR role = 'agent') ORDER BY id"
        else:
            sql = "SELECT id FROM reviews WHERE id > ? ORDER BY id"
        return [r[0] for r in self._conn.execute(sql, (after_id,))]

    def texts(self, target_type: str, ids: Sequence[int]) -> list[tuple[int, str, str, int]]:
        """(id, role, text, shop id); a review's text is its content plus its 追评 on a new line."""
        return self._conn.execute(_TEXT_SQL[target_type], (json.dumps(list(ids)),)).fetchall()

    def protected_phrases(self, shop_id: int) -> list[str]:
        """Product titles and SKU values of a shop: trigger words inside them must not fire."""
        phrases: set[str] = set()
        for title, sku in self._conn.execute(
            "SELECT DISTINCT product_title, sku FROM reviews WHERE shop_id=?", (shop_id,)
        ):
            if title:
                phrases.add(title)
            for part in (sku or "").replace("；", ";").split(";"):
                value = part.split(":", 1)[-1].split("：", 1)[-1].strip()
                if len(value) >= 2:
                    phrases.add(value)
        return sorted(phrases, key=len, reverse=True)

    def upsert(self, rows: Iterable[tuple]) -> int:
        """(target_type, target_id, rule_id, category, level, evidence JSON, rules_version) rows."""
        before = self._conn.total_changes
        self._conn.executemany(
            "INSERT INTO risk_flags(target_type, target_id, rule_id, category, level, evidence, rules_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(target_type, target_id, rule_id) DO UPDATE SET "
            "category=excluded.category, level=excluded.level, evidence=excluded.evidence, "
            "rules_version=excluded.rules_version",
            rows,
        )
        return self._conn.total_changes - before

    def prune_untouched(self, target_type: str, rules_version: str, rule_prefix: str = "") -> int:
        """Drop flags an older rule pack (or classifier) raised that nobody triaged and the new one
        does not raise; ``rule_prefix``: only flags whose rule id starts with it."""
        return self._conn.execute(
            "DELETE FROM risk_flags WHERE target_type=? AND rules_version<>? AND status='待处理' "
            "AND note IS NULL AND handler IS NULL AND substr(rule_id, 1, ?) = ?",
            (target_type, rules_version, len(rule_prefix), rule_prefix),
        ).rowcount

    def sessions_touched_after(self, message_id: int) -> list[int]:
        """Sessions that gained messages with an id above ``message_id``."""
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT DISTINCT session_id FROM chat_messages WHERE id > ? ORDER BY session_id", (message_id,)
            )
        ]

    def max_message_id(self) -> int:
        return int(self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM chat_messages").fetchone()[0])

    def session_messages(self, session_ids: Sequence[int]) -> list[tuple]:
        """(session id, platform, seq, role, sender, sent_at, content) ordered by session and seq."""
        return self._conn.execute(
            "SELECT m.session_id, sh.platform, m.seq, m.role, m.sender, m.sent_at, m.content FROM chat_messages m "
            "JOIN shops sh ON sh.id = m.shop_id WHERE m.session_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY m.session_id, m.seq, m.id",
            (json.dumps(list(session_ids)),),
        ).fetchall()

    def replace_sessions_flags(self, session_ids: Sequence[int], prefixes: Sequence[str], rows: list[tuple]) -> None:
        """Set the flags of sessions in rule families (rule ids starting with one of ``prefixes``): ``rows``
        are all the current flags of ``session_ids`` in those families. They are upserted; earlier ones
        that no longer apply are removed unless someone triaged them. One upsert and one DELETE per
        family, not two statements per session and family (a round trip each on a team store: 5,000
        sessions took 5.6 s of 6.8 on PostgreSQL that way)."""
        self.upsert(rows)
        ids = json.dumps(sorted({int(i) for i in session_ids}))
        keep = json.dumps(sorted({f"{r[1]} {r[2]}" for r in rows}), ensure_ascii=False)
        for prefix in prefixes:
            self._conn.execute(
                "DELETE FROM risk_flags WHERE target_type='session' AND target_id IN (SELECT value FROM json_each(?)) "
                "AND rule_id LIKE ? AND CAST(target_id AS TEXT) || ' ' || rule_id NOT IN (SELECT value FROM json_each(?)) "
                "AND status='待处理' AND note IS NULL AND handler IS NULL",
                (ids, prefix + "%", keep),
            )

    def set_status(self, flag_id: int, status: str, *, note: str | None = None, handler: str | None = None) -> None:
        """A triage written directly (tests, scripts); like every triage write it adds one to the
        flag's version (see :mod:`cxdesk.store.risk_queue`). The 风险 page writes through
        :mod:`cxdesk.ops.triage`."""
        self._conn.execute(
            "UPDATE risk_flags SET status=?, note=COALESCE(?, note), handler=COALESCE(?, handler), "
            "handled_at=datetime('now','localtime'), version=version+1, changed_by=?, "
            "changed_at=datetime('now','localtime') WHERE id=?",
            (status, note, handler, handler, flag_id),
        )

    def counts_by_category(self) -> dict[tuple[str, str], int]:
        rows = self._conn.execute("SELECT category, level, COUNT(*) FROM risk_flags GROUP BY 1, 2")
        return {(c, lv): n for c, lv, n in rows}
