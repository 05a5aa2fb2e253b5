"""The team store: the same store on a PostgreSQL server of the shop's LAN (issue 20).

``open_store("postgresql://user@host/dbname")`` returns a :class:`PgStore`: the same
:class:`~cxdesk.store.Store` — repositories, operations, exports — over a
:class:`~cxdesk.store.pg.connection.PgConnection`, whose statements the dialect
(:mod:`cxdesk.store.pg.dialect`) rewrites from the store's one SQL form. The schema comes from the
same migrations (:mod:`cxdesk.store.pg.schema`). Passwords are not part of the address: libpq reads
them from ``PGPASSWORD`` or the user's ``.pgpass`` file.

``psycopg`` (3) is imported only when a PostgreSQL address is opened, so the desktop app with its
SQLite file never loads it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from cxdesk.errors import StoreError

_URL = re.compile(r"^postgres(?:ql)?://", re.I)


def is_postgres_url(target: object) -> bool:
    """True when ``target`` (a ``--db`` value) names a PostgreSQL database rather than a file."""
    return isinstance(target, str) and bool(_URL.match(target.strip()))


def display_url(url: str) -> str:
    """``url`` without its password, to show and to log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def connect(url: str, *, read_only: bool = False):
    """A :class:`PgConnection` to ``url`` (errors as the store's Chinese messages)."""
    import sqlite3

    try:
        from cxdesk.store.pg.connection import PgConnection
        from cxdesk.store.pg.schema import primary_key
    except ImportError as exc:  # psycopg missing
        raise StoreError(
            "打开团队数据库需要 psycopg 3（PostgreSQL 驱动）。请先运行：pip install \"psycopg[binary]\""
        ) from exc
    try:
        conn = PgConnection.connect(url, primary_key, connect_timeout=10, application_name="cxdesk")
    except sqlite3.Error as exc:
        raise StoreError(
            f"无法连接团队数据库“{display_url(url)}”：{str(exc).splitlines()[0] if str(exc) else exc}。"
            "请检查服务器地址、端口、数据库名、用户名和密码（.pgpass 或 PGPASSWORD），以及服务器是否允许这台电脑连接。"
        ) from exc
    if read_only:
        conn.execute("PRAGMA query_only = ON")
    return conn
