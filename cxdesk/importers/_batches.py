"""Operations on finished imports: list, undo, and the downloadable error list."""

from __future__ import annotations

from pathlib import Path

from cxdesk.errors import CxdeskError
from cxdesk.outpaths import atomic_output
from cxdesk.store import Batch, Store
from cxdesk.tablewriter import write_csv


def list_batches(store: Store) -> list[Batch]:
    """Every import batch, newest first (undone ones included, marked by status)."""
    return store.batches.all()


def undo_batch(store: Store, batch_id: int) -> int:
    """Remove exactly the rows batch ``batch_id`` added and mark it undone.

    Chat sessions that still hold messages from other batches survive and
    are recomputed. The store is backed up first (``Store.backup_before_change``: a file store only).
    Returns the number of rows removed.
    """
    batch = store.batches.get(batch_id)
    if batch is None:
        raise CxdeskError(f"没有编号为 {batch_id} 的导入批次。")
    if batch.status == "undone":
        raise CxdeskError(f"批次 {batch_id}（{batch.file_name}）已于 {batch.undone_at} 撤销过。")

    repo = {
        "reviews": store.reviews,
        "chats": store.chats,
        "orders": store.orders,
        "agent_report": store.agent_reports,
    }[batch.kind]
    store.backup_before_change(f"undo-{batch_id}")  # the newest 3 are kept; 设置 → 数据库备份 restores one
    with store.transaction():
        removed = repo.delete_batch(batch_id)
        store.batches.mark_undone(batch_id)
    return int(removed)


def write_rejects_csv(store: Store, batch_id: int, path: str | Path) -> int:
    """Write a batch's rejected rows as a CSV Excel opens correctly (UTF-8 BOM, formula-like cells neutralised),
    whole or not at all (:mod:`cxdesk.tablewriter`);
    ``path`` may not be the database (:func:`cxdesk.outpaths.atomic_output`).

    Returns the number of rows written.
    """
    rows = store.batches.rejects(batch_id)
    with atomic_output(path, store=store.path) as tmp:
        write_csv(tmp, ["行号/记录号", "原因", "原始内容"], [[(n, reason, raw or "") for n, reason, raw in rows]])
    return len(rows)
