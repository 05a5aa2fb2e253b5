"""评价分析: voice of the customer from reviews — filters, charts, emerging complaints, the list.

Every view is driven by one :class:`cxdesk.store.voc.VocFilter`. A filter
change (debounced in the filter bar, or a click on a chart) starts three
background jobs (list, charts, emerging complaints; see ``_tasks``), each
reading through its own read-only connection, so the quick list never waits
for the slow charts; results are applied here, on the GUI thread, each view
as its job returns. A newer filter replaces the jobs of an older one. The
page loads only while shown: a hidden page just remembers that its data is
stale, and chart code (matplotlib) is imported on the first load, so
building the main window stays cheap.

The 「差评原因」 chart tab ranks the aspects whose complaints go with the
shop's own low ratings (:mod:`cxdesk.analysis.star_drivers`); it is computed
only while open, and again only when the shops, products or dates change.

Next to the list, the 「追评转差」 tab lists reviews whose follow-up turned
negative after a positive first review (an early warning of quality
problems); both lists share the detail view below them.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cxdesk.analysis.star_drivers import DriverResult
from cxdesk.analysis.voc import EmergingResult
from cxdesk.store.voc import VocFilter
from ui.models.review_list_model import PAGE_SIZE, ReviewListModel
from ui.pages.base import BasePage, PageContext
from ui.pages.reviews_voc._filters import FilterBarWidget
from ui.pages.reviews_voc._panels import ChartTabsWidget, EmergingPanelWidget
from ui.pages.reviews_voc._shifts import ShiftListWidget
from ui.pages.reviews_voc._tasks import (
    ChartData,
    VocSnapshot,
    load_charts,
    load_drivers,
    load_emerging,
    load_page,
    load_snapshot,
)
from ui.widgets.review_detail import ReviewDetailWidget
from ui.widgets.table_columns import TextColumnKeeper, fit_columns
from ui.workers import Job

NOT_ANALYSED = "尚未分析，点左下角「分析数据」：分析后才有情感标签和情感趋势。"
COLUMN_WIDTHS = (80, 84, 100, 80, 46, 52)  # the content column takes the rest
# The narrow columns get their content's width (any font, any scale): the widest value each can show.
COLUMN_SAMPLES = {0: ("2024-06-30",), 4: ("5星", "好评", "无评分"), 5: ("正面", "未分析", "无内容")}
CONTENT_COLUMN = 6
MIN_CONTENT_WIDTH = 300  # about 22 characters; below it 店铺, then SKU, give way (the detail shows both)
OPTIONAL_COLUMNS = (1, 3)
LIST_TAB, SHIFT_TAB = 0, 1
DRIVER_BAD_RATINGS = (1, 2, 11)  # 1–2★ and 评价等级 差评 (cxdesk.store.voc.WORD_RATINGS)


class ReviewsPage(BasePage):
    """Filters over reviews, with charts that filter too, and the reviews themselves."""

    key = "reviews"
    title = "评价分析"
    icon = QStyle.StandardPixmap.SP_FileDialogContentsView
    empty_title = "还没有评价分析结果"
    empty_description = (
        "这里将显示顾客评价的情感倾向、被提到最多的方面（质量、尺码、物流、客服等）"
        "以及它们随时间的变化，并能查看每条评价原文。"
    )
    empty_how_to = "先在「导入」页导入商品评价，然后运行分析。"

    sig_loaded = Signal()
    sig_open_session = Signal(int, object)  # from the buyer timeline: the main window opens 会话
    sig_charts_loaded = Signal()
    sig_emerging_loaded = Signal()
    sig_drivers_loaded = Signal()

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.snapshot: VocSnapshot | None = None
        self.chart_data: ChartData | None = None
        self.emerging: EmergingResult | None = None
        self.drivers: DriverResult | None = None
        self._drivers_for: VocFilter | None = None  # the filter (drivers' part) the shown drivers belong to
        self._stale = True
        self.build_faces(self._build_content())
        self.refresh()

    # --- building ------------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content = QWidget(self)
        self.filter_bar = FilterBarWidget(content)
        self.filter_bar.sig_changed.connect(self.load)
        self.notice = QLabel(NOT_ANALYSED, content)
        self.notice.setStyleSheet("background: #fff3cd; color: #7a5a00; border: 1px solid #f0d98c; padding: 6px;")
        self.notice.hide()
        self.charts = ChartTabsWidget(content)
        self.charts.sig_picked.connect(self.apply_pick)
        self.charts.sig_heat_clicked.connect(self._on_heat_clicked)
        self.charts.sig_driver_clicked.connect(self._on_driver_clicked)
        self.charts.sig_drivers_shown.connect(lambda: self._load_drivers(self.filter_bar.filter()))
        self.emerging_panel = EmergingPanelWidget(content)
        self.emerging_panel.sig_term_clicked.connect(self._on_term_clicked)
        left = QSplitter(Qt.Orientation.Vertical, content)
        left.addWidget(self.charts)
        left.addWidget(self.emerging_panel)
        left.setSizes([560, 130])
        self.main_split = QSplitter(Qt.Orientation.Horizontal, content)
        self.main_split.addWidget(left)
        self.main_split.addWidget(self._build_list(content))
        # The reviews get the larger share (at 1200×700: charts ~370 px, list ~660 px); a wider window
        # widens mostly the list.
        self.main_split.setStretchFactor(0, 1)
        self.main_split.setStretchFactor(1, 2)
        self.main_split.setSizes([400, 740])
        layout = QVBoxLayout(content)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.notice)
        layout.addWidget(self.main_split, 1)
        return content

    def _build_list(self, parent: QWidget) -> QWidget:
        self.model = ReviewListModel(self)
        self.model.sig_more_wanted.connect(self._load_more)
        self.model.sig_sort_changed.connect(lambda: self._load_list(self._current_filter()))
        self.view = QTableView(parent)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        header.setStretchLastSection(True)
        for column, width in enumerate(COLUMN_WIDTHS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.view.setColumnWidth(column, width)
        self.view.setSortingEnabled(True)
        fit_columns(self.view, COLUMN_SAMPLES)
        self.column_keeper = TextColumnKeeper(self.view, CONTENT_COLUMN, MIN_CONTENT_WIDTH, OPTIONAL_COLUMNS)
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        self.count_label = QLabel(parent)
        self.shift_list = ShiftListWidget(parent)
        self.shift_list.sig_selected.connect(self._show_detail)
        self.detail = ReviewDetailWidget(parent)
        top = QWidget(parent)
        box = QVBoxLayout(top)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.count_label)
        box.addWidget(self.view, 1)
        self.list_tabs = QTabWidget(parent)
        self.list_tabs.addTab(top, "评价列表")
        self.list_tabs.addTab(self.shift_list, "追评转差")
        self.list_tabs.setTabToolTip(SHIFT_TAB, "初评正面、追评转为负面的评价：质量问题的早期信号")
        self.timeline_button = QPushButton("买家时间线", parent)
        self.timeline_button.setToolTip("这位买家的会话（和之前接待的客服）、订单、评价和风险，按时间排列")
        self.timeline_button.setEnabled(False)
        self.timeline_button.clicked.connect(self.open_timeline)
        detail_box = QWidget(parent)
        detail_layout = QVBoxLayout(detail_box)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.setSpacing(2)
        detail_layout.addWidget(self.detail, 1)
        detail_layout.addWidget(self.timeline_button, 0, Qt.AlignmentFlag.AlignRight)
        split = QSplitter(Qt.Orientation.Vertical, parent)
        split.addWidget(self.list_tabs)
        split.addWidget(detail_box)
        split.setSizes([430, 260])
        return split

    # --- refresh and loading -----------------------------------------------------------------

    def refresh(self) -> None:
        """Data changed (import, analysis): reload now if shown, else when next shown."""
        has_reviews = self.ctx.store.voc.count(VocFilter()) > 0
        self.stack.setCurrentIndex(1 if has_reviews else 0)
        self._stale = has_reviews
        self._drivers_for = None  # new data: the drivers are computed again
        if has_reviews and self.isVisible():
            self.load(self.filter_bar.filter())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.load(self.filter_bar.filter())

    def load(self, flt: VocFilter) -> None:
        """Query everything for ``flt`` in the background (a newer call replaces an older one)."""
        self._stale = False
        self.emerging_panel.show_loading()
        self._load_list(flt)
        path = self.ctx.store.path
        charts = Job(self, load_charts, path, flt, label="绘制评价图表")
        charts.without_progress_dialog().on_success(self._apply_charts)
        self.ctx.jobs.start(f"{self.key}.charts", charts)
        emerging = Job(self, load_emerging, path, flt, label="计算新出现的抱怨")
        emerging.without_progress_dialog().on_success(self._apply_emerging)
        self.ctx.jobs.start(f"{self.key}.emerging", emerging)
        if self.charts.drivers_visible():  # else when the tab is next opened, if the drivers' part changed
            self._load_drivers(flt)

    def _load_drivers(self, flt: VocFilter) -> None:
        key = flt.drivers_part()
        if key == self._drivers_for:
            return
        self._drivers_for = key
        self.charts.show_drivers_loading()
        job = Job(self, load_drivers, self.ctx.store.path, key, label="计算差评原因")
        job.without_progress_dialog().on_success(self._apply_drivers).on_failure(self._drivers_failed)
        self.ctx.jobs.start(f"{self.key}.drivers", job)

    def _drivers_failed(self, exc: BaseException) -> None:
        """Say why in the tab, and try again the next time it is opened or the filter changes."""
        self._drivers_for = None
        self.charts.show_drivers_error(str(exc))
        self.sig_drivers_loaded.emit()

    def _current_filter(self) -> VocFilter:
        """The filter the shown list belongs to."""
        return self.snapshot.filter if self.snapshot is not None else self.filter_bar.filter()

    def _load_list(self, flt: VocFilter) -> None:
        """Count and first pages of both lists, in the model's sort order."""
        self.count_label.setText("正在查询…")
        sort, descending = self.model.sort_key
        job = Job(self, load_snapshot, self.ctx.store.path, flt, sort, descending, PAGE_SIZE, label="查询评价")
        job.without_progress_dialog().on_success(self._apply_snapshot)
        self.ctx.jobs.start(self.key, job)

    def _load_more(self, generation: int, sort: str, descending: bool, offset: int) -> None:
        """The view scrolled to the end of the loaded rows: fetch the next page in the background."""
        job = Job(
            self,
            load_page,
            self.ctx.store.path,
            self._current_filter(),
            sort,
            descending,
            offset,
            PAGE_SIZE,
            label="加载更多评价",
        )
        job.without_progress_dialog().on_success(lambda rows: self.model.append_rows(generation, offset, rows))
        self.ctx.jobs.start(f"{self.key}.more", job)

    def _apply_snapshot(self, snap: VocSnapshot) -> None:
        self.snapshot = snap
        self.filter_bar.set_options(snap.options)
        self.notice.setVisible(not snap.options.has_sentiment)
        voc, flt = self.ctx.store.voc, snap.filter
        self.model.set_result(snap.total, snap.first_page)
        self.count_label.setText(self._count_text(snap))
        self.shift_list.show_snapshot(snap, lambda o, n: voc.shift_page(flt.changed(shift_only=True), o, n))
        ran = snap.options.has_text_state
        self.list_tabs.setTabText(SHIFT_TAB, f"追评转差（{snap.shift_total:,}）" if ran else "追评转差（未运行）")
        self.detail.show_review(None)
        self.sig_loaded.emit()

    def _apply_charts(self, data: ChartData) -> None:
        self.chart_data = data
        self.charts.show_charts(data)
        self.sig_charts_loaded.emit()

    def _apply_drivers(self, result: DriverResult | None) -> None:
        self.drivers = result
        self.charts.show_drivers(result)
        self.sig_drivers_loaded.emit()

    def _apply_emerging(self, result: EmergingResult) -> None:
        self.emerging = result
        self.emerging_panel.show_result(result)
        self.sig_emerging_loaded.emit()

    @staticmethod
    def _count_text(snap: VocSnapshot) -> str:
        if snap.total == snap.options.reviews:
            return f"全部 {snap.total:,} 条评价"
        return f"筛选出 {snap.total:,} 条评价（共 {snap.options.reviews:,} 条）"

    # --- clicks that filter --------------------------------------------------------------------

    def apply_pick(self, gid: str) -> None:
        """A chart element was clicked: filter the list to what it stands for."""
        from cxdesk import charts  # loaded with the first chart; never at start-up

        new = charts.pick_filter(self.filter_bar.filter(), gid)
        if new is not None:
            self.filter_bar.set_filter(new)

    def _on_heat_clicked(self, product: str, aspect: str) -> None:
        self.filter_bar.set_filter(self.filter_bar.filter().changed(product=product, aspect=aspect, polarity=None))

    def _on_driver_clicked(self, aspect: str, polarity: str) -> None:
        """A 差评原因 row: the reviews that say it; for a complaint, the 差评 among them."""
        ratings = DRIVER_BAD_RATINGS if polarity == "负面" else ()
        self.filter_bar.set_filter(self.filter_bar.filter().changed(aspect=aspect, polarity=polarity, ratings=ratings))

    def _on_term_clicked(self, kind: str, term: str) -> None:
        flt = self.filter_bar.filter()
        if kind == "aspect":
            flt = flt.changed(aspect=term, polarity="负面")
        else:
            flt = flt.changed(text=term)
        self.filter_bar.set_filter(flt)

    # --- the selected review ---------------------------------------------------------------------

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = selected.indexes()
        row = self.model.review(rows[0].row()) if rows else None
        self._show_detail(row.id if row else None)

    def _show_detail(self, review_id: int | None) -> None:
        self.shown_review_id = review_id
        self.timeline_button.setEnabled(review_id is not None)
        self.detail.show_review(self.ctx.store.voc.detail(review_id) if review_id is not None else None)

    def open_timeline(self) -> None:
        """The buyer's timeline behind the shown review: the chats and agent before it, one click away."""
        from cxdesk.errors import CxdeskError
        from ui.widgets.customer_timeline import CustomerTimelineDialog

        if getattr(self, "shown_review_id", None) is None:
            return
        try:
            dialog = CustomerTimelineDialog.for_target(
                self.ctx.store,
                "review",
                self.shown_review_id,
                open_session=lambda s, m: self.sig_open_session.emit(s, m),
                parent=self,
            )
        except CxdeskError as exc:
            QMessageBox.warning(self, "买家时间线", str(exc))
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.timeline_dialog = dialog

    def select_row(self, row: int) -> None:
        """Select a list row (the detail view follows)."""
        self.view.selectRow(row)


if __name__ == "__main__":
    import sys

    from ui.pages._preview import preview

    raise SystemExit(preview(ReviewsPage, sys.argv[1] if len(sys.argv) > 1 else None))
