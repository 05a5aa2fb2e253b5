"""The local SQLite store: the only package that holds SQL.

``open_store(path)`` returns a :class:`Store` whose repositories (``shops``,
``batches``, ``reviews``, ``chats``, ``orders``) each own one table family.
Writes are grouped with ``with store.transaction():`` which rolls back on any
exception, so a failed import leaves the database exactly as before.

``open_store(path, mode=...)`` opens for writing (``"rw"``, the default),
only for reading (``"ro"``: the file is never changed), or ``"auto"``
(read-only when the file or folder cannot be written; ``store.read_only_reason``
says why). Commands that only read run inside ``with store_mode("auto"):``
so every store they open, however deep, is opened that way. A store that
fails the integrity check is refused (:mod:`cxdesk.store.integrity`);
backups live in :mod:`cxdesk.store.backups`.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from cxdesk.errors import ReadOnlyStoreError
from cxdesk.paths import default_db_path
from cxdesk.store import integrity
from cxdesk.store._schema import open_connection
from cxdesk.store.backups import Backup
from cxdesk.store.batches import Batch
from cxdesk.store.migrations import CURRENT_VERSION
from cxdesk.store.repos import Repos
from cxdesk.store.shops import PLATFORMS, Shop

__all__ = [
    "Batch",
    "CURRENT_VERSION",
    "PLATFORMS",
    "Repos",
    "Shop",
    "Store",
    "StoreCounts",
    "open_reader",
    "open_store",
    "store_exists",
    "store_mode",
]

log = logging.getLogger("cxdesk")

# The mode ``open_store`` uses when none is given, and who hears read-only notes (see store_mode).
_default_mode: ContextVar[tuple[str, Callable[[str], None] | None]] = ContextVar(
    "cxdesk_store_mode", default=("rw", None)
)


@contextmanager
def store_mode(mode: str, on_note: Callable[[str], None] | None = None) -> Iterator[None]:
    """Open every store in this block (this thread) in ``mode`` unless a caller names one.

    ``on_note(text)`` hears, once per file, why a store was opened read-only.
    """
    heard: set[str] = set()

    def note_once(text: str) -> None:
        if on_note is not None and text not in heard:
            heard.add(text)
            on_note(text)

    token = _default_mode.set((mode, note_once))
    try:
        yield
    finally:
        _default_mode.reset(token)


@dataclass(frozen=True)
class StoreCounts:
    """How many rows each user-visible table holds."""

    shops: int
    import_batches: int
    reviews: int
    chat_sessions: int
    chat_messages: int
    orders: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class Store(Repos):
    """A cxdesk database and its repositories (every repository is an attribute, see :class:`Repos`)."""

    engine = "sqlite"  # a team store (:class:`cxdesk.store.pg.store.PgStore`): "postgresql"

    def __init__(
        self, path: Path, conn: sqlite3.Connection, *, read_only: bool = False, read_only_reason: str | None = None
    ) -> None:
        self.path = path
        self.conn = conn
        self.read_only = read_only
        self.read_only_reason = read_only_reason  # why it had to be read-only; None when by choice
        self._closed = False
        integrity.store_opened(path)
        self._lock = threading.RLock()
        self._depth = 0  # nested transaction() blocks open (savepoints)

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    @property
    def journal_mode(self) -> str:
        return str(self.conn.execute("PRAGMA journal_mode").fetchone()[0])

    # What a team store's login may do (PgStore answers from the role); a file store: everything.
    @property
    def team_role(self) -> str | None:
        """店主, 客服 or 管理员 on a team store with roles; None here."""
        return None

    @property
    def derived_read_only(self) -> bool:
        """True when this login may not write imports or analysis results (a 客服); False here."""
        return False

    @property
    def personal_data_masked(self) -> bool:
        """True when the database hands this login buyers' personal data masked (a 客服); False here."""
        return False

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolls back on any exception (also Cancelled, and a failed COMMIT).

        The store's one transaction helper. Inside an open transaction it nests: the inner block
        is a savepoint (undone alone when it raises; the outer block decides whether to commit),
        so an operation can wrap repository calls that group their own writes.
        A read-only store refuses before anything starts.
        """
        self._refuse_if_read_only()
        with self._lock:
            if self.conn.in_transaction:
                name = f"nested_{id(self)}_{self._depth}"
                self._depth += 1
                self.conn.execute(f"SAVEPOINT {name}")
                try:
                    yield self.conn
                    self.conn.execute(f"RELEASE {name}")
                except BaseException:
                    if self.conn.in_transaction:
                        self.conn.execute(f"ROLLBACK TO {name}")
                        self.conn.execute(f"RELEASE {name}")
                    raise
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            why = self.read_only_reason or "它是以只读方式打开的"
            raise ReadOnlyStoreError(
                f"数据库“{self.path}”不能修改：{why}。这次操作没有进行，数据库未被修改。"
                "请检查文件和文件夹的权限，或把数据库复制到可写的位置后用 --db 指定。"
            )

    def reader(self) -> Store:
        """Another store on this file whose connection only reads (``PRAGMA query_only``): the GUI thread's.

        Every write goes through one writer (the GUI's ``ui.operations.OpRunner``); a write tried on a
        reader fails at once ("attempt to write a readonly database") instead of taking the file's
        write lock on the GUI thread. In WAL mode a reader never waits for the writer and sees each
        commit as soon as it is made.
        """
        from cxdesk.store._schema import open_read_only

        if self.read_only:
            conn = open_read_only(self.path)
        else:
            conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA query_only = ON")
        return Store(self.path, conn, read_only=self.read_only, read_only_reason=self.read_only_reason)

    def refuse_writes(self, reason: str) -> None:
        """From now on this store only reads (a check found the file damaged while it was open)."""
        self.read_only, self.read_only_reason = True, reason
        with self._lock:
            self.conn.execute("PRAGMA query_only = ON")

    def backup(self, reason: str) -> Backup:
        """Back up this store before a risky change (see :mod:`cxdesk.store.backups`); refused when read-only."""
        from cxdesk.store.backups import create_backup

        self._refuse_if_read_only()
        with self._lock:
            return create_backup(self.path, reason, source=self.conn, check=False)

    def backup_before_change(self, reason: str) -> Backup | None:
        """The backup taken before an undo or a demo clear: a file backup here; ``None`` on a team store,
        whose server does its own backups (:meth:`PgStore.backup_before_change`)."""
        return self.backup(reason)

    def _rollback(self) -> None:
        """Roll back what is open; SQLite may already have done it (a full disk), which is not a second error."""
        if not self.conn.in_transaction:
            return
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            log.warning("回滚数据库事务失败：%s", exc)

    @contextmanager
    def bulk_load(self, mebibytes: int = 256) -> Iterator[None]:
        """Settings for one big import, restored afterwards. Enter before ``transaction()``.

        A larger page cache: index inserts into a million-row table are
        page-cache bound. Foreign-key checks off: the importer only writes ids
        it has just read back inside the same transaction, and the three FK
        look-ups per message cost ~10% of the insert time.
        """
        with self._lock:
            conn = self.conn
            old_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
            old_fk = conn.execute("PRAGMA foreign_keys").fetchone()[0]
            conn.execute(f"PRAGMA cache_size = -{int(mebibytes) * 1024}")
            conn.execute("PRAGMA foreign_keys = OFF")
            try:
                yield
            finally:
                conn.execute(f"PRAGMA foreign_keys = {int(old_fk)}")
                conn.execute(f"PRAGMA cache_size = {int(old_cache)}")

    def counts(self) -> StoreCounts:
        q = self.conn.execute
        return StoreCounts(
            shops=q("SELECT COUNT(*) FROM shops").fetchone()[0],
            import_batches=q("SELECT COUNT(*) FROM import_batches WHERE status='done'").fetchone()[0],
            reviews=q("SELECT COUNT(*) FROM reviews").fetchone()[0],
            chat_sessions=q("SELECT COUNT(*) FROM chat_sessions").fetchone()[0],
            chat_messages=q("SELECT COUNT(*) FROM chat_messages").fetchone()[0],
            orders=q("SELECT COUNT(*) FROM orders").fetchone()[0],
        )

    def is_empty(self) -> bool:
        c = self.counts()
        return c.reviews == 0 and c.chat_messages == 0 and c.orders == 0

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.conn.close()
        integrity.store_closed(self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def store_exists(target: str | Path) -> bool:
    """Whether ``target`` names a store that exists: a file that is there, or a team store's address
    (the server answers when it is opened)."""
    from cxdesk.store.pg import is_postgres_url

    return is_postgres_url(target) or Path(target).exists()


def store_location(path: str | Path) -> str | Path:
    """A store's place as callers keep it: a file's Path, or a team store's ``postgresql://`` address as text
    (``Path`` would fold its ``//`` into ``/`` and name a local file)."""
    from cxdesk.store.pg import is_postgres_url

    return str(path) if is_postgres_url(str(path)) else Path(path)


def open_reader(path: str | Path) -> sqlite3.Connection:
    """A read-only connection for worker processes that only read texts.

    WAL lets them read while the job's thread writes results. ``path`` may be a team store's
    ``postgresql://`` address (:attr:`Store.path`): a read-only session on the server.
    """
    from cxdesk.store.pg import is_postgres_url

    if is_postgres_url(path):
        from cxdesk.store.pg import connect

        return connect(str(path), read_only=True)  # type: ignore[return-value]
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def open_store(path: str | Path | None = None, mode: str | None = None, *, read_only: bool = False) -> Store:
    """Open the database at ``path`` or the default location (a ``postgresql://`` address: the team
    store on a PostgreSQL server, :mod:`cxdesk.store.pg`).

    ``mode``: ``"rw"`` (create, migrate, write), ``"ro"`` (read only, never
    changes the file; also ``read_only=True``) or ``"auto"``; default: the
    one set by :func:`store_mode`, else ``"rw"``. Raises the
    :mod:`cxdesk.errors` store errors with a user-facing message.
    """
    default, on_note = _default_mode.get()
    chosen = "ro" if read_only else (mode or default)
    from cxdesk.store.pg import is_postgres_url

    if is_postgres_url(path):
        from cxdesk.store.pg.store import open_pg_store

        return open_pg_store(str(path).strip(), "ro" if chosen == "ro" else "rw")
    db_path = Path(path) if path is not None else default_db_path()
    conn, reason, is_read_only = open_connection(db_path, chosen)
    if reason and on_note is not None:
        on_note(f"注意：{reason}，已以只读方式打开“{db_path}”，不会修改它。")
    return Store(db_path, conn, read_only=is_read_only, read_only_reason=reason)
