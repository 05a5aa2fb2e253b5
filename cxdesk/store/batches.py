"""Import batches: one row per imported file, with counts and rejected rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Batch:
    id: int
    shop_id: int | None
    kind: str
    platform: str | None
    source_format: str | None
    file_name: str
    file_sha256: str
    encoding: str | None
    rows_read: int
    rows_added: int
    rows_duplicate: int
    rows_rejected: int
    status: str
    synthetic: bool
    imported_at: str
    undone_at: str | None


_COLUMNS = (
    "id, shop_id, kind, platform, source_format, file_name, file_sha256, encoding, rows_read, "
    "rows_added, rows_duplicate, rows_rejected, status, synthetic, imported_at, undone_at"
)


class BatchesRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def create(
        self,
        *,
        kind: str,
        file_name: str,
        file_sha256: str,
        shop_id: int | None = None,
        platform: str | None = None,
        source_format: str | None = None,
        encoding: str | None = None,
        synthetic: bool = False,
    ) -> int:
        cur = self._conn.execute(
            "INSERT INTO import_batches(shop_id, kind, platform, source_format, file_name, "
            "file_sha256, encoding, synthetic) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (shop_id, kind, platform, source_format, file_name, file_sha256, encoding, int(synthetic)),
        )
        return int(cur.lastrowid)

    def set_counts(self, batch_id: int, *, read: int, added: int, duplicate: int, rejected: int) -> None:
        self._conn.execute(
            "UPDATE import_batches SET rows_read=?, rows_added=?, rows_duplicate=?, rows_rejected=? WHERE id=?",
            (read, added, duplicate, rejected, batch_id),
        )

    def add_rejects(self, batch_id: int, rejects: Iterable[tuple[int | None, str, str | None]]) -> None:
        """Store rejected rows as (record number, reason, raw text)."""
        self._conn.executemany(
            "INSERT INTO import_rejects(batch_id, record_no, reason, raw) VALUES (?, ?, ?, ?)",
            ((batch_id, n, reason, raw) for n, reason, raw in rejects),
        )

    def rejects(self, batch_id: int) -> list[tuple[int | None, str, str | None]]:
        return self._conn.execute(
            "SELECT record_no, reason, raw FROM import_rejects WHERE batch_id=? ORDER BY rowid",
            (batch_id,),
        ).fetchall()

    def get(self, batch_id: int) -> Batch | None:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM import_batches WHERE id=?", (batch_id,)).fetchone()
        return Batch(*row) if row else None

    def all(self) -> list[Batch]:
        rows = self._conn.execute(f"SELECT {_COLUMNS} FROM import_batches ORDER BY id DESC").fetchall()
        return [Batch(*r) for r in rows]

    def any_synthetic(self) -> bool:
        row = self._conn.execute("SELECT 1 FROM import_batches WHERE synthetic=1 AND status='done' LIMIT 1").fetchone()
        return row is not None

    def find_done_by_sha(self, file_sha256: str, kind: str | None = None) -> int | None:
        """The latest not-undone batch that imported a file with this content."""
        row = self._conn.execute(
            "SELECT id FROM import_batches WHERE file_sha256=? AND status='done' AND (? IS NULL OR kind=?) "
            "ORDER BY id DESC LIMIT 1",
            (file_sha256, kind, kind),
        ).fetchone()
        return int(row[0]) if row else None

    def mark_undone(self, batch_id: int) -> None:
        self._conn.execute(
            "UPDATE import_batches SET status='undone', undone_at=datetime('now','localtime') WHERE id=?",
            (batch_id,),
        )
