"""The full-text search index: contentless FTS5 tables over messages and reviews.

The indexed text is made in Python (``cxdesk.search.index_text``: one token
per CJK character); the FTS tables are contentless (``content=''``), so the
index costs no second copy of the texts. A contentless row can only be
removed by handing FTS5 the text it was indexed with, and an import's undo
deletes the texts first: the triggers below therefore copy the old text of
every deleted (or edited) indexed row into ``search_purge``, and the search
stage removes those index rows and re-indexes edited ones. Until it runs,
queries still never show a deleted text: every hit is joined to its row.

``SCHEMA`` was copied into migration v6 (``migrations.py``), which now creates
these objects; :meth:`SearchIndexRepo.ensure_schema` (``IF NOT EXISTS``) stays
as a no-op safety net. Changing ``SCHEMA`` now needs a new migration.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

# FTS5's own tokenizer only splits on the spaces index_text() put in and folds case.
_TOKENIZE = "tokenize='unicode61 remove_diacritics 2'"

# ``meta`` holds one token per filter value (month m202401, shop s3, role rbuyer), so
# filters are doclist intersections inside FTS5: a common word in an old month
# or a small shop no longer means walking every newer match (230 ms → 1 ms on 1M
# messages). The same SQL expression makes it at index time and in the triggers.
_MESSAGE_META = (
    "COALESCE('m' || substr({a}.sent_at, 1, 4) || substr({a}.sent_at, 6, 2) || ' ', '') "
    "|| 's' || {a}.shop_id || ' r' || {a}.role"
)
_REVIEW_META = (
    "COALESCE('m' || substr({a}.created_at, 1, 4) || substr({a}.created_at, 6, 2) || ' ', '') || 's' || {a}.shop_id"
)
_OLD_MESSAGE_META = _MESSAGE_META.format(a="old")
_OLD_REVIEW_META = _REVIEW_META.format(a="old")
MAX_MONTH_TOKENS = 36  # longer date ranges are checked in SQL only

SCHEMA = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS search_messages USING fts5(
    body, meta, content='', columnsize=0, {_TOKENIZE});
CREATE VIRTUAL TABLE IF NOT EXISTS search_reviews USING fts5(
    body, append, meta, content='', columnsize=0, {_TOKENIZE});

-- Per target type: every id <= last_id has been indexed with tokenizer ``version``.
CREATE TABLE IF NOT EXISTS search_index_state (
    target_type TEXT PRIMARY KEY CHECK (target_type = 'message' OR target_type = 'review'),
    last_id     INTEGER NOT NULL,
    version     TEXT NOT NULL
);

-- Old text of indexed rows deleted (undo) or edited since: what FTS5 needs to drop them.
CREATE TABLE IF NOT EXISTS search_purge (
    target_type TEXT NOT NULL CHECK (target_type = 'message' OR target_type = 'review'),
    target_id   INTEGER NOT NULL,
    body        TEXT,
    append      TEXT,
    meta        TEXT,
    PRIMARY KEY (target_type, target_id)
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS search_purge_message_delete AFTER DELETE ON chat_messages
WHEN old.id <= (SELECT last_id FROM search_index_state WHERE target_type = 'message')
BEGIN
    INSERT OR IGNORE INTO search_purge VALUES ('message', old.id, old.content, NULL, {_OLD_MESSAGE_META});
END;
CREATE TRIGGER IF NOT EXISTS search_purge_message_update AFTER UPDATE OF content ON chat_messages
WHEN old.content IS NOT new.content
 AND old.id <= (SELECT last_id FROM search_index_state WHERE target_type = 'message')
BEGIN
    INSERT OR IGNORE INTO search_purge VALUES ('message', old.id, old.content, NULL, {_OLD_MESSAGE_META});
END;
CREATE TRIGGER IF NOT EXISTS search_purge_review_delete AFTER DELETE ON reviews
WHEN old.id <= (SELECT last_id FROM search_index_state WHERE target_type = 'review')
BEGIN
    INSERT OR IGNORE INTO search_purge VALUES ('review', old.id, old.content, old.append_content, {_OLD_REVIEW_META});
END;
CREATE TRIGGER IF NOT EXISTS search_purge_review_update AFTER UPDATE OF content, append_content ON reviews
WHEN (old.content IS NOT new.content OR old.append_content IS NOT new.append_content)
 AND old.id <= (SELECT last_id FROM search_index_state WHERE target_type = 'review')
BEGIN
    INSERT OR IGNORE INTO search_purge VALUES ('review', old.id, old.content, old.append_content, {_OLD_REVIEW_META});
END;
"""

_FTS = {"message": "search_messages", "review": "search_reviews"}
_SOURCE = {"message": "chat_messages", "review": "reviews"}

