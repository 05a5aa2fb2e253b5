"""导入: the import wizard — add files, check what was detected, preview, import, undo.

Flow: files dropped on the page or picked with 「选择文件…」 are detected in
the background, one job per file; the selected file's settings (kind,
platform, shop, column mapping) sit on the left and the preview of its
first rows, as they will be stored, on the right. 「开始导入」 imports every
waiting file in one operation on the window's writer (one undoable batch per
file, :func:`cxdesk.ops.imports.import_files`); the results and the whole
import history are in the tabs at the bottom. Undoing a batch is an
operation too (:func:`cxdesk.ops.undo.undo_batch`). The page reloads its
history and shop names when an operation changed shops or batches.

All reading, mapping and writing is ``cxdesk.importers``; this page only
snapshots the user's choices (STYLE §7) and shows outcomes. Expected
problems are shown inline, in red; only bugs get the Job helper's dialog.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cxdesk.ops import BATCHES, SHOPS
from ui.models.import_preview_model import ImportPreviewModel
from ui.pages.base import BasePage, PageContext
from ui.pages.import_wizard._actions import HistoryActionsMixin
from ui.pages.import_wizard._file_list import FileEntry, FileListWidget
from ui.pages.import_wizard._mapping_form import MappingForm
from ui.pages.import_wizard._preview import preview_columns, proposed_mapping
from ui.pages.import_wizard._results import HistoryPanel, SummaryTable
from ui.pages.import_wizard._run import RETRY_STATES, ImportRunMixin
from ui.pages.import_wizard._tasks import PREVIEW_ROWS, detect_job, preview_job
from ui.settings import LAST_IMPORT_DIR, UiSettings
from ui.workers import Job

FILE_FILTER = "平台导出文件 (*.csv *.tsv *.txt *.xlsx *.json);;所有文件 (*)"
DROP_HINT = (
    "把平台后台导出的评价、客服聊天记录或订单文件拖到这里，或点「选择文件…」（可多选）。"
    "支持 CSV / Excel / JSON，千牛聊天文本和京东 JDDC 对话文件。"
)
AGENT_HINT = "你的账号是客服：导入数据、撤销导入由店主进行。这里可以查看导入历史。"
OWNER_PREVIEW = "import/preview"
MIN_PREVIEW_COLUMN, MAX_PREVIEW_COLUMN = 70, 300  # px: readable, and long texts do not hide the rest


class ImportPage(ImportRunMixin, HistoryActionsMixin, BasePage):
    """The import wizard."""

    key = "import"
    title = "导入"
    icon = QStyle.StandardPixmap.SP_DialogOpenButton
    watches = frozenset({SHOPS, BATCHES})  # the history and the shop names

    sig_preview_ready = Signal()
    sig_import_finished = Signal(object)  # RunResult, or None after an unexpected failure
    sig_undo_finished = Signal(int)

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.entries: list[FileEntry] = []
        self.settings = UiSettings()  # PageContext carries no settings (see report)
        self.importing = False  # an import was asked for and has not finished
        self.import_job: Job | None = None  # its job, once the writer runs it
        self._cancel_asked = False
        self._shop_names: list[str] = []
        # A 客服 on a team store may not import (the server refuses it): say so before files are picked.
        self.may_import = not ctx.store.derived_read_only
        self.setAcceptDrops(self.may_import)
        self._build()
        if ctx.ops is not None:
            ctx.ops.sig_busy_changed.connect(self._on_ops_busy)
        self.refresh()

    # --- building ----------------------------------------------------------------

    def _build(self) -> None:
        self.hint_label = QLabel(DROP_HINT if self.may_import else AGENT_HINT, self)
        self.hint_label.setWordWrap(True)
        self.add_button = QPushButton("选择文件…", self)
        self.add_button.setEnabled(self.may_import)
        self.remove_button = QPushButton("移除", self)
        self.clear_button = QPushButton("清空列表", self)
        self.start_button = QPushButton("开始导入", self)
        self.start_button.setDefault(True)
        self.start_button.setMinimumWidth(110)
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button.clicked.connect(self.clear_files)
        self.start_button.clicked.connect(self.start_import)
        self.file_list = FileListWidget(self)
        self.file_list.setMinimumHeight(60)
        self.file_list.sig_current_changed.connect(self._on_current_changed)
        self.form = MappingForm(self)
        self.form.sig_mapping_changed.connect(self._on_mapping_changed)
        self.form.sig_settings_changed.connect(self._on_settings_changed)
        self.preview_model = ImportPreviewModel(self)
        self.preview_view = QTableView(self)
        self.preview_view.setModel(self.preview_model)
        self.preview_view.setWordWrap(False)
        self.preview_view.horizontalHeader().setDefaultSectionSize(130)
        self.preview_title = QLabel("预览", self)
        self.preview_error = QLabel(self)
        self.preview_error.setWordWrap(True)
        self.preview_error.setStyleSheet("color: #b00020;")
        self.preview_error.hide()
        self.summary = SummaryTable(self)
        self.summary.sig_export_rejects.connect(self.export_rejects)
        self.history = HistoryPanel(self)
        if not self.may_import:
            self.history.may_undo = False
            self.history.undo_button.setToolTip("你的账号是客服：撤销导入由店主进行")
        self.history.sig_undo.connect(self.undo_batch)
        self.history.sig_export_rejects.connect(self.export_rejects)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.summary, "导入结果")
        self.tabs.addTab(self.history, "导入历史")
        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._build_layout()

    def _build_layout(self) -> None:
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.clear_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.hint_label)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.file_list, 1)
        top_layout.addLayout(self._build_progress_row())
        preview = QWidget(self)
        preview_layout = QVBoxLayout(preview)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.addWidget(self.preview_title)
        preview_layout.addWidget(self.preview_error)
        preview_layout.addWidget(self.preview_view, 1)
        self.middle = QSplitter(Qt.Orientation.Horizontal, self)
        self.middle.addWidget(self.form)
        self.middle.addWidget(preview)
        self.middle.setStretchFactor(1, 1)
        self.middle.setSizes([330, 770])
        self.vsplit = QSplitter(Qt.Orientation.Vertical, self)
        for w in (top, self.middle, self.tabs):
            self.vsplit.addWidget(w)
        self.vsplit.setSizes([160, 400, 200])
        layout = QVBoxLayout(self)
        layout.addWidget(self.vsplit, 1)
        layout.addWidget(self.message_label)
        self._update_buttons()

    def _build_progress_row(self) -> QHBoxLayout:
        self.progress_label = QLabel(self)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setTextVisible(True)
        self.cancel_button = QPushButton("取消", self)
        self.cancel_button.clicked.connect(self.cancel_import)
        row = QHBoxLayout()
        row.addWidget(self.progress_label, 2)
        row.addWidget(self.progress_bar, 3)
        row.addWidget(self.cancel_button)
        self._set_progress_visible(False)
        return row

    def _set_progress_visible(self, visible: bool) -> None:
        for w in (self.progress_label, self.progress_bar, self.cancel_button):
            w.setVisible(visible)

    # --- data ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the history and the shop names (after any import or undo)."""
        store = self.ctx.store
        shops = store.shops.all()
        self._shop_names = list(dict.fromkeys(s.name for s in shops))
        batches = self._batches()
        self.history.set_batches(batches, {s.id: s.name for s in shops})
        self.tabs.setTabText(self.tabs.indexOf(self.history), f"导入历史（{len(batches)}）" if batches else "导入历史")
        entry = self.current_entry()
        if entry is not None and self.form.entry is entry:
            self.form.set_entry(entry, self._shop_names)

    def current_entry(self) -> FileEntry | None:
        row = self.file_list.current_index()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    # --- adding files ----------------------------------------------------------------

    def choose_files(self) -> None:
        start = self.settings.get(LAST_IMPORT_DIR) or str(Path.home())
        names, _ = QFileDialog.getOpenFileNames(self, "选择要导入的文件", start, FILE_FILTER)
        self.add_files(Path(n) for n in names)

    def add_files(self, paths: Iterable[Path | str]) -> None:
        """List ``paths`` (new ones are detected in the background) and select the first."""
        first: FileEntry | None = None
        for raw in paths:
            path = Path(raw).resolve()
            entry = next((e for e in self.entries if e.path == path), None)
            if entry is None:
                entry = FileEntry(path)
                self.entries.append(entry)
                self.file_list.add_entry(entry)
                self._start_detect(entry)
            elif entry.status in ("done", "failed", "cancelled", "skipped") and entry.detection is not None:
                entry.status, entry.message, entry.summary = "ready", "", None  # offered again: import again
                self._update_row(entry)
            first = first or entry
            self.settings.set(LAST_IMPORT_DIR, str(path.parent))
        if first is not None:
            row = self.entries.index(first)
            if self.file_list.current_index() == row:
                self._on_current_changed(row)  # no selection change: show it afresh
            else:
                self.file_list.selectRow(row)
        self._update_buttons()

    def remove_selected(self) -> None:
        entry = self.current_entry()
        if entry is None or entry.status == "importing":
            return
        row = self.entries.index(entry)
        self.entries.pop(row)
        self.file_list.removeRow(row)
        self._on_current_changed(self.file_list.current_index())

    def clear_files(self) -> None:
        if self.importing:
            return
        self.entries.clear()
        self.file_list.setRowCount(0)
        self._on_current_changed(-1)

    def _start_detect(self, entry: FileEntry) -> None:
        job = Job(self, detect_job, entry.path, label="识别文件").without_progress_dialog()
        job.on_success(lambda result: self._on_detected(entry, result))
        job.sig_failed.connect(lambda _exc: self._on_detected(entry, "识别此文件时发生意外错误。"))
        self.ctx.jobs.start(f"import/detect/{id(entry)}", job)

    def _on_detected(self, entry: FileEntry, result: object) -> None:
        if entry not in self.entries:
            return
        if isinstance(result, str):
            entry.status, entry.message = "error", result
        else:
            entry.detection = result  # type: ignore[assignment]
            det = entry.detection
            entry.kind, entry.platform, entry.base_mapping = det.kind, det.platform, dict(det.mapping)
            entry.status = "ready"
        self._update_row(entry)
        if entry is self.current_entry():
            self._on_current_changed(self.entries.index(entry))
        self._update_buttons()

    # --- settings and preview ----------------------------------------------------------

    def _on_current_changed(self, row: int) -> None:
        entry = self.entries[row] if 0 <= row < len(self.entries) else None
        self.form.set_entry(entry, self._shop_names)
        self.run_preview()
        self._update_buttons()

    def _on_mapping_changed(self, kind_changed: bool) -> None:
        entry = self.form.entry
        if entry is None:
            return
        if kind_changed:
            entry.base_mapping = proposed_mapping(entry)
            self.form.set_entry(entry, self._shop_names)
        self._mark_edited(entry)
        self.run_preview()

    def _on_settings_changed(self) -> None:
        if self.form.entry is not None:
            self._mark_edited(self.form.entry)

    def _mark_edited(self, entry: FileEntry) -> None:
        """A file whose set-up changed waits to be imported (again) with it."""
        if entry.status in RETRY_STATES or entry.status == "done":
            entry.status, entry.message, entry.summary = "ready", "", None
        self._update_row(entry)
        self._update_buttons()

    def run_preview(self) -> None:
        """Preview the selected file with its current settings, in the background."""
        entry = self.current_entry()
        self.preview_model.clear()
        self.preview_error.hide()
        if entry is None or entry.detection is None:
            self.ctx.jobs.cancel(OWNER_PREVIEW)
            self.preview_title.setText("预览" if entry is None else f"预览：{entry.path.name}")
            if entry is not None and entry.status == "error":
                self._show_preview_error(entry.message)
                self.sig_preview_ready.emit()  # settled: nothing to preview
            return
        self.preview_title.setText(f"预览：{entry.path.name}（正在读取前 {PREVIEW_ROWS} 行…）")
        job = Job(
            self, preview_job, entry.path, entry.detection, entry.kind, entry.import_mapping(), label="生成预览"
        ).without_progress_dialog()
        job.on_success(lambda result: self._on_preview(entry, result))
        self.ctx.jobs.start(OWNER_PREVIEW, job)

    def _on_preview(self, entry: FileEntry, result: object) -> None:
        if entry is not self.current_entry():
            return
        if isinstance(result, str):
            self.preview_title.setText(f"预览：{entry.path.name}")
            self._show_preview_error(result)
        else:
            records = list(result)  # type: ignore[call-overload]
            keys, headers, formatter = preview_columns(entry.kind, records)
            self.preview_model.set_records(records, keys, headers, formatter)
            self._fit_preview_columns()
            bad = sum(1 for r in records if "error" in r)
            note = f"，其中 {bad} 行无法导入（红色）" if bad else ""
            self.preview_title.setText(f"预览：{entry.path.name}（前 {len(records)} 行，按导入后的字段显示{note}）")
        self.sig_preview_ready.emit()

    def _fit_preview_columns(self) -> None:
        self.preview_view.resizeColumnsToContents()
        for col in range(self.preview_model.columnCount()):
            width = self.preview_view.columnWidth(col)
            self.preview_view.setColumnWidth(col, max(MIN_PREVIEW_COLUMN, min(width + 8, MAX_PREVIEW_COLUMN)))

    def _show_preview_error(self, message: str) -> None:
        self.preview_error.setText(message)
        self.preview_error.show()

    def _on_ops_busy(self, busy: bool) -> None:
        """The writer went idle: nothing of ours is left running (a failed undo or import calls no on_done)."""
        if not busy:
            self.history.set_busy(False)
            self._on_ops_idle(busy)

    # --- helpers ----------------------------------------------------------------------------

    def _update_row(self, entry: FileEntry) -> None:
        if entry in self.entries:
            self.file_list.update_row(self.entries.index(entry), entry)

    def _update_buttons(self) -> None:
        importing = self.importing
        waiting = any(e.detection is not None and e.status in RETRY_STATES for e in self.entries)
        self.start_button.setEnabled(waiting and not importing and self.may_import)
        self.clear_button.setEnabled(bool(self.entries) and not importing)
        entry = self.current_entry()
        self.remove_button.setEnabled(entry is not None and entry.status != "importing")

    # --- drag and drop ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        files = [p for p in paths if p.is_file()]
        if files:
            event.acceptProposedAction()
            self.add_files(files)


if __name__ == "__main__":
    from ui.pages._preview import preview

    raise SystemExit(preview(ImportPage))
