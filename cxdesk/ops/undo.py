"""Undo an import batch: exactly the rows it added go, with what was derived from them.

The store is backed up first (:func:`cxdesk.importers.undo_batch`); chat sessions that
keep messages of other batches are recomputed. Risk flags, scores, FAQ questions and
other analysis results of the removed rows go with them, so every page that shows them
hears so.
"""

from __future__ import annotations

from cxdesk.ops import ANALYSIS, BATCHES, CHATS, FAQ, FLAGS, ORDERS, REVIEWS, RISK_SCORES, SHOPS, OpChanges
from cxdesk.store import Store
from cxdesk.tasks import JobContext


def undo_batch(store: Store, ctx: JobContext, batch_id: int) -> OpChanges:
    """Undo batch ``batch_id``; ``value``: the number of rows removed. A missing or already undone
    batch raises :class:`cxdesk.errors.CxdeskError` with the reason."""
    from cxdesk import importers

    ctx.progress(0, 0, f"正在撤销批次 {batch_id}")
    removed = importers.undo_batch(store, int(batch_id))
    return OpChanges.of(
        "undo_batch",
        SHOPS, BATCHES, REVIEWS, CHATS, ORDERS, FLAGS, RISK_SCORES, ANALYSIS, FAQ,
        ids={BATCHES: [int(batch_id)]},
        summary=f"已撤销批次 {batch_id}，删除 {removed:,} 行",
        value=removed,
    )  # fmt: skip