# One hit per row, newest id first. CROSS JOIN keeps the FTS table outermost,
# so FTS5 hands out rowids in descending order and LIMIT stops the scan early.
_MESSAGE_ROWS = """
SELECT m.id, m.session_id, m.shop_id, sh.name, sh.platform, m.role, m.sender, m.sent_at, m.content,
       (SELECT buyer_nick FROM chat_sessions WHERE id = m.session_id)
FROM search_messages f CROSS JOIN chat_messages m ON m.id = f.rowid CROSS JOIN shops sh ON sh.id = m.shop_id
WHERE search_messages MATCH ? AND f.rowid < ? {where}
ORDER BY f.rowid DESC LIMIT ?
"""
_REVIEW_ROWS = """
SELECT r.id, r.shop_id, sh.name, sh.platform, r.created_at, r.content, r.append_content, r.buyer_nick, r.rating
FROM search_reviews f CROSS JOIN reviews r ON r.id = f.rowid CROSS JOIN shops sh ON sh.id = r.shop_id
WHERE search_reviews MATCH ? AND f.rowid < ? {where}
ORDER BY f.rowid DESC LIMIT ?
"""
_COUNT = """
SELECT COUNT(*) FROM (SELECT 1 FROM {fts} f CROSS JOIN {source} t ON t.id = f.rowid
                      WHERE {fts} MATCH ? {where} ORDER BY f.rowid DESC LIMIT ?)
"""


def _filters(kind: str, filters: Any, shop_ids: Sequence[int] | None, alias: str) -> tuple[str, list[Any]]:
    """SQL conditions on the joined message or review row, called ``alias`` in the query."""
    clauses: list[str] = []
    params: list[Any] = []
    if shop_ids is not None:
        clauses.append(f"{alias}.shop_id IN ({', '.join('?' * len(shop_ids))})" if shop_ids else "0")
        params += list(shop_ids)
    if kind == "message" and filters.role is not None:
        clauses.append(f"{alias}.role = ?")
        params.append(filters.role)
    lo, hi = filters.time_bounds()
    column = f"{alias}.sent_at" if kind == "message" else f"{alias}.created_at"
    if lo is not None:
        clauses.append(f"{column} >= ?")
        params.append(lo)
    if hi is not None:
        clauses.append(f"{column} < ?")
        params.append(hi)
    return "".join(f" AND {c}" for c in clauses), params


class SearchIndexRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # --- schema and state ----------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create the index objects if this database has none yet (before migration v6 exists)."""
        if not self._has_tables():
            self._conn.executescript(SCHEMA)

    def _has_tables(self) -> bool:
        return (
            self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='search_index_state'"
            ).fetchone()
            is not None
        )

    def is_built(self) -> bool:
        """The search stage has indexed something (the tables alone exist from schema v6 on)."""
        return (
            self._has_tables() and self._conn.execute("SELECT 1 FROM search_index_state LIMIT 1").fetchone() is not None
        )

    def state(self, target_type: str) -> tuple[int, str] | None:
        """(last indexed id, tokenizer version) or ``None`` when nothing was indexed."""
        row = self._conn.execute(
            "SELECT last_id, version FROM search_index_state WHERE target_type=?", (target_type,)
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def set_state(self, target_type: str, last_id: int, version: str) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO search_index_state(target_type, last_id, version) VALUES (?, ?, ?)",
            (target_type, last_id, version),
        )

    def clear(self, target_type: str) -> None:
        """Empty one index (tokenizer changed): it is rebuilt from id 0."""
        fts = _FTS[target_type]
        self._conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')")
        self._conn.execute("DELETE FROM search_purge WHERE target_type=?", (target_type,))
        self._conn.execute("DELETE FROM search_index_state WHERE target_type=?", (target_type,))

    def max_id(self, target_type: str) -> int:
        return int(self._conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_SOURCE[target_type]}").fetchone()[0])

    def not_indexed(self) -> int:
        """Texts above the watermarks: imported after the index was last brought up to date."""
        total = 0
        for kind, table in _SOURCE.items():
            state = self.state(kind) if self.is_built() else None
            total += self._conn.execute(
                f"SELECT COUNT(*) FROM {table} WHERE id > ?", (state[0] if state else 0,)
            ).fetchone()[0]
        return int(total)

    # --- reading texts to index --------------------------------------------------------------

    def texts_between(self, target_type: str, lo: int, hi: int) -> list[tuple]:
        """(id, text, meta) or (id, content, append, meta) of rows with lo < id <= hi."""
        return self._conn.execute(
            f"SELECT {_columns(target_type)} FROM {_SOURCE[target_type]} t WHERE id > ? AND id <= ? ORDER BY id",
            (lo, hi),
        ).fetchall()

    def texts_of(self, target_type: str, ids: Sequence[int]) -> list[tuple]:
        """Current (id, text…, meta) of these rows (those that still exist)."""
        return self._conn.execute(
            f"SELECT {_columns(target_type)} FROM {_SOURCE[target_type]} t "
            "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (_json(ids),),
        ).fetchall()

    # --- writing the index ---------------------------------------------------------------------

    def insert(self, target_type: str, rows: Iterable[tuple]) -> None:
        """Index (rowid, tokenised text…) rows."""
        if target_type == "message":
            self._conn.executemany("INSERT INTO search_messages(rowid, body, meta) VALUES (?, ?, ?)", rows)
        else:
            self._conn.executemany("INSERT INTO search_reviews(rowid, body, append, meta) VALUES (?, ?, ?, ?)", rows)

    def remove(self, target_type: str, rows: Iterable[tuple]) -> None:
        """Drop index rows given as (rowid, the tokenised text they were indexed with…)."""
        if target_type == "message":
            self._conn.executemany(
                "INSERT INTO search_messages(search_messages, rowid, body, meta) VALUES ('delete', ?, ?, ?)", rows
            )
        else:
            self._conn.executemany(
                "INSERT INTO search_reviews(search_reviews, rowid, body, append, meta) VALUES ('delete', ?, ?, ?, ?)",
                rows,
            )

    def purge_queue(self, target_type: str, limit: int = 50_000) -> list[tuple]:
        """(id, old text…) of indexed rows deleted or edited since they were indexed."""
        cols = "target_id, body, meta" if target_type == "message" else "target_id, body, append, meta"
        return self._conn.execute(
            f"SELECT {cols} FROM search_purge WHERE target_type=? ORDER BY target_id LIMIT ?", (target_type, limit)
        ).fetchall()

    def drop_purged(self, target_type: str, ids: Sequence[int]) -> None:
        self._conn.execute(
            "DELETE FROM search_purge WHERE target_type=? AND target_id IN (SELECT value FROM json_each(?))",
            (target_type, _json(ids)),
        )

    def optimize(self) -> None:
        """Merge the index segments (after a full build: fewer b-trees per query)."""
        for fts in _FTS.values():
            self._conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")

    # --- querying ----------------------------------------------------------------------------

    def match(
        self, kind: str, match: str, filters: Any, shop_ids: Sequence[int] | None, before: int, limit: int
    ) -> list[tuple]:
        """Rows matching ``match`` below index rowid ``before``, newest id first."""
        if shop_ids is not None and not shop_ids:
            return []
        where, params = _filters(kind, filters, shop_ids, "m" if kind == "message" else "r")
        sql = (_MESSAGE_ROWS if kind == "message" else _REVIEW_ROWS).format(where=where)
        return self._conn.execute(sql, [_match_expr(kind, match, filters, shop_ids), before, *params, limit]).fetchall()

    def count(self, kind: str, match: str, filters: Any, shop_ids: Sequence[int] | None, cap: int) -> int:
        """How many rows match, counting no further than ``cap``."""
        if shop_ids is not None and not shop_ids:
            return 0
        where, params = _filters(kind, filters, shop_ids, "t")
        sql = _COUNT.format(fts=_FTS[kind], source=_SOURCE[kind], where=where)
        return int(self._conn.execute(sql, [_match_expr(kind, match, filters, shop_ids), *params, cap]).fetchone()[0])


def _columns(target_type: str) -> str:
    if target_type == "message":
        return f"id, content, {_MESSAGE_META.format(a='t')}"
    return f"id, content, append_content, {_REVIEW_META.format(a='t')}"


def _months(filters: Any) -> list[str] | None:
    """Month tokens covering the date filter, or ``None`` (no filter, one-sided, or too long)."""
    if filters.date_from is None or filters.date_to is None:
        return None
    y, m = filters.date_from.year, filters.date_from.month
    months = []
    while (y, m) <= (filters.date_to.year, filters.date_to.month):
        months.append(f"m{y:04d}{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        if len(months) > MAX_MONTH_TOKENS:
            return None
    return months


def _match_expr(kind: str, body: str, filters: Any, shop_ids: Sequence[int] | None) -> str:
    """The text query limited to the text columns, AND the filters' meta tokens."""
    cols = "body" if kind == "message" else "body append"
    parts = [f"{{{cols}}} : ({body})"]
    if shop_ids is not None:
        parts.append("meta : (" + " OR ".join(f"s{int(i)}" for i in shop_ids) + ")")
    if kind == "message" and filters.role is not None:
        parts.append(f"meta : r{filters.role}")
    months = _months(filters)
    if months:
        parts.append("meta : (" + " OR ".join(months) + ")")
    return " AND ".join(parts)


def _json(ids: Sequence[int]) -> str:
    return json.dumps([int(i) for i in ids])
