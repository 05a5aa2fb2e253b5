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

    def max_text_id(self, target_type: str, *, shop_id: int | None = None, rated: bool | None = None) -> int:
        """The highest id of these texts (0 when there are none)."""
        table, _ = _TEXT_SOURCES[target_type]
        where, params = ["1"], []
        if shop_id is not None:
            where.append("shop_id = ?")
            params.append(shop_id)
        if rated is not None:
            where.append("rating IS NOT NULL" if rated else "rating IS NULL")
        return int(
            self._conn.execute(
                f"SELECT COALESCE(MAX(id), 0) FROM {table} WHERE {' AND '.join(where)}", params
            ).fetchone()[0]
        )

    def sentiment_pending_ids(
        self, target_type: str, model: str, *, shop_id: int | None = None, rated: bool | None = None, after_id: int = 0
    ) -> list[int]:
        """Ids of texts with no sentiment yet, or one made by another model.

        ``shop_id`` limits to one shop; ``rated`` (reviews only) to reviews
        with (True) or without (False) a star rating; ``after_id`` to ids above it.
        """
        table, _ = _TEXT_SOURCES[target_type]
        where, params = ["(s.target_id IS NULL OR s.model <> ?)", "t.id > ?"], [target_type, model, after_id]
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

    def message_roles(self, ids: Sequence[int]) -> list[str]:
        """The sender role of these chat messages, in id order."""
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT role FROM chat_messages WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
                (json.dumps(list(ids)),),
            )
        ]

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
        return dict(
            self._conn.execute(
                "SELECT label, COUNT(*) FROM sentiment WHERE target_type=? AND no_content=0 GROUP BY label",
                (target_type,),
            ).fetchall()
        )

    def sentiment_models(self, target_type: str) -> list[str]:
        """The models the stored sentiment of these texts comes from, sorted."""
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT DISTINCT model FROM sentiment WHERE target_type = ? ORDER BY model", (target_type,)
            )
        ]

    # --- runs -----------------------------------------------------------------

    def start_run(self, stage: str, version: str) -> int:
        cur = self._conn.execute(
            "INSERT INTO analysis_runs(stage, version, status) VALUES (?, ?, 'running')", (stage, version)
        )
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
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()

    # --- review aspects and follow-ups -------------------------------------------------

    def aspect_pending_ids(self, version: str) -> list[int]:
        """Reviews the aspect stage has not read with this lexicon/model ``version``, or whose text changed.

        A changed text is caught by the content hash the stage stored: the
        caller compares it (``aspect_inputs``) because SQLite cannot compute it.
        """
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT r.id FROM reviews r LEFT JOIN review_text_state t ON t.review_id = r.id "
                "WHERE t.review_id IS NULL OR t.rules_version <> ? ORDER BY r.id",
                (version,),
            )
        ]

    def aspect_inputs(self, ids: Sequence[int]) -> list[tuple[int, str, str, int | None, str | None]]:
        """(id, content, append_content, rating, first-review sentiment label) for these reviews."""
        return self._conn.execute(
            "SELECT r.id, COALESCE(r.content, ''), COALESCE(r.append_content, ''), r.rating, s.label "
            "FROM reviews r LEFT JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id "
            "WHERE r.id IN (SELECT value FROM json_each(?)) ORDER BY r.id",
            (json.dumps(list(ids)),),
        ).fetchall()

    def replace_aspects(self, review_ids: Sequence[int], mentions: Iterable[tuple], states: Iterable[tuple]) -> None:
        """Replace the aspect mentions and state of these reviews.

        ``mentions``: (review_id, aspect, opinion, polarity, span_start, span_end, rules_version, part,
        clause_start, clause_end); ``states``: (review_id, rules_version, content_hash, append_score,
        append_label, shift).
        """
        ids = json.dumps(list(review_ids))
        self._conn.execute("DELETE FROM review_aspects WHERE review_id IN (SELECT value FROM json_each(?))", (ids,))
        self._conn.executemany(
            "INSERT INTO review_aspects(review_id, aspect, opinion, polarity, span_start, span_end, rules_version, "
            "part, clause_start, clause_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            mentions,
        )
        self._conn.executemany(
            "INSERT OR REPLACE INTO review_text_state(review_id, rules_version, content_hash, append_score, "
            "append_label, shift) VALUES (?, ?, ?, ?, ?, ?)",
            states,
        )

    def aspect_totals(self) -> list[tuple[str, int, int, int]]:
        """(aspect, positive, neutral, negative mentions), most mentioned first."""
        return self._conn.execute(
            "SELECT aspect, SUM(polarity = '正面'), SUM(polarity = '中性'), SUM(polarity = '负面') "
            "FROM review_aspects GROUP BY aspect ORDER BY COUNT(*) DESC, aspect"
        ).fetchall()

    def followup_shifts(self, limit: int = 1000) -> list[tuple]:
        """Reviews whose 追评 turned negative after a positive first review, newest follow-up first.

        (review id, shop, product, sku, created_at, content, first score, append_at, append_content,
        append score)
        """
        return self._conn.execute(
            "SELECT r.id, sh.name, COALESCE(r.product_title, r.product_id, ''), COALESCE(r.sku, ''), r.created_at, "
            "r.content, s.score, r.append_at, r.append_content, t.append_score "
            "FROM review_text_state t JOIN reviews r ON r.id = t.review_id JOIN shops sh ON sh.id = r.shop_id "
            "LEFT JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id "
            "WHERE t.shift = 1 ORDER BY COALESCE(r.append_at, r.created_at) DESC, r.id DESC LIMIT ?",
            (limit,),
        ).fetchall()
