"""The bottom tabs of the wizard: 「导入结果」 of the last run and 「导入历史」.

Both only show and ask: the page runs undo and the error-row export in the
background when they emit ``sig_undo`` / ``sig_export_rejects``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cxdesk.store import Batch
from ui.models.batch_history_model import BatchHistoryModel
from ui.pages.import_wizard._labels import STATUS_TEXT
from ui.pages.import_wizard._tasks import FileOutcome

SUMMARY_COLUMNS = ("文件", "结果", "格式", "编码", "新增", "重复", "拒绝", "新会话", "说明", "")
COL_EXPORT = len(SUMMARY_COLUMNS) - 1
_NUMERIC = (4, 5, 6, 7)
ERROR_COLOR = QColor("#b00020")


class SummaryTable(QWidget):
    """One row per file of the last run, with a 「导出错误行…」 button where rows were rejected."""

    sig_export_rejects = Signal(int, str)  # batch id, file name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = QLabel("还没有导入过文件。添加文件并点「开始导入」后，这里会列出每个文件的结果。", self)
        self.headline.setWordWrap(True)
        self.table = QTableWidget(0, len(SUMMARY_COLUMNS), self)
        self.table.setHorizontalHeaderLabels(SUMMARY_COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(8, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 180), (1, 76), (2, 200), (3, 70), (4, 70), (5, 64), (6, 56), (7, 64), (9, 110)):
            self.table.setColumnWidth(col, width)
        self.export_buttons: dict[int, QPushButton] = {}
        self.table.setColumnHidden(COL_EXPORT, True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.headline)
        layout.addWidget(self.table, 1)

    def show_outcomes(self, outcomes: Sequence[FileOutcome], cancelled: bool) -> None:
        self.table.setRowCount(0)
        self.export_buttons = {}
        for outcome in outcomes:
            self._add_row(outcome)
        self.table.setColumnHidden(COL_EXPORT, not self.export_buttons)
        done = [o.summary for o in outcomes if o.summary is not None]
        added = sum(s.rows_added for s in done)
        dup = sum(s.rows_duplicate for s in done)
        text = f"本次导入 {len(done)}/{len(outcomes)} 个文件：新增 {added:,} 条，重复跳过 {dup:,} 条。"
        if cancelled:
            text += " 导入已取消：当前文件的改动已撤回，之后的文件未导入。"
        self.headline.setText(text)

    def _add_row(self, o: FileOutcome) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        s = o.summary
        values = [o.path.name, STATUS_TEXT.get(o.status, o.status)]
        if s is not None:
            values += [
                s.format_label,
                s.encoding or "—",
                f"{s.rows_added:,}",
                f"{s.rows_duplicate:,}",
                f"{s.rows_rejected:,}",
                f"{s.sessions_added:,}" if s.kind == "chats" else "—",
                self._note(o),
            ]
        else:
            values += ["", "", "", "", "", "", o.message]
        for col, text in enumerate(values):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if col in _NUMERIC:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if o.status == "failed" and col in (1, 8):
                item.setForeground(QBrush(ERROR_COLOR))
            self.table.setItem(row, col, item)
        if s is not None and s.batch_id is not None and s.rows_rejected:
            button = QPushButton("导出错误行…", self.table)
            button.clicked.connect(lambda _c=False, b=s.batch_id, n=o.path.name: self.sig_export_rejects.emit(b, n))
            self.table.setCellWidget(row, COL_EXPORT, button)
            self.export_buttons[s.batch_id] = button

    @staticmethod
    def _note(o: FileOutcome) -> str:
        s = o.summary
        assert s is not None
        parts = [f"批次 {s.batch_id}，店铺“{s.shop}”，读取 {s.rows_read:,} {s.unit}，用时 {s.seconds:.1f} 秒"]
        if s.previous_batch_id is not None:
            parts.append(f"此文件已在批次 {s.previous_batch_id} 导入过，重复的行已跳过")
        if s.rejects:
            first = s.rejects[0]
            parts.append(f"第 {first.record_no} {s.unit}：{first.reason}")
        return "；".join(parts)


class HistoryPanel(QWidget):
    """Every import batch, with undo and the error-row export for the selected one."""

    sig_undo = Signal(int)
    sig_export_rejects = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = BatchHistoryModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 130), (2, 100), (3, 80), (4, 120), (5, 70), (6, 70), (7, 60), (8, 70), (9, 70)):
            self.view.setColumnWidth(col, width)
        self.may_undo = True  # a 客服 on a team store may not (ImportPage says so)
        self.undo_button = QPushButton("撤销此批次", self)
        self.export_button = QPushButton("导出错误行…", self)
        self.undo_button.clicked.connect(self._emit_undo)
        self.export_button.clicked.connect(self._emit_export)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self._busy = False
        self._update_buttons()

    def set_batches(self, batches: Sequence[Batch], shop_names: Mapping[int, str]) -> None:
        selected = self.selected_batch()
        self.model.set_batches(batches, shop_names)
        if selected is not None and (row := self.model.row_of(selected.id)) >= 0:
            self.view.selectRow(row)
        self._update_buttons()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    def selected_batch(self) -> Batch | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.batch(rows[0].row()) if rows else None

    def select_batch(self, batch_id: int) -> None:
        row = self.model.row_of(batch_id)
        if row >= 0:
            self.view.selectRow(row)

    def _update_buttons(self) -> None:
        b = self.selected_batch()
        self.undo_button.setEnabled(self.may_undo and not self._busy and b is not None and b.status == "done")
        self.export_button.setEnabled(not self._busy and b is not None and b.rows_rejected > 0)

    def _emit_undo(self) -> None:
        b = self.selected_batch()
        if b is not None:
            self.sig_undo.emit(b.id)

    def _emit_export(self) -> None:
        b = self.selected_batch()
        if b is not None:
            self.sig_export_rejects.emit(b.id, b.file_name)
