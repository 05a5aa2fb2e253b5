"""The team store object: :class:`PgStore`, a :class:`cxdesk.store.Store` on a PostgreSQL server.

What differs from the file store: no file (``path`` is the address without its password), no WAL
or file backups (the server's own backups, e.g. ``pg_dump``, keep the data), a read-only session
instead of ``PRAGMA query_only``, and the schema version in a table (:mod:`cxdesk.store.pg.schema`).
Everything else — repositories, transactions with savepoints, operations — is the Store's own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from cxdesk.errors import NewerSchemaError, NotADatabaseError, ReadOnlyStoreError, StoreError
from cxdesk.store import Store
from cxdesk.store.migrations import CURRENT_VERSION
from cxdesk.store.pg import connect, display_url, schema
from cxdesk.store.pg.connection import PgConnection


class PgStore(Store):
    """A cxdesk store on a PostgreSQL server (see the module doc)."""

    engine = "postgresql"

    def __init__(
        self, url: str, conn: PgConnection, *, read_only: bool = False, read_only_reason: str | None = None
    ) -> None:
        # Not Store.__init__: there is no file to register with the integrity checks.
        self.conn = conn  # type: ignore[assignment]
        self.url = url
        self.path = display_url(url)  # type: ignore[assignment]
        self.read_only = read_only
        self.read_only_reason = read_only_reason
        self._closed = False
        self._lock = threading.RLock()
        self._depth = 0

    @property
    def schema_version(self) -> int:
        return schema.schema_version(self.conn)

    @property
    def journal_mode(self) -> str:
        return "postgresql"

    def reader(self) -> PgStore:
        conn = connect(self.url, read_only=True)
        return PgStore(self.url, conn, read_only=True, read_only_reason=self.read_only_reason)

    def refuse_writes(self, reason: str) -> None:
        self.read_only, self.read_only_reason = True, reason
        with self._lock:
            self.conn.execute("PRAGMA query_only = ON")

    def backup(self, reason: str):
        raise StoreError("团队数据库的备份由数据库服务器负责（例如每天用 pg_dump 备份），这台电脑上不为它做文件备份。")

    @contextmanager
    def bulk_load(self, mebibytes: int = 256) -> Iterator[None]:
        yield

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.conn.close()


def open_pg_store(url: str, mode: str = "rw") -> PgStore:
    """Open the team store at ``url``; an empty database gets the schema (when opened for writing)."""
    read_only = mode == "ro"
    conn = connect(url)
    try:
        if schema.is_foreign(conn):
            raise NotADatabaseError(
                f"数据库“{display_url(url)}”里已有别的表，不是 cxdesk 的团队数据库。请新建一个空数据库给 cxdesk 使用。"
            )
        version = schema.schema_version(conn)
        if version > CURRENT_VERSION:
            raise NewerSchemaError(
                f"团队数据库“{display_url(url)}”由更新版本的 cxdesk 创建（结构版本 {version}），请先升级本程序。"
            )
        if version < CURRENT_VERSION:
            if read_only:
                raise ReadOnlyStoreError(
                    f"团队数据库“{display_url(url)}”需要先升级到结构版本 {CURRENT_VERSION}，但这次是以只读方式打开的。"
                )
            schema.migrate(conn, version)
        if not read_only:
            schema.refresh_compat(conn)
        if read_only:
            conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return PgStore(url, conn, read_only=read_only)
