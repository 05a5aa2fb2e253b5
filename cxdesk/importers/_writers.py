"""Writers: where each kind's records go in the store, with added/duplicate counts."""

from __future__ import annotations

from typing import Any, Protocol

from cxdesk.importers._sessions import ChatWriter
from cxdesk.store import Store


class Writer(Protocol):
    added: int
    duplicate: int
    sessions_added: int

    def write(self, records: list[Any]) -> None: ...

    def finish(self) -> None: ...


class _RowsWriter:
    """Reviews, orders and agent reports: one executemany per chunk, deduplicated by the store."""

    def __init__(self, repo: Any, shop_id: int, batch_id: int) -> None:
        self._repo, self._shop, self._batch = repo, shop_id, batch_id
        self.added = self.duplicate = self.sessions_added = 0

    def write(self, records: list[Any]) -> None:
        if records:
            added, dup = self._repo.insert_many(self._shop, self._batch, records)
            self.added += added
            self.duplicate += dup

    def finish(self) -> None:
        pass


def make_writer(kind: str, store: Store, shop_id: int, batch_id: int, gap_minutes: float) -> Writer:
    if kind == "chats":
        return ChatWriter(store, shop_id, batch_id, gap_minutes)
    if kind == "agent_report":
        return _RowsWriter(store.agent_reports, shop_id, batch_id)
    repo = store.reviews if kind == "reviews" else store.orders
    return _RowsWriter(repo, shop_id, batch_id)
