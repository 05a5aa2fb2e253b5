"""The local SQLite store: the only package that holds SQL.

``open_store(path)`` returns a :class:`Store` whose repositories (``shops``,
``batches``, ``reviews``, ``chats``, ``orders``) each own one table family.
Writes are grouped with ``with store.transaction():`` which rolls back on any
exception, so a failed import leaves the database exactly as before.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cxdesk.paths import default_db_path
from cxdesk.store._schema import connect
from cxdesk.store.batches import Batch, BatchesRepo
from cxdesk.store.chats import ChatsRepo
from cxdesk.store.exports import ExportsRepo
from cxdesk.store.faq import FaqRepo
from cxdesk.store.flags import FlagsRepo
from cxdesk.store.meta import MetaRepo
from cxdesk.store.migrations import CURRENT_VERSION
from cxdesk.store.orders import OrdersRepo
from cxdesk.store.results import ResultsRepo
from cxdesk.store.reviews import ReviewsRepo
from cxdesk.store.shop_models import ShopModelsRepo
from cxdesk.store.shops import PLATFORMS, Shop, ShopsRepo
from cxdesk.store.voc import VocRepo

__all__ = [
    "Batch", "CURRENT_VERSION", "PLATFORMS", "Shop", "Store", "StoreCounts", "open_reader", "open_store",
]


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


class Store:
    """A cxdesk database and its repositories."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self._lock = threading.RLock()
        self.shops = ShopsRepo(conn)
        self.batches = BatchesRepo(conn)
        self.reviews = ReviewsRepo(conn)
        self.chats = ChatsRepo(conn)
        self.orders = OrdersRepo(conn)
        self.meta = MetaRepo(conn)
        self.results = ResultsRepo(conn)
        self.exports = ExportsRepo(conn)
        self.shop_models = ShopModelsRepo(conn)
        self.flags = FlagsRepo(conn)
        self.voc = VocRepo(conn)
        self.faq = FaqRepo(conn)

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    @property
    def journal_mode(self) -> str:
        return str(self.conn.execute("PRAGMA journal_mode").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolls back on any exception (also Cancelled)."""
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

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
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_reader(path: str | Path) -> sqlite3.Connection:
    """A read-only connection for worker processes that only read texts.

    WAL lets them read while the job's thread writes results.
    """
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def open_store(path: str | Path | None = None) -> Store:
    """Open (create, migrate) the database at ``path`` or the default location.

    Raises the :mod:`cxdesk.errors` store errors with a user-facing message.
    """
    db_path = Path(path) if path is not None else default_db_path()
    return Store(db_path, connect(db_path))
