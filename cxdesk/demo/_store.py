"""The demo's own database, and clearing a demo that older versions put into the user's store.

The demo shop lives in a database file of its own (:func:`cxdesk.paths.demo_db_path`,
``demo.sqlite3`` beside the user's ``cxdesk.sqlite3``): the user's store starts
empty and never receives demo rows from the app. Versions before this one
built the demo into the user's store on a first start; :func:`clear_demo`
removes exactly those batches (rows marked ``synthetic``) and what analysis
derived from their rows, in one transaction after one backup, so the user's
own imports stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxdesk.paths import demo_db_path, is_demo_db as is_demo_store  # noqa: F401  (re-exported)
from cxdesk.store import Batch, Store, open_store
from cxdesk.tasks import JobContext

DEMO_BUILT_KEY = "demo_built_seed"


def demo_store_ready(path: str | Path | None = None) -> bool:
    """The demo database exists and was built completely (a half-built or missing one is built again)."""
    path = demo_db_path() if path is None else Path(path)
    if not path.is_file():
        return False
    with open_store(path) as store:
        return store.meta.get(DEMO_BUILT_KEY) is not None and store.batches.any_synthetic()


def demo_batches(store: Store) -> list[Batch]:
    """The store's demo batches still in place (marked synthetic, not undone), oldest first."""
    return sorted((b for b in store.batches.all() if b.synthetic and b.status == "done"), key=lambda b: b.id)


def own_batches(store: Store) -> list[Batch]:
    """Batches the user imported (not synthetic, not undone)."""
    return [b for b in store.batches.all() if not b.synthetic and b.status == "done"]


@dataclass(frozen=True)
class ClearDemoSummary:
    """What :func:`clear_demo` removed; ``describe()`` is shown to the user."""

    db_path: Path
    batches: int
    rows_removed: int
    backup_id: str | None

    def describe(self) -> str:
        if not self.batches:
            return "数据库中没有演示数据，无需清除。"
        done = (
            f"已清除演示数据：撤销了 {self.batches} 个演示数据批次，删除 {self.rows_removed:,} 条记录"
            f"及其分析结果；您自己导入的数据未受影响。"
        )
        if self.backup_id is None:  # a team store: its server keeps the backups
            return done
        return done + f"清除前的数据库已备份（{self.backup_id}），可在 设置 → 数据库备份 中恢复。"


def clear_demo(ctx: JobContext, db_path: str | Path) -> ClearDemoSummary:
    """Job: remove every demo batch from the store at ``db_path`` (the user's own batches stay).

    The store is backed up once first (reason ``undo-<batch ids>``, listed as
    「撤销导入批次 … 前」), then every demo batch is undone the way
    :func:`cxdesk.importers.undo_batch` undoes one — the batch's rows with
    their sentiment and risk flags, sessions left empty, the batch marked
    undone — all in one transaction: an interruption leaves the store as it
    was. Per-batch ``undo_batch`` calls are not used because each makes its
    own backup, and only the newest three are kept: the backup taken before
    the first demo batch went would be pruned by the last.
    """

    with open_store(db_path) as store:
        return clear_demo_store(ctx, store)


def clear_demo_store(ctx: JobContext, store: Store) -> ClearDemoSummary:
    """:func:`clear_demo` on an open store (the GUI's writer)."""
    ctx.progress(0, 0, "正在清除演示数据…")
    batches = demo_batches(store)
    if not batches:
        return ClearDemoSummary(store.path, 0, 0, None)
    ctx.check()
    backup = store.backup_before_change("undo-" + "-".join(str(b.id) for b in batches))
    repos = {
        "reviews": store.reviews,
        "chats": store.chats,
        "orders": store.orders,
        "agent_report": store.agent_reports,
    }
    removed = 0
    with store.transaction():
        for i, batch in enumerate(batches):
            ctx.check()
            ctx.progress(i, len(batches), f"正在撤销演示数据批次 {batch.id}（{batch.file_name}）")
            removed += int(repos[batch.kind].delete_batch(batch.id))
            store.batches.mark_undone(batch.id)
        # The demo shops go too when nothing of the user's is filed under them (they would
        # stay in every shop list with no data).
        store.shops.delete_unused([b.shop_id for b in batches if b.shop_id is not None])
        store.meta.delete_prefix(DEMO_BUILT_KEY)
    ctx.progress(len(batches), len(batches), "已清除演示数据")
    return ClearDemoSummary(store.path, len(batches), removed, backup.id if backup else None)
