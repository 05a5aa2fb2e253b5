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


def _fold_functions() -> tuple[str, str]:
    """``cxdesk_search_fold(text)``: full-width letters and digits → ASCII, lower case (the folding of
    :func:`cxdesk.search.index_text` that matters for matching: full-width punctuation and the ideographic
    space separate tokens folded or not); ``cxdesk_search_squash(text)``: folded and without separators,
    what the trigram indexes hold (:mod:`cxdesk.store.pg.search`)."""
    from cxdesk.store.pg.search import GAP_CLASS

    codes = [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
    wide = "".join(chr(c) for c in codes)
    narrow = "".join(chr(c - 0xFEE0) for c in codes)
    quote = lambda s: "'" + s.replace("'", "''") + "'"  # noqa: E731
    # fold is a SQL function: inlined into the query, it costs what its built-ins cost (translate only on
    # the texts that hold a full-width letter or digit: it compares each character with all 62).
    # squash is plpgsql, never inlined: the indexes are on cxdesk_search_squash(…) and a query's
    # expression must read the same to use them; its cost tells the planner a call is dear (check the
    # cheap conditions first, prefer the index to a scan).
    head = "RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 1000 AS"
    return (
        "CREATE OR REPLACE FUNCTION cxdesk_search_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
        f"AS $$ SELECT lower(CASE WHEN t ~ {quote('[' + wide + ']')} "
        f"THEN translate(t, {quote(wide)}, {quote(narrow)}) ELSE t END) $$",
        f"CREATE OR REPLACE FUNCTION cxdesk_search_squash(t text) {head} "
        f"$$ BEGIN RETURN regexp_replace(cxdesk_search_fold(t), {quote(GAP_CLASS + '+')}, '', 'g'); END $$",
    )


# What a version adds on PostgreSQL only.
PG_ONLY: dict[int, tuple[str, ...]] = {
    # import_rejects has no key; SQLite lists a batch's rejects in insertion (rowid) order.
    1: ("ALTER TABLE import_rejects ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY",),
    # The search page (cxdesk.store.pg.search): trigram GIN indexes on the texts folded as the SQLite
    # index folds them, kept up to date by the server on every write.
    6: (
        *_fold_functions(),
        "CREATE INDEX chat_messages_search ON chat_messages USING gin (cxdesk_search_squash(content) gin_trgm_ops)",
        "CREATE INDEX reviews_search ON reviews USING gin (cxdesk_search_squash(content) gin_trgm_ops)",
        "CREATE INDEX reviews_append_search ON reviews USING gin (cxdesk_search_squash(append_content) gin_trgm_ops)",
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


# The compat functions' version: a comment on one of them holds the sha256 of the SQL that made them
# (not a row of meta, which ``store copy`` carries between engines).
_COMPAT_MARK = "sqlite_compat_jd(integer, integer, integer)"


def refresh_compat(conn) -> bool:
    """Re-create the SQLite functions when this program's ``compat_sql`` differs from what the server holds
    (a newer cxdesk made them faster or more exact; ``CREATE OR REPLACE``, one transaction, under the
    migration lock). Whether it did."""
    import hashlib

    sql = compat_sql()
    digest = "cxdesk " + hashlib.sha256(sql.encode("utf-8")).hexdigest()
    raw = conn.raw
    ask = f"SELECT obj_description(to_regprocedure('{_COMPAT_MARK}'), 'pg_proc')"
    if raw.execute(ask).fetchone()[0] == digest:
        return False
    with raw.transaction():
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_MIGRATE,))
        if raw.execute(ask).fetchone()[0] == digest:
            return False
        raw.execute(sql)
        raw.execute(f"COMMENT ON FUNCTION {_COMPAT_MARK} IS '{digest}'")
    return True


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
