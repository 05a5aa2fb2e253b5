"""The team store object: :class:`PgStore`, a :class:`cxdesk.store.Store` on a PostgreSQL server.

What differs from the file store: no file (``path`` is the address without its password), no WAL
or file backups (the server's own backups, e.g. ``pg_dump``, keep the data), a read-only session
instead of ``PRAGMA query_only``, and the schema version in a table (:mod:`cxdesk.store.pg.schema`).
Everything else — repositories, transactions with savepoints, operations — is the Store's own.
Who may do what (店主 / 客服) is the server's business (:mod:`cxdesk.store.pg.roles`): opening a store
makes the session act as its group, and a 店主's opening keeps the 客服 views in step with the schema.
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

    @property
    def team_role(self) -> str | None:
        """店主, 客服 or 管理员 for the person logged in (None on a database without roles): what the UI shows."""
        return getattr(self.conn, "team_role", None)

    @property
    def derived_read_only(self) -> bool:
        """True when this login may not rewrite derived data (analysis results, the 总览's pre-aggregates):
        a 客服. Such a store is reported from what it holds, as a read-only one is."""
        from cxdesk.store.pg.roles import AGENT

        return self.team_role == AGENT

    @property
    def personal_data_masked(self) -> bool:
        """True when this login reads buyers' personal data masked by the database (a 客服): a file written
        from it holds no unmasked data, whatever the caller asked."""
        return self.derived_read_only

    def reader(self) -> PgStore:
        from cxdesk.store.pg.roles import apply_session_role

        conn = connect(self.url, read_only=True)
        try:
            apply_session_role(conn)
        except BaseException:
            conn.close()
            raise
        # As the SQLite reader: the session only reads, the flag says whether the store may be written (the
        # GUI offers its write actions from the reader's flag; the writes go through the writer).
        return PgStore(self.url, conn, read_only=self.read_only, read_only_reason=self.read_only_reason)

    def refuse_writes(self, reason: str) -> None:
        self.read_only, self.read_only_reason = True, reason
        with self._lock:
            self.conn.execute("PRAGMA query_only = ON")

    def backup(self, reason: str):
        raise StoreError("团队数据库的备份由数据库服务器负责（例如每天用 pg_dump 备份），这台电脑上不为它做文件备份。")

    def backup_before_change(self, reason: str) -> None:
        """No file backup before an undo or a demo clear: the team database is backed up by its server."""
        self._refuse_if_read_only()
        return None

    @contextmanager
    def bulk_load(self, mebibytes: int = 256) -> Iterator[None]:
        yield

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.conn.close()


def open_pg_store(url: str, mode: str = "rw") -> PgStore:
    """Open the team store at ``url``; an empty database gets the schema (when opened for writing).

    When the database has the roles of :mod:`cxdesk.store.pg.roles`, the session acts as its group
    (店主 or 客服); a 店主 (or a superuser) also brings the schema and the 客服 views up to date, a 客服
    never changes the schema and is refused with a message when it is behind."""
    read_only = mode == "ro"
    conn = connect(url)
    try:
        _open_session(conn, url, read_only)
        if read_only:
            conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return PgStore(url, conn, read_only=read_only)


def _open_session(conn: PgConnection, url: str, read_only: bool) -> None:
    from cxdesk.store.pg import roles

    role = roles.apply_session_role(conn)
    if role == roles.AGENT:
        _check_version(conn, url, writable=False, role=role)
        roles.check_agent_views(conn)
        return
    prepare_schema(conn, display_url(url), read_only=read_only)
    if not read_only and role in (roles.OWNER, roles.ADMIN) and roles.roles_set_up(conn):
        roles.refresh_masked_views(conn)


def _check_version(conn: PgConnection, url: str, *, writable: bool, role: str | None = None) -> int:
    if schema.is_foreign(conn):
        raise NotADatabaseError(
            f"数据库“{display_url(url)}”里已有别的表，不是 cxdesk 的团队数据库。请新建一个空数据库给 cxdesk 使用。"
        )
    version = schema.schema_version(conn)
    if version > CURRENT_VERSION:
        raise NewerSchemaError(
            f"团队数据库“{display_url(url)}”由更新版本的 cxdesk 创建（结构版本 {version}），请先升级本程序。"
        )
    if version < CURRENT_VERSION and role is not None and not writable:
        raise StoreError(
            f"团队数据库“{display_url(url)}”需要升级到结构版本 {CURRENT_VERSION}（现在是 {version}），"
            f"升级只能由店主的账号进行，你的账号是{role}。请让店主先用这个版本的 cxdesk 打开一次团队数据库。"
        )
    if version < CURRENT_VERSION and not writable:
        raise ReadOnlyStoreError(
            f"团队数据库“{display_url(url)}”需要先升级到结构版本 {CURRENT_VERSION}，但这次是以只读方式打开的。"
        )
    return version


def prepare_schema(conn: PgConnection, url: str, *, read_only: bool = False) -> None:
    """Check the store on ``conn`` and bring its schema and SQLite functions up to date (unless ``read_only``)."""
    version = _check_version(conn, url, writable=not read_only)
    if version < CURRENT_VERSION:
        schema.migrate(conn, version)
    if not read_only:
        schema.refresh_compat(conn)
