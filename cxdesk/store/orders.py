"""Orders (for conversion): insert deduplicated on (shop, order_id)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from cxdesk.records import OrderRecord

_FIELDS = ("order_id", "buyer_nick", "created_at", "paid_at", "amount", "status", "refund_status")
_INSERT = (
    f"INSERT OR IGNORE INTO orders(shop_id, batch_id, {', '.join(_FIELDS)}) "
    f"VALUES (?, ?, {', '.join('?' * len(_FIELDS))})"
)


class OrdersRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def insert_many(self, shop_id: int, batch_id: int | None, records: Iterable[OrderRecord]) -> tuple[int, int]:
        """Insert orders; return (added, duplicates). Call inside a transaction."""
        rows = [(shop_id, batch_id, *(r.get(f) for f in _FIELDS)) for r in records]
        before = self._conn.total_changes
        self._conn.executemany(_INSERT, rows)
        added = self._conn.total_changes - before
        return added, len(rows) - added

    def delete_batch(self, batch_id: int) -> int:
        return self._conn.execute("DELETE FROM orders WHERE batch_id=?", (batch_id,)).rowcount
