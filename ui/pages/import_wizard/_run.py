"""「开始导入」: snapshot the waiting files, import them on the window's writer, show the outcomes.

A mixin of :class:`ui.pages.import_page.ImportPage` (it uses the page's
widgets and ``ctx``), kept apart so each module stays small. The import is the
operation :func:`cxdesk.ops.imports.import_files`, queued on ``ctx.ops`` (the
window's one writer); its progress shows in the page's own bar, not a dialog,
and 取消 stops it between rows. When it is done, the runner tells every page
what it wrote (shops, batches, reviews/chats/orders).
"""

from __future__ import annotations

from typing import Any


from cxdesk.ops import OpChanges
from ui.pages.import_wizard._file_list import FileEntry
from ui.pages.import_wizard._tasks import FileTask, RunResult
from ui.workers import Job

RETRY_STATES = ("ready", "failed", "cancelled", "skipped")
IMPORT_LABEL = "导入文件"


class ImportRunMixin:
    """Start, follow, cancel and finish an import run."""

    ctx: Any
    entries: list[FileEntry]
    import_job: Job | None
    importing: bool
    _cancel_asked: bool
    form: Any
    summary: Any
    tabs: Any
    progress_bar: Any
    progress_label: Any
    cancel_button: Any
    sig_import_finished: Any
    _shop_names: list[str]

    def start_import(self) -> None:
        """Import every waiting file in one operation (one batch per file)."""
        from cxdesk.ops.imports import import_files

        entries = [e for e in self.entries if e.detection is not None and e.status in RETRY_STATES]
        if not entries or self.importing:
            return
        tasks = [
            FileTask(e.path, e.detection, e.kind, e.platform, e.shop or None, e.import_mapping(), e.session_gap_minutes)
            for e in entries
            if e.detection is not None
        ]
        for e in entries:
            e.status, e.message, e.summary = "importing", "", None
            self._update_row(e)
        self.form.set_entry(self.current_entry(), self._shop_names)
        self.importing, self.import_job, self._cancel_asked = True, None, False
        self.progress_bar.setRange(0, 0)
        self.progress_label.setText("正在准备导入…")
        self.cancel_button.setEnabled(True)
        self._set_progress_visible(True)
        self._update_buttons()
        self.ctx.ops.run(
            self,
            import_files,
            tasks,
            label=IMPORT_LABEL,
            origin=self.key,
            on_done=self._on_imported,
            on_started=self._follow_import_job,
            progress=False,  # the page's own progress row
        )

    def _follow_import_job(self, job: Job) -> None:
        """The writer starts the import (at once when nothing runs before it): follow its progress."""
        self.import_job = job
        job.sig_progress.connect(self._on_progress)
        job.sig_finished.connect(lambda: self._on_import_job_finished(job))
        if self._cancel_asked:
            job.cancel()

    def cancel_import(self) -> None:
        if not self.importing:
            return
        self._cancel_asked = True
        if self.import_job is not None:
            self.import_job.cancel()
        self.cancel_button.setEnabled(False)
        self.progress_label.setText("正在取消，当前文件的改动将撤回…")

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
        else:
            self.progress_bar.setRange(0, 0)
        self.progress_label.setText(message)

    def _on_imported(self, changes: OpChanges) -> None:
        result: RunResult = changes.value
        by_path = {e.path: e for e in self.entries}
        for outcome in result.outcomes:
            entry = by_path.get(outcome.path)
            if entry is not None:
                entry.status, entry.summary, entry.message = outcome.status, outcome.summary, outcome.message
        self.summary.show_outcomes(result.outcomes, result.cancelled)
        self.tabs.setCurrentWidget(self.summary)
        self._finish_import(result)

    def _on_import_job_finished(self, job: Job) -> None:
        if job.state != "succeeded":  # failed unexpectedly (its dialog says why); success came through on_done
            self._finish_import(None)

    def _on_ops_idle(self, busy: bool) -> None:
        if not busy and self.importing:  # the import failed before its job could be followed
            self._finish_import(None)

    def _finish_import(self, result: RunResult | None) -> None:
        if not self.importing:
            return
        self.importing, self.import_job = False, None
        self._set_progress_visible(False)
        for entry in self.entries:
            if entry.status == "importing":  # the import failed unexpectedly (its dialog says why)
                entry.status, entry.message = "failed", "导入时发生意外错误，详见错误对话框。"
        for entry in self.entries:
            self._update_row(entry)
        self.form.set_entry(self.current_entry(), self._shop_names)
        self._update_buttons()
        self.sig_import_finished.emit(result)
