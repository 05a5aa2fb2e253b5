"""Undo a batch and export its rejected rows: the history side of the import page.

A mixin rather than a second widget so the page keeps one ``ctx`` and one
message line; it needs ``self.ctx``, ``self.history``, ``self.settings``,
``self.message_label`` and the ``sig_undo_finished`` signal of the page.
Undoing writes: it is the operation :func:`cxdesk.ops.undo.undo_batch` on the
window's writer, which then tells every page what went. Exporting the
rejected rows only reads: a background job of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from cxdesk.importers import list_batches
from cxdesk.ops import OpChanges
from cxdesk.store import Batch
from ui.pages.import_wizard._tasks import export_rejects_job
from ui.settings import LAST_EXPORT_DIR
from ui.workers import Job

OWNER_EXPORT = "import/export"


class HistoryActionsMixin:
    """「撤销此批次」 and 「导出错误行…」 for :class:`ui.pages.import_page.ImportPage`."""

    ctx: Any
    history: Any
    settings: Any
    message_label: Any
    sig_undo_finished: Any

    def _batches(self) -> list[Batch]:
        return list_batches(self.ctx.store)

    # --- undo ---------------------------------------------------------------------------

    def undo_batch(self, batch_id: int) -> None:
        """Ask, then undo batch ``batch_id`` on the window's writer (with a progress dialog)."""
        from cxdesk.ops.undo import undo_batch

        batch = self.ctx.store.batches.get(batch_id)
        if batch is None or batch.status != "done" or not self.confirm_undo(batch):
            return
        self.history.set_busy(True)
        self.ctx.ops.run(
            self,
            undo_batch,
            batch_id,
            label="撤销导入批次",
            origin=self.key,  # type: ignore[attr-defined]
            on_done=lambda changes: self._on_undone(batch, changes),
        )

    def confirm_undo(self, batch: Batch) -> bool:
        """The confirm dialog (tests replace ``QMessageBox.question``)."""
        extra = "，并重新计算受影响的会话" if batch.kind == "chats" else ""
        answer = QMessageBox.question(
            self,  # type: ignore[arg-type]
            "撤销导入批次",
            f"确定撤销批次 {batch.id}（{batch.file_name}，{batch.imported_at[:16]} 导入）吗？\n\n"
            f"将删除这一批新增的 {batch.rows_added:,} 条数据{extra}；其他批次的数据不受影响。",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _on_undone(self, batch: Batch, changes: OpChanges) -> None:
        removed = int(changes.value)
        self.message_label.setText(f"已撤销批次 {batch.id}（{batch.file_name}），删除了 {removed:,} 条数据。")
        self.history.set_busy(False)
        self.refresh()  # type: ignore[attr-defined]  # before the signal: listeners see the new history
        self.sig_undo_finished.emit(batch.id)

    # --- rejected rows ------------------------------------------------------------------

    def export_rejects(self, batch_id: int, file_name: str) -> None:
        """Ask where, then write batch ``batch_id``'s rejected rows as CSV in the background."""
        target = self.ask_export_path(file_name)
        if target is None:
            return
        self.settings.set(LAST_EXPORT_DIR, str(target.parent))
        job = Job(self, export_rejects_job, self.ctx.store.path, batch_id, target, label="导出错误行")
        job.on_success(lambda n: self.message_label.setText(f"已把 {n:,} 条错误行导出到 {target}"))
        self.ctx.jobs.start(OWNER_EXPORT, job)

    def ask_export_path(self, file_name: str) -> Path | None:
        """The save dialog (tests replace this method)."""
        from ui.widgets.save_path import ask_save_path

        folder = self.settings.get(LAST_EXPORT_DIR) or str(Path.home())
        default = Path(folder) / f"{Path(file_name).stem}-错误行.csv"
        return ask_save_path(self, "导出错误行", default, "CSV 文件 (*.csv)", self.ctx.store.path)  # type: ignore[arg-type]
