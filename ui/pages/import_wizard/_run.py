"""「开始导入」: snapshot the waiting files, import them in one job, show the outcomes.

A mixin of :class:`ui.pages.import_page.ImportPage` (it uses the page's
widgets and ``ctx``), kept apart so each module stays small.
"""

from __future__ import annotations

from typing import Any

from ui.pages.import_wizard._file_list import FileEntry
from ui.pages.import_wizard._tasks import FileTask, RunResult, import_job
from ui.workers import Job

RETRY_STATES = ("ready", "failed", "cancelled", "skipped")
OWNER_IMPORT = "import/run"


class ImportRunMixin:
    """Start, follow, cancel and finish an import run."""

    ctx: Any
    entries: list[FileEntry]
    import_job: Job | None
    form: Any
    summary: Any
    tabs: Any
    progress_bar: Any
    progress_label: Any
    cancel_button: Any
    sig_import_finished: Any
    _shop_names: list[str]

    def start_import(self) -> None:
        """Import every waiting file in one background job (one batch per file)."""
        entries = [e for e in self.entries if e.detection is not None and e.status in RETRY_STATES]
        if not entries or self.import_job is not None:
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
        job = Job(self, import_job, self.ctx.store.path, tasks, label="导入文件").without_progress_dialog()
        job.on_success(self._on_imported)
        job.sig_progress.connect(self._on_progress)
        job.sig_finished.connect(lambda: self._on_import_finished(job))
        self.import_job = job
        self.progress_bar.setRange(0, 0)
        self.progress_label.setText("正在准备导入…")
        self.cancel_button.setEnabled(True)
        self._set_progress_visible(True)
        self._update_buttons()
        self.ctx.jobs.start(OWNER_IMPORT, job)

    def cancel_import(self) -> None:
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

    def _on_imported(self, result: RunResult) -> None:
        by_path = {e.path: e for e in self.entries}
        for outcome in result.outcomes:
            entry = by_path.get(outcome.path)
            if entry is not None:
                entry.status, entry.summary, entry.message = outcome.status, outcome.summary, outcome.message
        self.summary.show_outcomes(result.outcomes, result.cancelled)
        self.tabs.setCurrentWidget(self.summary)

    def _on_import_finished(self, job: Job) -> None:
        self.import_job = None
        self._set_progress_visible(False)
        for entry in self.entries:
            if entry.status == "importing":  # the job failed unexpectedly (its dialog says why)
                entry.status, entry.message = "failed", "导入时发生意外错误，详见错误对话框。"
        for entry in self.entries:
            self._update_row(entry)
        self.form.set_entry(self.current_entry(), self._shop_names)
        self._update_buttons()
        self.ctx.data_changed()  # also refreshes this page (history, shops)
        self.refresh()  # when shown on its own, data_changed may not reach us
        self.sig_import_finished.emit(job.result if job.state == "succeeded" else None)
