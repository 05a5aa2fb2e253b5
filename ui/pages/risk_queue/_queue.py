"""The left half of 风险: count and bulk actions, the queue table, the counts chart."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cxdesk.store.risk_queue import STATUSES
from ui.widgets.help_button import HelpButton
from ui.models.flag_queue_model import SCORE_COLUMN, FlagQueueModel
from ui.widgets.compact_chart import CompactChartWidget
from ui.widgets.flow_layout import FlowLayout
from ui.widgets.table_columns import fit_columns

COLUMN_WIDTHS = (38, 92, 52, 84, 96)  # 内容 stretches; 风险分 follows it
SCORE_WIDTH = 52
# The narrow columns get their content's width (any font, any scale): the widest value each can show.
COLUMN_SAMPLES = {
    0: ("高",),
    1: ("投诉/监管威胁…",),
    2: ("待处理", "处理中"),
    3: ("06-30 22:58",),
    SCORE_COLUMN: ("100",),
}  # 类别: one whole category, more elide (the tooltip and detail list all)
CHART_HEIGHT = 176
SHORTCUTS_TEXT = "快捷键：J / ↓ 下一条 · K / ↑ 上一条 · H 已处理 · F 误报 · P 处理中（对所有选中的行）"


class QueuePanelWidget(QWidget):
    """The table over :class:`FlagQueueModel`; bulk buttons report ``sig_bulk(status)``."""

    sig_bulk = Signal(str)
    sig_bulk_matching = Signal(str)

    def __init__(self, model: FlagQueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count_label = QLabel(self)
        self.count_label.setMinimumWidth(150)  # 「筛选出 12,345 条风险」 must not be cut when it grows
        self.selection_label = QLabel(self)
        self.selection_label.setStyleSheet("color: #555;")
        self.bulk_buttons: dict[str, QPushButton] = {}
        top = FlowLayout(h_spacing=4)  # wraps on a narrow window
        top.addWidget(self.count_label)
        top.addWidget(self.selection_label)
        for status in ("处理中", "已处理", "误报"):
            button = QPushButton(f"标为{status}", self)
            button.setToolTip(f"把所有选中的行标记为「{status}」（按住 Ctrl 或 Shift 多选）")
            button.clicked.connect(lambda _=False, s=status: self.sig_bulk.emit(s))
            self.bulk_buttons[status] = button
            top.addWidget(button)
        self.matching_button = QPushButton("全部筛选结果…", self)  # its size counts the menu arrow
        self.matching_button.setToolTip("把当前筛选出的全部风险（不只是已加载的行）一次标记为某个状态")
        menu = QMenu(self.matching_button)
        for status in STATUSES:
            action = menu.addAction(f"全部标为{status}")
            action.triggered.connect(lambda _=False, s=status: self.sig_bulk_matching.emit(s))
        self.matching_button.setMenu(menu)
        top.addWidget(self.matching_button)
        self.help_button = HelpButton("risk", self)  # how the risk score and its level are made
        top.addWidget(self.help_button)
        self.view = QTableView(self)
        self.view.setModel(model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setMinimumSectionSize(30)
        for column, width in enumerate(COLUMN_WIDTHS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.view.setColumnWidth(column, width)
        header.setSectionResizeMode(len(COLUMN_WIDTHS), QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(SCORE_COLUMN, QHeaderView.ResizeMode.Fixed)
        self.view.setColumnWidth(SCORE_COLUMN, SCORE_WIDTH)
        fit_columns(self.view, COLUMN_SAMPLES)
        self.chart = CompactChartWidget(CHART_HEIGHT, "", self)
        self.hint = QLabel(SHORTCUTS_TEXT, self)
        self.hint.setStyleSheet("color: #555;")
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.chart)

    def show_scores(self, on: bool) -> None:
        """The 风险分 column only once the engine has written scores."""
        self.view.setColumnHidden(SCORE_COLUMN, not on)

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.view.selectionModel().selectedRows()})

    def current_row(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else -1

    def go_to(self, row: int) -> None:
        """Make ``row`` the single selected, current row (fetching more rows if needed)."""
        model = self.view.model()
        while row >= model.rowCount() and model.canFetchMore(self.view.rootIndex()):
            model.fetchMore(self.view.rootIndex())
        if not 0 <= row < model.rowCount():
            return
        self.view.setCurrentIndex(model.index(row, 0))
        self.view.selectRow(row)
        self.view.scrollTo(model.index(row, 0))

    def set_selection_text(self, n: int) -> None:
        self.selection_label.setText(f"已选 {n} 条：" if n > 1 else "")

    def focus_table(self) -> None:
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
