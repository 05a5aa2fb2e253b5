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
        self._conn.execute(
            "INSERT OR IGNORE INTO shops(platform, name) VALUES (?, ?)", (platform, name)
        )
        row = self._conn.execute(
            "SELECT id, platform, name FROM shops WHERE platform=? AND name=?", (platform, name)
        ).fetchone()
        return Shop(*row)

    def all(self) -> list[Shop]:
        rows = self._conn.execute("SELECT id, platform, name FROM shops ORDER BY id").fetchall()
        return [Shop(*r) for r in rows]
