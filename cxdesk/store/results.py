"""Analysis results: per-text sentiment, review aspects, and the runs that made them.

Every result row records the model or rule version that produced it, so a
run only recomputes rows that are new or were made by another version.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

# target_type -> (table, text column). The first review text is what the
# sentiment describes; the 追评 is analysed by the aspect stage.
_TEXT_SOURCES = {
    "review": ("reviews", "content"),
    "message": ("chat_messages", "content"),
}


class ResultsRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # --- sentiment ------------------------------------------------------------

    def sentiment_pending_ids(self, target_type: str, model: str, *, shop_id: int | None = None,
                              rated: bool | None = None) -> list[int]:
        """Ids of texts with no sentiment yet, or one made by another model.

        ``shop_id`` limits to one shop; ``rated`` (reviews only) to reviews
        with (True) or without (False) a star rating.
        """
        table, _ = _TEXT_SOURCES[target_type]
        where, params = ["(s.target_id IS NULL OR s.model <> ?)"], [target_type, model]
        if shop_id is not None:
            where.append("t.shop_id = ?")
            params.append(shop_id)
        if rated is not None:
            where.append("t.rating IS NOT NULL" if rated else "t.rating IS NULL")
        rows = self._conn.execute(
            f"SELECT t.id FROM {table} t LEFT JOIN sentiment s "
            "ON s.target_type = ? AND s.target_id = t.id "
            f"WHERE {' AND '.join(where)} ORDER BY t.id",
            params,
        )
        return [r[0] for r in rows]

    def texts(self, target_type: str, ids: Sequence[int]) -> list[tuple[int, str]]:
        """(id, text) for these ids, in id order."""
        table, column = _TEXT_SOURCES[target_type]
        return self._conn.execute(
            f"SELECT id, {column} FROM {table} WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (json.dumps(list(ids)),),
        ).fetchall()

    def upsert_sentiment(self, rows: Iterable[tuple]) -> int:
        """Store (target_type, target_id, score, label, no_content, model, content_hash) rows."""
        before = self._conn.total_changes
        self._conn.executemany(
            "INSERT OR REPLACE INTO sentiment(target_type, target_id, score, label, no_content, model, "
            "content_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return self._conn.total_changes - before

    def sentiment_counts(self, target_type: str) -> dict[str, int]:
        """How many texts carry each label (texts without content are left out)."""
        return dict(self._conn.execute(
            "SELECT label, COUNT(*) FROM sentiment WHERE target_type=? AND no_content=0 GROUP BY label",
            (target_type,),
        ).fetchall())

    # --- runs -----------------------------------------------------------------

    def start_run(self, stage: str, version: str) -> int:
        cur = self._conn.execute(
            "INSERT INTO analysis_runs(stage, version, status) VALUES (?, ?, 'running')", (stage, version))
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, status: str, rows_done: int, note: str | None = None) -> None:
        self._conn.execute(
            "UPDATE analysis_runs SET status=?, rows_done=?, note=?, "
            "finished_at=datetime('now','localtime') WHERE id=?",
            (status, rows_done, note, run_id),
        )

    def last_runs(self, limit: int = 20) -> list[tuple]:
        return self._conn.execute(
            "SELECT stage, version, status, rows_done, started_at, finished_at FROM analysis_runs "
            "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
