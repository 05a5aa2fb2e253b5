"""The 总览 dashboard: filter bar, tiles with the change against the previous period, two charts.

Figures come from :func:`cxdesk.reports.data.load_dashboard`. On a small store
they are read on the GUI thread (a few ms: the figures are there the moment the
page is); on a big one (``background``, set by the page from the store's totals:
:data:`BACKGROUND_MIN_ROWS`) a job reads them on its own read-only connection
(~75 ms with the pre-aggregates at 1M messages, ~0.5 s right after an analysis
run) and a second one builds the charts (matplotlib's import and the font load,
~0.6 s once, run meanwhile by a third), so the window never waits on them
(:mod:`ui.pages.overview_view._tasks`). Tiles and chart elements carry a
:class:`cxdesk.reports.data.Link`, and a click is announced as
``sig_open_page(page key, filters)`` for the main window to follow. When the
pre-aggregates are stale (after an import or an analysis run) a further job
brings them up to date and the figures are read again; until then the
figures come from the live queries and the service tiles say they are being
computed. On a big store that job starts once the charts are drawn, not while
they are being built (both hold the GIL).

全部 covers every row, those without a time too, with no comparison; under
the period line a note says how many rows have no time (a dated period cannot
show them, 全部 cannot chart them: :func:`cxdesk.reports.data.undated_note`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cxdesk.reports.data import NO_PREVIOUS, DashboardData, Link, Tile, tiles, undated_note
from ui.widgets.help_button import HelpButton
from ui.pages.base import PageContext
from ui.pages.overview_view._filters import DashboardFilterBarWidget
from cxdesk.reports.data import load_dashboard
from ui.pages.overview_view._tasks import (
    DashboardLoad,
    charts_ready,
    figures_job,
    load_job,
    refresh_job,
    warm_charts,
)
from ui.pages.overview_view._tiles import TileWidget
from ui.widgets.pick_chart import PickChartWidget
from ui.workers import Job

__all__ = ["BACKGROUND_MIN_ROWS", "DashboardWidget", "TileWidget"]

TILE_COLUMNS = 4
CHART_HEIGHT = 270
# Reviews + chat messages from which the figures are read and the charts built in the background.
BACKGROUND_MIN_ROWS = 100_000


class DashboardWidget(QWidget):
    """Everything of 总览 but the welcome panel and the store totals."""

    sig_open_page = Signal(str, object)  # (page key, {filter name: value})
    sig_loaded = Signal()
    sig_export = Signal()

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: DashboardData | None = None
        self._loading = False
        self._refresh_checked = False
        self.background = False  # read and draw in jobs (a big store: the page sets it)
        self._loads = 0  # loads started: only the newest one's figures are shown
        self._applied = 0  # the load whose figures the tiles show
        self._refresh_after_charts = False
        self._charts_waiting: DashboardData | None = None  # figures to build once matplotlib is imported
        self._charts_hidden: DashboardData | None = None  # figures whose charts wait for the page to be shown
        self.filter_bar = DashboardFilterBarWidget(self)
        self.filter_bar.sig_changed.connect(lambda _f: self.load())
        self.export_button = QPushButton("导出报告…", self)
        self.export_button.setToolTip(
            "把所选期间的概览、图表、客服、风险、常见问题、方面和新抱怨导出为 Excel、网页或 PDF"
        )
        self.export_button.clicked.connect(self.sig_export.emit)
        self.period_label = QLabel("", self)
        self.period_label.setStyleSheet("color: #666;")
        self.undated_label = QLabel("", self)  # rows without a time, in words (hidden when there are none)
        self.undated_label.setWordWrap(True)
        self.undated_label.setStyleSheet("color: #7a5a00;")
        self.undated_label.hide()
        self.tile_widgets: list[TileWidget] = []
        self.tile_grid = QGridLayout()
        self.tile_grid.setSpacing(8)
        self.sentiment_chart = PickChartWidget(self)
        self.risk_chart = PickChartWidget(self)
        for chart in (self.sentiment_chart, self.risk_chart):
            chart.setFixedHeight(CHART_HEIGHT)
            chart.sig_picked.connect(self._on_pick)
        bar = QHBoxLayout()
        bar.addWidget(self.filter_bar)
        bar.addStretch(1)
        self.help_button = HelpButton("overview", self)  # how each tile's number is made (docs/metrics.md)
        bar.addWidget(self.help_button)
        bar.addWidget(self.export_button)
        charts = QHBoxLayout()
        charts.addWidget(self.sentiment_chart, 1)
        charts.addWidget(self.risk_chart, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(bar)
        layout.addWidget(self.period_label)
        layout.addWidget(self.undated_label)
        layout.addLayout(self.tile_grid)
        layout.addLayout(charts)

    # --- loading -----------------------------------------------------------------------

    def reset_options(self) -> None:
        """Re-read the shops and the newest data day (cheap index look-ups) into the filter bar."""
        repo = self.ctx.store.dashboard
        self.filter_bar.set_options(repo.shops(), repo.last_day(), repo.first_day(), all_if_undated=True)
        self._refresh_checked = False

    def load(self) -> None:
        """Read the figures for the filter bar's filter; the charts follow on the next turn of the event loop
        (in the background on a big store: the tiles when the figures are read, the charts when built)."""
        self._loading = True
        self._loads += 1
        if not self.background:
            self._applied = self._loads
            self._apply(load_dashboard(self.ctx.store, self.filter_bar.filter()))
            return
        seq = self._loads
        flt = self.filter_bar.filter()
        job = Job(self, load_job, self.ctx.store.path, flt, not self._refresh_checked, label="读取总览数据")
        job.without_progress_dialog().on_success(lambda result: self._loaded(result, seq))
        self.ctx.jobs.start("overview.load", job)
        if not charts_ready() and self.ctx.jobs.current("overview.warm") is None:
            warm = Job(self, warm_charts, label="准备图表").without_progress_dialog()
            warm.sig_finished.connect(lambda: self._warmed(warm))
            self.ctx.jobs.start("overview.warm", warm)

    def is_loaded(self) -> bool:
        return not self._loading and self.data is not None

    def _loaded(self, result: DashboardLoad, seq: int) -> None:
        if seq != self._loads:  # a newer load is on its way
            return
        self._applied = seq
        self._apply(result.data, result.stale)

    def _apply(self, data: DashboardData, stale: bool | None = None) -> None:
        self.data = data
        f, p = data.filter, data.previous_filter
        if f.all_data:
            self.period_label.setText(f"{data.scope_label}，{data.period_text}，{NO_PREVIOUS}")
        else:
            self.period_label.setText(
                f"{data.scope_label}，{f.date_from:%Y-%m-%d} 至 {f.date_to:%Y-%m-%d}（{f.days} 天），"
                f"与上期 {p.date_from:%Y-%m-%d} 至 {p.date_to:%Y-%m-%d} 相比"
            )
        note = undated_note(data)
        self.undated_label.setText(note)
        self.undated_label.setVisible(bool(note))
        self._show_tiles(tiles(data))
        if self.background:  # built in a job once matplotlib is imported, shown when done
            if self.ctx.jobs.current("overview.warm") is not None:
                self._charts_waiting = data
            else:
                self._build_charts(data)
        else:
            # The charts after the tiles are painted: the first one imports matplotlib (~0.6 s at start-up).
            QTimer.singleShot(0, lambda: self._show_charts(data))
        if not self._refresh_checked:
            self._refresh_checked = True
            self._check_aggregates(stale)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        data, self._charts_hidden = self._charts_hidden, None
        if data is not None:
            QTimer.singleShot(0, lambda: self._show_charts(data))

    def _warmed(self, warm: Job) -> None:
        data, self._charts_waiting = self._charts_waiting, None
        if warm.state != "discarded" and data is not None and data is self.data:  # discarded: closing
            self._build_charts(data)

    def _build_charts(self, data: DashboardData) -> None:
        """The charts at the width the page has now, built in a job and shown when done."""
        job = Job(self, figures_job, data, self._chart_width(), CHART_HEIGHT / 100, label="绘制总览图表")
        job.without_progress_dialog().on_success(lambda figures: self._set_figures(data, *figures))
        self.ctx.jobs.start("overview.charts", job)

    def _chart_width(self) -> float:
        return max(self.width() / 2 - 10, 300) / 100

    def _show_charts(self, data: DashboardData) -> None:
        if data is not self.data:
            return
        if not self.isVisible():  # the user went to another page first: draw when 总览 is shown again
            self._charts_hidden = data
            return
        from cxdesk.reports.figures import risk_figure, sentiment_figure

        width = self._chart_width()
        self._set_figures(
            data, sentiment_figure(data, width, CHART_HEIGHT / 100), risk_figure(data, width, CHART_HEIGHT / 100)
        )

    def _set_figures(self, data: DashboardData, sentiment: Any, risk: Any) -> None:
        if data is not self.data or self._applied != self._loads:  # a newer load replaces these figures
            return
        self.sentiment_chart.set_figure(sentiment)
        if self.background:  # each chart's first render (~80 ms at 1366 px) in its own turn of the event loop
            QTimer.singleShot(0, lambda: self._set_risk_figure(data, risk))
        else:
            self._set_risk_figure(data, risk)

    def _set_risk_figure(self, data: DashboardData, risk: Any) -> None:
        if data is not self.data or self._applied != self._loads:
            return
        self.risk_chart.set_figure(risk)
        self._loading = False
        self.sig_loaded.emit()
        if self._refresh_after_charts:
            self._refresh_after_charts = False
            self._refresh_aggregates()

    def _show_tiles(self, items: list[Tile]) -> None:
        while len(self.tile_widgets) < len(items):
            tile = TileWidget(self)
            tile.sig_clicked.connect(lambda t: self.follow(t.link))
            i = len(self.tile_widgets)
            self.tile_grid.addWidget(tile, i // TILE_COLUMNS, i % TILE_COLUMNS)
            self.tile_widgets.append(tile)
        for widget, tile in zip(self.tile_widgets, items):
            widget.show_tile(tile)
            widget.show()
        for widget in self.tile_widgets[len(items) :]:
            widget.hide()

    # --- pre-aggregates ---------------------------------------------------------------------

    def _check_aggregates(self, stale: bool | None = None) -> None:
        """Start the refresh when the pre-aggregates are stale (``stale``: already asked by the loading job);
        in the background mode once the charts are drawn."""
        if stale is None:
            from cxdesk.reports.aggregate import needs_refresh

            stale = needs_refresh(self.ctx.store.conn)
        if not stale:
            return
        if self.background and self._loading:
            self._refresh_after_charts = True
        else:
            self._refresh_aggregates()

    def _refresh_aggregates(self) -> None:
        job = Job(self, refresh_job, self.ctx.store.path, label="汇总总览数据")
        job.without_progress_dialog().writes_to_store().on_success(lambda changed: changed and self.load())
        self.ctx.jobs.start("overview.aggregate", job)

    # --- links --------------------------------------------------------------------------------

    def follow(self, link: Link | None) -> None:
        if link is not None:
            self.sig_open_page.emit(link.page, dict(link.filters))

    def _on_pick(self, gid: str) -> None:
        from cxdesk.reports.figures import link_for

        if self.data is not None:
            self.follow(link_for(self.data, gid))

    def tile(self, key: str) -> TileWidget | None:
        return next((w for w in self.tile_widgets if w.tile is not None and w.tile.key == key and w.isVisible()), None)

    def tile_keys(self) -> list[str]:
        return [w.tile.key for w in self.tile_widgets if w.tile is not None and not w.isHidden()]

    def current_link(self, key: str) -> Any:
        widget = self.tile(key)
        return None if widget is None or widget.tile is None else widget.tile.link
