"""The store's schema on PostgreSQL: the same migrations as SQLite, versioned in a table, forward only.

Each of :data:`cxdesk.store.migrations.MIGRATIONS` runs statement by statement through the dialect
(:mod:`cxdesk.store.pg.dialect`), in one transaction per version that also records the version in
``cxdesk_migrations``. Statements that only mean something to SQLite are left out — ``PRAGMA``,
edits of ``sqlite_schema``, the FTS5 search tables and their purge triggers (PostgreSQL searches
with ``pg_trgm`` indexes on the text columns instead) — and a version may add what PostgreSQL needs
in their place (:data:`PG_ONLY`), such as v7's wider ``import_batches.kind`` check, which SQLite
widens by editing its schema text. Before the first version the SQLite functions the store's SQL
calls are created (``sqlite_compat.sql``, ``sqlite_operators.sql``) and ``pg_trgm`` is enabled.

Table facts the dialect needs (each table's primary key) come from the same migrations run once
on an in-memory SQLite database (:func:`reference_tables`), so nothing is declared twice.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import cache
from importlib import resources

from cxdesk.store.migrations import APP_ID_KEY, APP_ID_VALUE, CURRENT_VERSION, MIGRATIONS

VERSION_TABLE = "cxdesk_migrations"
ADVISORY_MIGRATE = 0x63786D67  # pg_advisory_xact_lock key while migrating ("cxmg")

# Statements of the SQLite migrations that PostgreSQL skips (see the module doc).
_SQLITE_ONLY = re.compile(
    r"^\s*(?:PRAGMA\b|UPDATE\s+sqlite_schema\b|CREATE\s+VIRTUAL\s+TABLE\b|CREATE\s+TRIGGER\b"
    r"|CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?search_|CREATE\s+INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?\w+\s+ON\s+search_)",
    re.I,
)

# What a version adds on PostgreSQL only.
PG_ONLY: dict[int, tuple[str, ...]] = {
    # import_rejects has no key; SQLite lists a batch's rejects in insertion (rowid) order.
    1: ("ALTER TABLE import_rejects ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY",),
    # The search page's index: trigram GIN indexes serve LIKE/ILIKE '%…%' for 1–2 character queries too.
    6: (
        "CREATE INDEX chat_messages_content_trgm ON chat_messages USING gin (content gin_trgm_ops)",
        "CREATE INDEX reviews_content_trgm ON reviews USING gin (content gin_trgm_ops)",
        "CREATE INDEX reviews_append_trgm ON reviews USING gin (append_content gin_trgm_ops)",
    ),
    7: (
        "ALTER TABLE import_batches DROP CONSTRAINT import_batches_kind_check",
        "ALTER TABLE import_batches ADD CONSTRAINT import_batches_kind_check CHECK "
        "(kind = 'reviews' OR kind = 'chats' OR kind = 'orders' OR kind = 'agent_report')",
    ),
}


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    parents: tuple[str, ...]  # tables it references


def _is_sqlite_only(statement: str) -> bool:
    body = re.sub(r"^(?:\s*--[^\n]*\n)+", "", statement)
    return bool(_SQLITE_ONLY.match(body))


@cache
def reference_tables() -> dict[str, TableInfo]:
    """The store's tables (without SQLite's own and the FTS5 search tables) at the current version."""
    from cxdesk.store._schema import migrate

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn, 0)
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'search_%' ORDER BY name"
            )
        ]
        out = {}
        for name in names:
            info = conn.execute(f"PRAGMA table_info({name})").fetchall()
            pk = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
            parents = tuple(sorted({r[2] for r in conn.execute(f"PRAGMA foreign_key_list({name})")} - {name}))
            out[name] = TableInfo(name, tuple(r[1] for r in info), pk, parents)
        return out
    finally:
        conn.close()


def primary_key(table: str) -> tuple[str, ...]:
    """``table``'s primary key columns (``()`` for a table without one or not the store's)."""
    info = reference_tables().get(table)
    return info.primary_key if info else ()


def tables_in_order() -> list[TableInfo]:
    """The store's tables, every table after the tables it references (the order to fill them)."""
    tables = reference_tables()
    done: list[TableInfo] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or name not in tables:
            return
        seen.add(name)
        for parent in tables[name].parents:
            visit(parent)
        done.append(tables[name])

    for name in sorted(tables):
        visit(name)
    return done


def compat_sql() -> str:
    """The SQL that gives PostgreSQL the SQLite functions and operators the store's queries call."""
    folder = resources.files("cxdesk.store.pg")
    parts = []
    for name in ("sqlite_compat.sql", "sqlite_operators.sql"):
        file = folder / name
        if file.is_file():
            parts.append(file.read_text(encoding="utf-8"))
    return "\n".join(parts)


def schema_version(conn) -> int:
    """The store's version on the server: 0 for an empty database."""
    row = conn.raw.execute("SELECT to_regclass(%s)", (VERSION_TABLE,)).fetchone()
    if row[0] is None:
        return 0
    return int(conn.raw.execute(f"SELECT COALESCE(MAX(version), 0) FROM {VERSION_TABLE}").fetchone()[0])


def is_foreign(conn) -> bool:
    """True when the database holds tables but no cxdesk store: never write into someone else's database."""
    if schema_version(conn) > 0:
        return False
    n = conn.raw.execute(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
    ).fetchone()[0]
    return n > 0


def migrate(conn, from_version: int) -> int:
    """Bring the server's store from ``from_version`` to the current one; each version one transaction."""
    raw = conn.raw
    if from_version == 0:
        raw.execute(
            f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} ("
            "version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
    version = from_version
    for target in range(from_version + 1, CURRENT_VERSION + 1):
        with raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_MIGRATE,))
            done = raw.execute(f"SELECT 1 FROM {VERSION_TABLE} WHERE version = %s", (target,)).fetchone()
            if done:  # another PC migrated while we waited for the lock
                version = target
                continue
            if target == 1:
                raw.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                raw.execute(compat_sql())
            from cxdesk.store.pg.connection import split_statements

            for statement in split_statements(MIGRATIONS[target - 1]):
                if not _is_sqlite_only(statement):
                    conn.execute(statement)
            for statement in PG_ONLY.get(target, ()):
                raw.execute(statement)
            conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", (APP_ID_KEY, APP_ID_VALUE))
            raw.execute(f"INSERT INTO {VERSION_TABLE}(version) VALUES (%s)", (target,))
        version = target
    return version
