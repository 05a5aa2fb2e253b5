"""Copying a whole store to another engine or file, verified: ``python main.py store copy``.

:func:`copy_store` fills an empty destination store (a new SQLite file or an empty PostgreSQL
database, created and migrated by :func:`cxdesk.store.open_store`) with every row of every table
of the source, in one transaction on the destination (a failure leaves it empty), then reads the
destination back and compares, table by table, the row count and a checksum of the rows.

The checksum is order-free (the sum of each row's SHA-256 modulo 2²⁵⁶) and engine-free: a row is
hashed from its values as Python sees them — ``NULL``, integers, floats, texts, bytes, each with its type —
so the same data gives the same figure on SQLite and PostgreSQL, and a value that changed type on
the way (``1.0`` stored where ``1`` was) is a mismatch, not a silent difference.

Not copied: the SQLite search index (FTS5 tables; the SQLite side rebuilds it on first use,
PostgreSQL searches the text columns themselves) and the engines' own bookkeeping.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cxdesk.errors import StoreError
from cxdesk.store.pg.schema import TableInfo, tables_in_order

BATCH = 5_000
ROWID_ORDERED = ("import_rejects",)  # listed in insertion order; PostgreSQL gives it a rowid column (pg.schema)
_MOD = 1 << 256


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int  # rows read from the source
    rows_written: int  # rows found in the destination afterwards
    checksum: str  # the source's
    checksum_written: str  # the destination's

    @property
    def ok(self) -> bool:
        return self.rows == self.rows_written and self.checksum == self.checksum_written


@dataclass
class CopyReport:
    source: str
    destination: str
    tables: list[TableCopy] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


_PLAIN = frozenset((type(None), int, float, str, bytes))


def _plain(value: Any) -> Any:
    """A value as one of the plain types both engines give (NULL, integer, float, text, bytes)."""
    if isinstance(value, int):  # bool too: a flag stored as 0/1
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return None if value is None else str(value)


def row_digest(row: Iterable[Any]) -> int:
    """SHA-256 of the row's values, typed: marshal format 0 writes each value with its type and never
    refers back to an earlier object, so equal rows give equal bytes whichever engine read them."""
    values = tuple(row)
    if not _PLAIN.issuperset(map(type, values)):
        values = tuple(map(_plain, values))
    return int.from_bytes(hashlib.sha256(marshal.dumps(values, 0)).digest(), "big")


class Checksum:
    """Rows and the order-free checksum of what was fed in."""

    def __init__(self) -> None:
        self.rows = 0
        self.total = 0

    def add(self, row: Iterable[Any]) -> None:
        self.rows += 1
        self.total = (self.total + row_digest(row)) % _MOD

    @property
    def hex(self) -> str:
        return f"{self.total:064x}"


def _order(table: TableInfo) -> str:
    """Rows in key order (the destination's insertion order; the checksum itself is order-free)."""
    if table.primary_key:
        return " ORDER BY " + ", ".join(table.primary_key)
    if table.name in ROWID_ORDERED:
        return " ORDER BY rowid"
    return ""


def _rows(store: Any, table: TableInfo) -> Iterator[tuple]:
    cur = store.conn.execute(f"SELECT {', '.join(table.columns)} FROM {table.name}{_order(table)}")
    while True:
        batch = cur.fetchmany(BATCH)
        if not batch:
            return
        yield from batch


def table_checksum(store: Any, table: TableInfo) -> Checksum:
    check = Checksum()
    for row in _rows(store, table):
        check.add(row)
    return check


def _non_empty_tables(store: Any) -> list[str]:
    out = []
    for table in tables_in_order():
        if table.name == "meta":
            continue
        if store.conn.execute(f"SELECT 1 FROM {table.name} LIMIT 1").fetchone() is not None:
            out.append(table.name)
    return out


def _write(dst: Any, table: TableInfo, rows: list[tuple]) -> None:
    copy_rows = getattr(dst.conn, "copy_rows", None)
    if copy_rows is not None:
        copy_rows(table.name, table.columns, rows)
        return
    marks = ", ".join("?" * len(table.columns))
    dst.conn.executemany(f"INSERT INTO {table.name}({', '.join(table.columns)}) VALUES ({marks})", rows)


def copy_store(src: Any, dst: Any, ctx: Any = None) -> CopyReport:
    """Copy every row of ``src`` into the empty ``dst`` (both open stores), then verify; see the module doc."""
    if src.schema_version != dst.schema_version:
        raise StoreError(
            f"两个数据库的结构版本不同（来源 {src.schema_version}，目标 {dst.schema_version}）：请先用同一版本的 cxdesk 打开它们。"
        )
    busy = _non_empty_tables(dst)
    if busy:
        raise StoreError(
            f"目标数据库“{dst.path}”已有数据（{'、'.join(busy[:5])}…），复制只写入空的数据库。"
            "请新建一个空数据库（或新的文件名）再复制。"
        )
    tables = tables_in_order()
    totals = {t.name: src.conn.execute(f"SELECT COUNT(*) FROM {t.name}").fetchone()[0] for t in tables}
    grand = sum(totals.values()) or 1
    done = 0
    sums: dict[str, Checksum] = {}
    with dst.transaction():
        dst.conn.execute("DELETE FROM meta")  # the destination's own (its app id) comes back from the source
        for table in tables:
            check = Checksum()
            batch: list[tuple] = []
            for row in _rows(src, table):
                check.add(row)
                batch.append(row)
                if len(batch) >= BATCH:
                    _write(dst, table, batch)
                    done += len(batch)
                    batch = []
                    if ctx is not None:
                        ctx.check()
                        ctx.progress(done, grand, f"复制 {table.name}")
            if batch:
                _write(dst, table, batch)
                done += len(batch)
            sums[table.name] = check
            if ctx is not None:
                ctx.progress(done, grand, f"复制 {table.name}")
        after = getattr(dst.conn, "after_copy", None)
        if after is not None:
            after([t for t in tables if t.name != "meta"])
    report = CopyReport(str(src.path), str(dst.path))
    for i, table in enumerate(tables):
        if ctx is not None:
            ctx.progress(i, len(tables), f"核对 {table.name}")
        written = table_checksum(dst, table)
        source = sums[table.name]
        report.tables.append(TableCopy(table.name, source.rows, written.rows, source.hex, written.hex))
    return report
