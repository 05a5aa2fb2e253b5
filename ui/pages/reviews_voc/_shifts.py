"""The 「追评转差」 tab of 评价分析: reviews whose follow-up turned negative after a positive start.

Shows the first review and the 追评 side by side with both sentiments and
dates (the page hands it the rows; the tab only displays them), or says
honestly why the list cannot exist yet. Selecting a row asks the page to
show that review in the shared detail view, 追评 clauses highlighted.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.models.append_shift_model import AppendShiftModel, Fetch
from ui.pages.reviews_voc._tasks import VocSnapshot

SHIFT_NOT_RUN = (
    "方面分析尚未运行：运行后，这里列出初评为正面、追评却转为负面的评价，"
    "常常是用了一段时间才发现的质量问题，值得尽早处理。"
)
NO_SHIFTS = "所选范围内没有追评转差的评价。"
COLUMN_WIDTHS = (78, 62, 140, 78, 62, 160)  # the 商品 column takes the rest


class ShiftListWidget(QWidget):
    """First review vs 追评 for every shifted review of the filter; ``sig_selected(review id)``."""

    sig_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AppendShiftModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in enumerate(COLUMN_WIDTHS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.view.setColumnWidth(column, width)
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        self.note = QLabel(SHIFT_NOT_RUN, self)
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setStyleSheet("color: #666; padding: 16px;")
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.note)
        self.stack.addWidget(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    def show_snapshot(self, snap: VocSnapshot, fetch: Fetch) -> None:
        """Show the shifted reviews of ``snap`` (``fetch`` loads further pages)."""
        ran = snap.options.has_text_state
        self.model.set_result(fetch if ran else None, snap.shift_total, snap.first_shifts)
        self.note.setText(SHIFT_NOT_RUN if not ran else NO_SHIFTS)
        self.stack.setCurrentWidget(self.view if snap.shift_total else self.note)

    def select_row(self, row: int) -> None:
        self.view.selectRow(row)

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = selected.indexes()
        shift = self.model.shift(rows[0].row()) if rows else None
        if shift is not None:
            self.sig_selected.emit(shift.id)
