"""What the database itself holds (its tables), asked the way its engine answers.

SQLite lists its tables in ``sqlite_master``; PostgreSQL in its catalogue (``to_regclass``). The
store's code asks here instead of querying either directly.
"""

from __future__ import annotations

from typing import Any


def is_postgres(conn: Any) -> bool:
    """True for a team store's connection (:class:`cxdesk.store.pg.connection.PgConnection`)."""
    return getattr(conn, "engine", "sqlite") == "postgresql"


def table_exists(conn: Any, name: str) -> bool:
    if is_postgres(conn):
        return conn.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0] == 1
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return row is not None
