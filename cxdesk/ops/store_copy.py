"""Copy a whole store into another, empty one (a SQLite file ⇄ the team database), verified.

:func:`copy` writes into the store it runs on (the destination: the operation's store is the one
that changes) from ``source``; ``value`` is the :class:`cxdesk.store.copy.CopyReport` with each
table's rows and checksums on both sides. The source is only read.
"""

from __future__ import annotations

from typing import Any

from cxdesk.ops import ANALYSIS, BATCHES, CHATS, FAQ, FLAGS, ORDERS, REVIEWS, RISK_SCORES, SHOPS, OpChanges
from cxdesk.store import Store
from cxdesk.tasks import JobContext


def copy(store: Store, ctx: JobContext, source: Any) -> OpChanges:
    """Fill the empty ``store`` with every row of ``source`` and verify (see :mod:`cxdesk.store.copy`).

    A team store on either side is held with the import/analysis lock for the copy
    (:func:`cxdesk.store.pg.locks.work_lock`): no import or analysis writes into the destination
    meanwhile, and the source's tables are not changed by one half-way through the read. When a
    colleague runs one, the copy is refused at once with who and how far (nothing is written)."""
    from cxdesk.store.copy import copy_store
    from cxdesk.store.pg.locks import work_lock

    with work_lock(source, "copy", ctx) as reading, work_lock(store, "copy", reading) as job:
        report = copy_store(source, store, job)
    summary = (
        f"已复制 {report.rows} 行（{len(report.tables)} 个表），核对一致"
        if report.ok
        else "复制后核对不一致：" + "、".join(t.table for t in report.tables if not t.ok)
    )
    return OpChanges.of(
        "store_copy",
        SHOPS,
        BATCHES,
        REVIEWS,
        CHATS,
        ORDERS,
        ANALYSIS,
        FLAGS,
        RISK_SCORES,
        FAQ,
        summary=summary,
        value=report,
    )
