"""Reviews: insert deduplicated on (shop, review_key)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from cxdesk.records import ReviewRecord

_FIELDS = (
    "review_key",
    "platform_review_id",
    "order_id",
    "product_id",
    "product_title",
    "sku",
    "buyer_nick",
    "rating",
    "rating_text",
    "content",
    "created_at",
    "append_content",
    "append_at",
    "seller_reply",
    "rating_class",
)
_INSERT = (
    f"INSERT OR IGNORE INTO reviews(shop_id, batch_id, {', '.join(_FIELDS)}) "
    f"VALUES (?, ?, {', '.join('?' * len(_FIELDS))})"
)


class ReviewsRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def insert_many(self, shop_id: int, batch_id: int | None, records: Iterable[ReviewRecord]) -> tuple[int, int]:
        """Insert reviews; return (added, duplicates). Call inside a transaction."""
        rows = [
            (
                shop_id,
                batch_id,
                *(r.get(f) for f in _FIELDS[:9]),
                r.get("content") or "",
                *(r.get(f) for f in _FIELDS[10:]),
            )
            for r in records
        ]
        before = self._conn.total_changes
        self._conn.executemany(_INSERT, rows)
        added = self._conn.total_changes - before
        return added, len(rows) - added

    def delete_batch(self, batch_id: int) -> int:
        self._conn.execute(
            "DELETE FROM sentiment WHERE target_type='review' AND target_id IN "
            "(SELECT id FROM reviews WHERE batch_id=?)",
            (batch_id,),
        )
        self._conn.execute(
            "DELETE FROM risk_flags WHERE target_type='review' AND target_id IN "
            "(SELECT id FROM reviews WHERE batch_id=?)",
            (batch_id,),
        )
        return self._conn.execute("DELETE FROM reviews WHERE batch_id=?", (batch_id,)).rowcount

    def product_names(self, shop_id: int | None = None) -> tuple[list[str], list[str]]:
        """Distinct product titles and SKU texts of the imported reviews (one shop, or all)."""
        return product_names(self._conn, shop_id)


def product_names(conn: sqlite3.Connection, shop_id: int | None = None) -> tuple[list[str], list[str]]:
    """Distinct product titles and SKU texts of the imported reviews (one shop, or all); also the VOC queries'."""
    where, params = ("WHERE shop_id = ?", (shop_id,)) if shop_id is not None else ("", ())
    titles = [
        r[0] for r in conn.execute(f"SELECT DISTINCT product_title FROM reviews {where} ORDER BY 1", params) if r[0]
    ]
    skus = [r[0] for r in conn.execute(f"SELECT DISTINCT sku FROM reviews {where} ORDER BY 1", params) if r[0]]
    return titles, skus
