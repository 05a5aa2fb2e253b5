"""The chart tabs and the emerging-complaints list of 评价分析.

Figures are built by ``cxdesk.charts``; these panels only place them, show
the honest notes when a result does not exist yet, and turn clicks into
signals the page maps to filter changes. ``cxdesk.charts`` (and with it
matplotlib, ~0.6 s) is imported on the first snapshot, never at start-up.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cxdesk.analysis.star_drivers import DriverResult
from cxdesk.analysis.voc import MIN_MENTIONS, MIN_RISE, EmergingResult
from ui.models.aspect_heat_model import AspectHeatModel
from ui.models.star_driver_model import StarDriverModel
from ui.pages.reviews_voc._tasks import ChartData
from ui.widgets.pick_chart import PickChartWidget

ASPECTS_NOT_RUN = (
    "方面分析尚未运行：运行后，这里会按质量、尺码、物流、客服等方面统计顾客的正面和负面提及，"
    "并按商品列出各方面的负面占比。在此之前不显示图表。"
)
NO_MENTIONS = "所选范围内没有方面提及。"
DRIVERS_NOT_RUN = "方面分析尚未运行：运行后，这里会用本店自己的评分（差评对好评）算出哪些方面的抱怨最拉低评分。"
DRIVERS_LOADING = "正在计算差评原因…"
DRIVERS_NOTE = (
    "比较所选店铺、商品、日期内的差评（1–2星、差评）和好评（4–5星、好评），不受评分、方面、倾向筛选影响。"
    "差评几率：其他方面相同时，提到它的评价是差评的几率是不提的几倍；着色的是明显的（≥×1.5 且 95% 区间不跨 ×1）。"
    "灰色「整体」：没说哪方面。点击一行查看这些评价。"
)
DRIVER_TAB = 2
TERM_ROLE = Qt.ItemDataRole.UserRole


def _note(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet("color: #666; padding: 16px;")
    return label


def _title(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class ChartTabsWidget(QTabWidget):
    """「评分与趋势」, 「方面分析」 and 「差评原因」.

    Signals: ``sig_picked(gid)``, ``sig_heat_clicked(product, aspect)``,
    ``sig_driver_clicked(aspect, polarity)``, and ``sig_drivers_shown`` when the 差评原因 tab is
    opened (the page computes the drivers only then).
    """

    sig_picked = Signal(str)
    sig_heat_clicked = Signal(str, str)
    sig_driver_clicked = Signal(str, str)
    sig_drivers_shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rating_chart = PickChartWidget(self)
        self.trend_chart = PickChartWidget(self)
        self.aspect_chart = PickChartWidget(self)
        for chart in (self.rating_chart, self.trend_chart, self.aspect_chart):
            chart.sig_picked.connect(self.sig_picked)
        self.addTab(self._column(self.rating_chart, self.trend_chart), "评分与趋势")
        self.addTab(self._aspect_tab(), "方面分析")
        self.addTab(self._driver_tab(), "差评原因")
        self.setTabToolTip(DRIVER_TAB, "哪些方面的抱怨最拉低评分：用本店自己的差评和好评算出")
        self.currentChanged.connect(lambda i: self.sig_drivers_shown.emit() if i == DRIVER_TAB else None)

    def _column(self, *widgets: QWidget) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        for widget in widgets:
            layout.addWidget(widget, 1)
        return page

    def _aspect_tab(self) -> QWidget:
        self.aspect_note = _note(ASPECTS_NOT_RUN, self)
        self.aspect_stack = QStackedWidget(self)
        self.aspect_stack.addWidget(self.aspect_note)
        self.aspect_stack.addWidget(self.aspect_chart)
        self.heat_model = AspectHeatModel(self)
        self.heat_view = QTableView(self)
        self.heat_view.setModel(self.heat_model)
        self.heat_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.heat_view.horizontalHeader()
        header.setMinimumSectionSize(26)
        # Each column as wide as its header's longest line or its numbers (价格/性价比 shows 性价比 whole:
        # stretched to equal widths it was cut); with many aspects the view scrolls.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.heat_view.verticalHeader().setDefaultSectionSize(22)
        self.heat_view.clicked.connect(self._on_heat_clicked)
        self.heat_note = _note(ASPECTS_NOT_RUN, self)
        self.heat_stack = QStackedWidget(self)
        self.heat_stack.addWidget(self.heat_note)
        self.heat_stack.addWidget(self.heat_view)
        heat_box = QWidget(self)
        box = QVBoxLayout(heat_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(_title("商品 × 方面：负面提及占比 %（点击单元格筛选）", heat_box))
        box.addWidget(self.heat_stack, 1)
        return self._column(self.aspect_stack, heat_box)

    def _driver_tab(self) -> QWidget:
        self.driver_summary = QLabel(self)
        self.driver_summary.setWordWrap(True)
        self.driver_model = StarDriverModel(self)
        self.driver_view = QTableView(self)
        self.driver_view.setModel(self.driver_model)
        self.driver_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.driver_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.driver_view.verticalHeader().hide()
        self.driver_view.verticalHeader().setDefaultSectionSize(22)
        header = self.driver_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.driver_view.clicked.connect(self._on_driver_clicked)
        self.driver_note = _note(DRIVERS_LOADING, self)
        self.driver_stack = QStackedWidget(self)
        self.driver_stack.addWidget(self.driver_note)
        self.driver_stack.addWidget(self.driver_view)
        how = QLabel(DRIVERS_NOTE, self)
        how.setWordWrap(True)
        how.setStyleSheet("color: #666;")
        page = QWidget(self)
        box = QVBoxLayout(page)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(self.driver_summary)
        box.addWidget(self.driver_stack, 1)
        box.addWidget(how)
        return page

    def drivers_visible(self) -> bool:
        return self.currentIndex() == DRIVER_TAB

    def show_drivers_loading(self) -> None:
        self.driver_summary.clear()
        self.driver_note.setText(DRIVERS_LOADING)
        self.driver_stack.setCurrentWidget(self.driver_note)

    def show_drivers(self, result: DriverResult | None) -> None:
        """A computed result, or ``None`` when the aspect stage has not run."""
        self.driver_model.set_result(result)
        if result is None:
            self.driver_summary.clear()
            self.driver_note.setText(DRIVERS_NOT_RUN)
            self.driver_stack.setCurrentWidget(self.driver_note)
            return
        self.driver_summary.setText(result.summary())
        if result.drivers:
            self.driver_stack.setCurrentWidget(self.driver_view)
        else:
            self.driver_note.setText(result.reason or "所选范围内没有足够的方面提及来判断差评原因。")
            self.driver_stack.setCurrentWidget(self.driver_note)

    def show_drivers_error(self, message: str) -> None:
        self.driver_model.set_result(None)
        self.driver_summary.clear()
        self.driver_note.setText(f"差评原因没有算出来：{message}")
        self.driver_stack.setCurrentWidget(self.driver_note)

    def _on_driver_clicked(self, index: QModelIndex) -> None:
        driver = self.driver_model.driver(index)
        if driver is not None:
            self.sig_driver_clicked.emit(driver.aspect, driver.polarity)

    def show_charts(self, snap: ChartData) -> None:
        """Redraw every chart for a new query result (imports matplotlib the first time)."""
        from cxdesk import charts

        self.rating_chart.set_figure(charts.rating_figure(snap.ratings, snap.filter.ratings))
        self.trend_chart.set_figure(charts.trend_figure(snap.trend))
        self._show_aspects(snap)

    def _show_aspects(self, snap: ChartData) -> None:
        ran = snap.has_aspects
        self.setTabText(1, "方面分析" if ran else "方面分析（未运行）")
        for note in (self.aspect_note, self.heat_note):
            note.setText(ASPECTS_NOT_RUN if not ran else NO_MENTIONS)
        if ran and snap.aspects:
            from cxdesk import charts

            self.aspect_chart.set_figure(charts.aspect_figure(snap.aspects))
            self.aspect_stack.setCurrentWidget(self.aspect_chart)
        else:
            self.aspect_stack.setCurrentWidget(self.aspect_note)
        self.heat_model.set_table(snap.heat)
        has_cells = ran and bool(snap.heat.products)
        self.heat_stack.setCurrentWidget(self.heat_view if has_cells else self.heat_note)

    def _on_heat_clicked(self, index: QModelIndex) -> None:
        cell = self.heat_model.cell(index)
        if cell is not None:
            self.sig_heat_clicked.emit(*cell)


class EmergingPanelWidget(QWidget):
    """A short list of complaints that grew; ``sig_term_clicked(kind, term)``."""

    sig_term_clicked = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = _title("新出现的抱怨", self)
        self.period_label = QLabel(self)
        self.period_label.setWordWrap(True)
        self.period_label.setStyleSheet("color: #666;")
        self.list = QListWidget(self)
        # Entries wrap in a narrow pane (1366×768 at 125 %) instead of scrolling sideways.
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.itemClicked.connect(self._on_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title_label)
        layout.addWidget(self.period_label)
        layout.addWidget(self.list, 1)

    def show_loading(self) -> None:
        self.period_label.setText("正在计算…")
        self.list.clear()

    def show_result(self, result: EmergingResult) -> None:
        self.list.clear()
        if result.current is None or result.previous is None:
            self.period_label.setText("所选范围内没有带日期的评价。")
            return
        basis = "按方面和差评中的词语" if result.kind == "aspect" else "按差评中的词语（方面分析尚未运行）"
        self.period_label.setText(
            f"{result.current.label()} 对比上一段 {result.previous.label()}，{basis}；"
            f"负面占比上升 ≥{MIN_RISE * 100:.0f} 个百分点且本期提及 ≥{MIN_MENTIONS} 次。点击查看评价。"
        )
        for item in result.items:
            kind = "方面" if item.kind == "aspect" else "词语"
            mark = "▲ " if item.previous_mentions else "✚ "
            entry = QListWidgetItem(f"{mark}{kind}「{item.term}」：{item.change()}", self.list)
            entry.setData(TERM_ROLE, (item.kind, item.term))
            entry.setForeground(Qt.GlobalColor.darkRed)
        if not result.items:
            entry = QListWidgetItem("没有明显上升的抱怨。", self.list)
            entry.setFlags(Qt.ItemFlag.NoItemFlags)

    def _on_clicked(self, item: QListWidgetItem) -> None:
        data = item.data(TERM_ROLE)
        if data:
            self.sig_term_clicked.emit(*data)
