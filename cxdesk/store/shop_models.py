"""Shop-calibrated sentiment models and the rated reviews they are fitted on."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class ShopModelInfo:
    shop_id: int
    version: str
    base_version: str
    heldout_accuracy: float
    heldout_n: int
    n_pos: int
    n_neg: int
    rated_fingerprint: str
    fitted_at: str


_INFO_COLUMNS = (
    "shop_id, version, base_version, heldout_accuracy, heldout_n, n_pos, n_neg, rated_fingerprint, fitted_at"
)


class ShopModelsRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def rated_fingerprint(self, shop_id: int) -> str:
        """Changes whenever the shop's set of rated reviews changes (import or undo)."""
        n, top = self._conn.execute(
            "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM reviews WHERE shop_id=? AND rating_class IS NOT NULL",
            (shop_id,),
        ).fetchone()
        return f"{n}:{top}"

    def rated_reviews(self, shop_id: int) -> list[tuple[str, int]]:
        """(content, rating class) of the shop's rated reviews — by stars or by 评价等级 words
        (1 差评, 2 中评, 3 好评; cxdesk.ratings) — in id order."""
        return self._conn.execute(
            "SELECT content, rating_class FROM reviews WHERE shop_id=? AND rating_class IS NOT NULL ORDER BY id",
            (shop_id,),
        ).fetchall()

    def info(self, shop_id: int) -> ShopModelInfo | None:
        row = self._conn.execute(f"SELECT {_INFO_COLUMNS} FROM shop_models WHERE shop_id=?", (shop_id,)).fetchone()
        return ShopModelInfo(*row) if row else None

    def all_info(self) -> list[ShopModelInfo]:
        rows = self._conn.execute(f"SELECT {_INFO_COLUMNS} FROM shop_models ORDER BY shop_id").fetchall()
        return [ShopModelInfo(*r) for r in rows]

    def model_bytes(self, shop_id: int) -> bytes | None:
        row = self._conn.execute("SELECT model FROM shop_models WHERE shop_id=?", (shop_id,)).fetchone()
        return bytes(row[0]) if row else None

    def put(self, info: ShopModelInfo, model: bytes) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO shop_models(shop_id, version, base_version, heldout_accuracy, heldout_n, "
            "n_pos, n_neg, rated_fingerprint, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                info.shop_id,
                info.version,
                info.base_version,
                info.heldout_accuracy,
                info.heldout_n,
                info.n_pos,
                info.n_neg,
                info.rated_fingerprint,
                model,
            ),
        )

    def delete(self, shop_id: int) -> None:
        self._conn.execute("DELETE FROM shop_models WHERE shop_id=?", (shop_id,))
