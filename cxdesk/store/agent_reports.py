"""Platforms' own per-agent daily reports (客服日报): insert, undo, read for 客服绩效.

One row per shop, day and agent; re-importing the same report adds nothing
(the first import's figures stay until its batch is undone).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

FIELDS = (
    "day",
    "agent",
    "sessions",
    "buyers",
    "first_response_s",
    "avg_response_s",
    "rate_3min",
    "inquiry_buyers",
    "paid_buyers",
    "conversion",
    "sales",
)
_INSERT = (
    f"INSERT OR IGNORE INTO agent_reports(shop_id, batch_id, {', '.join(FIELDS)}) "
    f"VALUES (?, ?, {', '.join('?' * len(FIELDS))})"
)


class AgentReportsRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def insert_many(self, shop_id: int, batch_id: int | None, records: Iterable[dict[str, Any]]) -> tuple[int, int]:
        """Insert report rows; return (added, duplicates). Call inside a transaction."""
        rows = [(shop_id, batch_id, *(r.get(f) for f in FIELDS)) for r in records]
        before = self._conn.total_changes
        self._conn.executemany(_INSERT, rows)
        added = self._conn.total_changes - before
        return added, len(rows) - added

    def delete_batch(self, batch_id: int) -> int:
        return self._conn.execute("DELETE FROM agent_reports WHERE batch_id=?", (batch_id,)).rowcount

    def exists(self) -> bool:
        return self._conn.execute("SELECT 1 FROM agent_reports LIMIT 1").fetchone() is not None

    def rows(self, shop_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """Every report row (with its shop's platform), optionally only of shops on the same platforms as ``shop_ids``.

        Reports are matched to chats by platform, not by shop: a report file
        usually lands in the platform's default shop, not the chat export's.
        """
        sql = f"SELECT sh.platform, r.{', r.'.join(FIELDS)} FROM agent_reports r JOIN shops sh ON sh.id = r.shop_id"
        args: tuple = ()
        if shop_ids:
            sql += " WHERE sh.platform IN (SELECT platform FROM shops WHERE id IN (SELECT value FROM json_each(?)))"
            args = (json.dumps([int(i) for i in shop_ids]),)
        names = ("platform", *FIELDS)
        return [dict(zip(names, r)) for r in self._conn.execute(sql + " ORDER BY r.day, r.agent", args)]
