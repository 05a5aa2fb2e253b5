"""Shops: one row per (platform, shop name)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

PLATFORMS = {
    "taobao": "淘宝/天猫",
    "jd": "京东",
    "pdd": "拼多多",
    "douyin": "抖店",
    "other": "其他",
}


@dataclass(frozen=True)
class Shop:
    id: int
    platform: str
    name: str

    @property
    def platform_label(self) -> str:
        return PLATFORMS.get(self.platform, self.platform)


class ShopsRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get_or_create(self, platform: str, name: str) -> Shop:
        self._conn.execute("INSERT OR IGNORE INTO shops(platform, name) VALUES (?, ?)", (platform, name))
        row = self._conn.execute(
            "SELECT id, platform, name FROM shops WHERE platform=? AND name=?", (platform, name)
        ).fetchone()
        return Shop(*row)

    def all(self) -> list[Shop]:
        rows = self._conn.execute("SELECT id, platform, name FROM shops ORDER BY id").fetchall()
        return [Shop(*r) for r in rows]

    def delete_unused(self, shop_ids: list[int]) -> list[int]:
        """Delete the shops of ``shop_ids`` that hold nothing any more (call inside a transaction).

        A shop is unused when no review, session, message, order or platform daily report is
        left and every import batch of it was undone (clearing the demo leaves its two shops
        so). Its undone batches (with their rejected rows), per-agent figures and calibrated
        model go with it; a shop that still holds anything is kept. Returns the deleted ids.
        """
        deleted = []
        for shop_id in dict.fromkeys(int(i) for i in shop_ids):
            used = self._conn.execute(
                "SELECT EXISTS (SELECT 1 FROM reviews WHERE shop_id = :s) "
                "OR EXISTS (SELECT 1 FROM chat_sessions WHERE shop_id = :s) "
                "OR EXISTS (SELECT 1 FROM chat_messages WHERE shop_id = :s) "
                "OR EXISTS (SELECT 1 FROM orders WHERE shop_id = :s) "
                "OR EXISTS (SELECT 1 FROM agent_reports WHERE shop_id = :s) "
                "OR EXISTS (SELECT 1 FROM import_batches WHERE shop_id = :s AND status <> 'undone')",
                {"s": shop_id},
            ).fetchone()[0]
            if used:
                continue
            batches = "SELECT id FROM import_batches WHERE shop_id = ?"
            self._conn.execute(f"DELETE FROM import_rejects WHERE batch_id IN ({batches})", (shop_id,))
            self._conn.execute("DELETE FROM import_batches WHERE shop_id = ?", (shop_id,))
            self._conn.execute("DELETE FROM agent_metrics WHERE shop_id = ?", (shop_id,))
            self._conn.execute("DELETE FROM shop_models WHERE shop_id = ?", (shop_id,))
            if self._conn.execute("DELETE FROM shops WHERE id = ?", (shop_id,)).rowcount:
                deleted.append(shop_id)
        return deleted
