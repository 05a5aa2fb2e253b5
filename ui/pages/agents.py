"""客服绩效: KPIs and capability model per agent, with the sessions behind every number.

The store is read once per data change, in a background job
(:func:`cxdesk.analysis.agent_kpis.load_frames`, ~1 s at the demo's 34k
messages, ~5 s at 1M), which also aggregates the bar's current table and
trend; period, shop and conversion-window changes re-aggregate those frames
on the GUI thread (tens of ms at the demo, ~0.5 s at 1M) unless the frames
already hold that table (:func:`~cxdesk.analysis.agent_kpis.cached_kpi_table`).
A repeat visit redraws nothing unless the capability weights changed.
Double-clicking a number opens the sessions behind it and each conversation
read-only. Capability weights come from ``capability.json`` (设置 edits the
user's copy); the page re-reads them whenever it is shown.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QModelIndex, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cxdesk.analysis.agent_metrics import DIMENSIONS, METRIC, NO_TIME, SCORE, SCORE_LABEL, TEAM
from cxdesk.analysis.agent_report_compare import compare, difference
from ui.widgets.help_button import HelpButton
from ui.models.agent_rank_model import COLUMNS, AgentRankModel, format_value, partial_note
from ui.models.flag_queue_model import short_agent
from ui.pages.agents_view._drill import AgentDrillDialog
from ui.pages.agents_view._figures import radar_figure, trend_figure
from ui.pages.agents_view._filters import AgentFilterBarWidget
from ui.pages.base import BasePage, PageContext
from ui.widgets.compact_chart import CompactChartWidget
from ui.workers import Job, active_jobs

if TYPE_CHECKING:
    import pandas as pd

# On a big store the page loads its frames in a child process (the window never stutters) and does so
# before its first visit (~5 s at 1M messages), once no other job runs: the first visit then only shows
# tables from memory. Small stores load in a thread, on the visit.
PREFETCH_MIN_MESSAGES = 200_000
PREFETCH_DELAY_MS = 2_000
RADAR_HEIGHT = 300
TREND_HEIGHT = 205
DRILL_NOTES = {"agent": "该客服的会话", SCORE: "该客服的会话"}


def _kpis():
    """The KPI computation, imported when first needed (it loads pandas: ~1 s of start-up otherwise)."""
    from cxdesk.analysis import agent_kpis

    return agent_kpis


def _load_frames(ctx, db_path: str, views: list[dict], in_process: bool):
    """The loading job: pandas is imported here, off the GUI thread (~0.5 s on a first visit)."""
    if in_process:
        return _kpis().load_frames_in_process(ctx, db_path, views)
    return _kpis().load_frames(ctx, db_path, views=views)


def _capability():
    from cxdesk.analysis import capability

    return capability


def _missing(value) -> bool:
    """None, NaN or pandas' NA (without importing pandas)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pd.NA
        return True


class AgentsPage(BasePage):
    """Option bar; ranking table with the capability explained below; radar and trend on the right."""

    key = "agents"
    title = "客服绩效"
    icon = QStyle.StandardPixmap.SP_DirHomeIcon
    empty_title = "还没有客服聊天记录"
    empty_description = (
        "这里按客服显示接待人数、首次响应时间、平均响应时间、3分钟回复率、询单转化率等指标，"
        "以及每位客服的能力模型（响应速度、服务态度、专业度、问题解决、合规、转化）。"
    )
    empty_how_to = "先在「导入」页导入客服聊天记录（计算转化率还需要订单），然后运行分析。"

    sig_loaded = Signal()
    sig_drill_opened = Signal(object)
    sig_open_session = Signal(int, object)  # from a drill-down: the main window shows it on 会话

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.repo = ctx.store.agents
        self.reports = ctx.store.agent_reports
        self.comparison = None
        self.frames = None
        self.table: pd.DataFrame | None = None
        self._pending_shop: int | None = None
        self._config_key: str | None = None  # the capability configuration the table was scored with
        self._selecting = False  # select_row draws the charts once, not also from the selection signal
        self._stale = True
        self._unshown = False  # frames loaded while hidden: the table is filled on the next show
        self._generation = 0  # bumped by every data change: a load started before it is not used
        self._prefetch_timer = QTimer(self)
        self._prefetch_timer.setSingleShot(True)
        self._prefetch_timer.setInterval(PREFETCH_DELAY_MS)
        self._prefetch_timer.timeout.connect(self._prefetch)
        self.drill_dialog: AgentDrillDialog | None = None
        self.build_faces(self._build_content())
        self.refresh()

    # --- building ----------------------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content = QWidget(self)
        self.filter_bar = AgentFilterBarWidget(content)
        self.filter_bar.sig_options_changed.connect(self.recompute)
        self.filter_bar.sig_period_changed.connect(self.show_period)
        self.filter_bar.sig_trend_changed.connect(self.update_charts)
        self.filter_bar.sig_export.connect(self.export)
        self.model = AgentRankModel(self)
        self.view = QTableView(content)
        self.view.setObjectName("agentRanking")
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(1, Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        self.view.doubleClicked.connect(self._on_double_click)
        self.view.horizontalHeader().sectionClicked.connect(self._on_header_click)
        hint_text = QLabel("双击任一数字：列出背后的会话并查看对话；表头悬停看公式，点 ? 看全部定义。", content)
        hint_text.setStyleSheet("color: #777;")
        self.help_button = HelpButton("agents", content)
        hint = QWidget(content)
        hint_row = QHBoxLayout(hint)
        hint_row.setContentsMargins(0, 0, 0, 0)
        hint_row.addWidget(hint_text, 1)
        hint_row.addWidget(self.help_button)
        self.capability_label = QLabel("", content)
        self.capability_label.setObjectName("capabilityDetail")
        self.capability_label.setWordWrap(True)
        self.capability_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.capability_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        left = QWidget(content)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.view, 1)
        left_layout.addWidget(hint)
        left_layout.addWidget(self.capability_label)
        self.report_label = QLabel("", content)
        self.report_label.setObjectName("platformReport")
        self.report_label.setWordWrap(True)
        self.report_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report_label.setToolTip(
            "导入的平台客服日报（飞鸽、千牛/赤兔等）与本软件按聊天记录计算的指标对照；"
            "差 = 计算 − 平台。口径不同（平台可能剔除机器人接待、按自然日统计等）会造成差异。"
        )
        self.report_label.hide()
        left_layout.addWidget(self.report_label)
        self.radar = CompactChartWidget(RADAR_HEIGHT, "选中一位客服查看能力雷达图", content)
        self.trend = CompactChartWidget(TREND_HEIGHT, "", content)
        charts = QWidget(content)
        right_layout = QVBoxLayout(charts)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.radar)
        right_layout.addWidget(self.trend)
        right_layout.addStretch(1)
        # Scrolls on a small window instead of forcing the main window's minimum height.
        right = QScrollArea(content)
        right.setWidgetResizable(True)
        right.setFrameShape(QFrame.Shape.NoFrame)
        right.setWidget(charts)
        self.split = QSplitter(Qt.Orientation.Horizontal, content)
        self.split.addWidget(left)
        self.split.addWidget(right)
        self.split.setStretchFactor(0, 1)
        self.split.setSizes([700, 430])
        layout = QVBoxLayout(content)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.split, 1)
        return content

    # --- loading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Data changed: reload now if shown, else when next shown."""
        has_chats = self.repo.has_chats()
        self.stack.setCurrentIndex(1 if has_chats else 0)
        self.action_button.setVisible(self.ctx.store.is_empty())
        if not self.ctx.store.is_empty() and not has_chats:
            self.empty_state.how_to_label.setText("已导入的数据里没有客服发出的聊天消息：请导入客服聊天记录。")
        self._stale = has_chats
        self.frames = None
        self._unshown = False
        self._generation += 1
        if has_chats and self.isVisible():
            self.reload()
        elif has_chats and self._big():
            self._prefetch_timer.start()

    def _big(self) -> bool:
        return self.ctx.store.counts().chat_messages >= PREFETCH_MIN_MESSAGES

    def _prefetch(self) -> None:
        """Load while hidden, once the other pages' jobs have finished (never slowing the page in front)."""
        if not self._stale or self.isVisible():
            return
        if active_jobs():
            self._prefetch_timer.start()
            return
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()
        elif self._unshown:
            self._show_loaded()
        elif self.frames is not None and _kpis().config_key(_kpis().load_config()) != self._config_key:
            self.recompute()  # the weights were changed on 设置; otherwise the page shows what it showed

    def reload(self) -> None:
        """Read the store in the background; the table fills when the job ends."""
        self._stale = False
        self.filter_bar.status_label.setText("正在计算客服指标…")
        job = Job(
            self, _load_frames, str(self.ctx.store.path), self._views(), self._big(), label="计算客服绩效"
        ).without_progress_dialog()
        generation = self._generation
        job.on_success(lambda frames: self._loaded(frames) if generation == self._generation else None)
        self.ctx.jobs.start(self.key, job)

    def _views(self) -> list[dict]:
        """The tables the bar shows now (ranking and trend), aggregated in the loading job."""
        bar = self.filter_bar
        date_from, date_to = bar.date_range()
        view = dict(shop_ids=bar.shop_ids(), window=bar.window(), date_from=date_from, date_to=date_to)
        kinds = [bar.period_kind()] + ([] if bar.period_kind() == "week" else [self._trend_kind()])
        return [dict(view, period=kind) for kind in kinds]

    def _trend_kind(self) -> str:
        kind = self.filter_bar.period_kind()
        return kind if kind != "all" else "week"

    def _loaded(self, frames) -> None:
        self.frames = frames
        self._unshown = not self.isVisible()
        if not self._unshown:  # else filling the table and drawing the charts wait for the visit
            self._show_loaded()

    def _show_loaded(self) -> None:
        self._unshown = False
        frames = self.frames
        self.filter_bar.set_shops(self.repo.shops())
        self.filter_bar.set_date_bounds(*_kpis().date_bounds(frames))
        if self._pending_shop is not None:  # asked for by 总览 before the shops were listed
            index = self.filter_bar.shop_box.findData(self._pending_shop)
            if index >= 0:
                with QSignalBlocker(self.filter_bar.shop_box):
                    self.filter_bar.shop_box.setCurrentIndex(index)
            self._pending_shop = None
        self.recompute()
        self.sig_loaded.emit()

    def apply_filters(self, shop_id: int | None = None, date_from=None, date_to=None, **_other) -> None:
        """Open on this shop (None: all) and these days (总览's tiles pass their period)."""
        bar = self.filter_bar
        index = bar.shop_box.findData(shop_id if shop_id is not None else 0)
        if index >= 0:
            with QSignalBlocker(bar.shop_box):
                bar.shop_box.setCurrentIndex(index)
        else:
            self._pending_shop = shop_id
        bar.set_date_range(date_from, date_to)  # recomputes once

    def recompute(self) -> None:
        """Aggregate the loaded frames for the bar's shop, period kind, conversion window and days."""
        if self.frames is None:
            return
        self.config = _kpis().load_config()
        self._config_key = _kpis().config_key(self.config)
        bar = self.filter_bar
        date_from, date_to = bar.date_range()
        self.table = _kpis().cached_kpi_table(
            self.frames,
            bar.period_kind(),
            shop_ids=bar.shop_ids(),
            window=bar.window(),
            date_from=date_from,
            date_to=date_to,
            config=self.config,
        )
        keys = sorted(set(self.table["period"]) - {NO_TIME}, reverse=True)
        if NO_TIME in set(self.table["period"]):
            keys.append(NO_TIME)
        bar.set_periods(keys)
        self.show_period()

    def show_period(self) -> None:
        if self.table is None:
            return
        selected = self.selected_agent()
        rows = self.table[self.table["period"] == self.filter_bar.period()]
        self.model.set_table(rows)
        n_agents = int((~rows["is_team"]).sum()) if len(rows) else 0
        notes = [f"{n_agents} 位客服"]
        if not self.frames.has_sentiment:
            notes.append("还没有运行分析：服务态度、问题解决不含买家情绪")
        if not self.frames.has_risk:
            notes.append("还没有运行风险检查：合规维度为空")
        if rows["inquiry_buyers"].isna().all() if len(rows) else True:
            notes.append("没有订单：转化指标为空")
        self.filter_bar.status_label.setText("；".join(notes))
        self._show_reports(rows)
        row = self.model.row_of(selected) if selected else -1
        self.select_row(row if row >= 0 else 0)

    def _show_reports(self, rows: pd.DataFrame) -> None:
        """The platform's own daily report for this period beside the computed figures, if imported."""
        reports = self.reports.rows(self.filter_bar.shop_ids()) if self.reports.exists() else []
        self.comparison = (
            compare(rows.to_dict("records"), reports, self.filter_bar.period_kind(), self.filter_bar.period())
            if reports
            else None
        )
        if self.comparison is None or self.comparison.empty:
            self.report_label.hide()
            self.report_label.setText("")
            return
        self.report_label.setText(report_html(self.comparison))
        self.report_label.show()

    # --- selection and charts -------------------------------------------------------------------

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self._selecting = True
            try:
                self.view.selectRow(row)
            finally:
                self._selecting = False
        self.update_charts()

    def selected_agent(self) -> str | None:
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        data = self.model.row_data(rows[0].row()) if rows else None
        return None if data is None else str(data["agent"])

    def _on_selection(self, _s: QItemSelection, _d: QItemSelection) -> None:
        if not self._selecting:
            self.update_charts()

    def _on_header_click(self, section: int) -> None:
        key = self.model.key(section)
        if key in METRIC or key in DIMENSIONS or key == SCORE:
            self.filter_bar.set_trend_key(key)

    def update_charts(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        row = self.model.row_data(rows[0].row()) if rows else None
        if row is None or self.table is None:
            self.radar.clear("选中一位客服查看能力雷达图")
            self.capability_label.setText("")
            return
        period_rows = self.table[self.table["period"] == row["period"]]
        agents = period_rows[~period_rows["is_team"]]
        name = TEAM if row["is_team"] else short_agent(str(row["agent"]))
        labels = list(DIMENSIONS.values())
        mine = [None if _missing(row[k]) else float(row[k]) for k in DIMENSIONS]
        team = [None if agents[k].isna().all() else float(agents[k].mean()) for k in DIMENSIONS]
        self.radar.set_figure(radar_figure(labels, mine, team, name))
        self.capability_label.setText(self._capability_html(row, name))
        self._update_trend(row, name)

    def _capability_html(self, row: pd.Series, name: str) -> str:
        score = format_value(SCORE, row[SCORE])
        lines = [f"<b>{escape(name)}</b> 的能力模型（{escape(str(row['period']))}）：{SCORE_LABEL} <b>{score}</b>"]
        note = partial_note(row)
        if note:  # a composite from fewer dimensions says so beside the number
            lines[0] += f" <span style='color:#b26a00'>（{escape(note)}）</span>"
        for ev in _capability().explain(row):
            value = "无数据" if ev.score is None else f"{ev.score:.0f}"
            lines.append(f"<b>{ev.label} {value}</b>：{escape(ev.detail)}")
        return "<br>".join(lines)

    def _update_trend(self, row: pd.Series, name: str) -> None:
        bar = self.filter_bar
        kind = self._trend_kind()
        table = _kpis().cached_kpi_table(
            self.frames,
            kind,
            shop_ids=bar.shop_ids(),
            window=bar.window(),
            date_from=bar.date_range()[0],
            date_to=bar.date_range()[1],
            config=self.config,
        )
        table = table[table["period"] != NO_TIME]
        key = bar.trend_key()
        periods = sorted(set(table["period"]))
        agent = table[table["agent"] == row["agent"]].set_index("period")[key].reindex(periods)
        team = table[table["is_team"]].set_index("period")[key].reindex(periods)
        scale = 100.0 if METRIC.get(key) is not None and METRIC[key].unit == "%" else 1.0
        label = bar.trend_box.currentText()
        unit = METRIC[key].unit if key in METRIC else "分"
        title = f"{label}（{unit}，{'按周' if kind == 'week' else bar.kind_box.currentText()}）"
        self.trend.set_figure(
            trend_figure(
                periods,
                [None if _missing(v) else v * scale for v in agent],
                [None if _missing(v) else v * scale for v in team],
                title,
                name,
            )
        )

    # --- drill-down ---------------------------------------------------------------------------------

    def _on_double_click(self, index: QModelIndex) -> None:
        self.open_drill(index.row(), index.column())

    def open_drill(self, row: int, column: int) -> AgentDrillDialog | None:
        data = self.model.row_data(row)
        if data is None or self.frames is None:
            return None
        key = self.model.key(column)
        bar = self.filter_bar
        agent = None if data["is_team"] else str(data["agent"])
        rows = _kpis().drill(
            self.frames,
            key,
            agent,
            bar.period_kind(),
            str(data["period"]),
            shop_ids=bar.shop_ids(),
            date_from=bar.date_range()[0],
            date_to=bar.date_range()[1],
            window=bar.window(),
            config=self.config,
        )
        heads = self.repo.session_heads(rows["session_id"].head(5000).tolist())
        who = TEAM if agent is None else short_agent(agent)
        header = COLUMNS[column][1]
        value = format_value(key, data.get(key)) if key != "agent" else ""
        note = f"{who} · {data['period']} · {header} {value}".strip()
        conversations = self.ctx.store.risk_queue
        if self.drill_dialog is not None:
            self.drill_dialog.close()
        self.drill_dialog = AgentDrillDialog(
            f"{header} 背后的会话 — {who}", note, rows, heads, conversations.conversation, agent, self
        )
        self.drill_dialog.sig_open_session.connect(self.sig_open_session)
        self.drill_dialog.show()
        self.sig_drill_opened.emit(self.drill_dialog)
        return self.drill_dialog

    # --- export -----------------------------------------------------------------------------------------

    def export(self) -> None:
        from ui.widgets.save_path import ask_save_path

        path = ask_save_path(self, "导出客服绩效", "客服绩效.xlsx", "Excel (*.xlsx);;CSV (*.csv)", self.ctx.store.path)
        if path is not None:
            self.start_export(str(path))

    def start_export(self, path: str) -> Job:
        from cxdesk.agent_export import export_agents

        bar = self.filter_bar
        job = Job(
            self,
            export_agents,
            str(self.ctx.store.path),
            bar.period_kind(),
            path,
            shop_ids=bar.shop_ids(),
            window=bar.window(),
            label="导出客服绩效",
        )
        job.on_success(lambda summary: self.filter_bar.status_label.setText(summary.describe()))
        return self.ctx.jobs.start(f"{self.key}.export", job)


def report_html(c) -> str:
    """The comparison block: per agent, each KPI as 计算 / 平台 / 差."""
    head = "".join(f"<th colspan=3 nowrap>{escape(label)}</th>" for label, _k, _f in c.pairs)
    sub = "<th nowrap>计算</th><th nowrap>平台</th><th nowrap>差</th>" * len(c.pairs)
    body = []
    for line in c.lines:
        cells = []
        for _label, key, _f in c.pairs:
            mine, theirs = line.values[key]
            diff = difference(key, mine, theirs)
            shown = "—" if diff is None else _diff_text(key, diff)
            cells.append(
                f"<td nowrap>{format_value(key, mine)}</td><td nowrap>{format_value(key, theirs)}</td>"
                f"<td nowrap style='color:#777'>{shown}</td>"
            )
        name = escape(short_agent(line.agent))
        body.append(f"<tr><td nowrap>{name}</td>{''.join(cells)}</tr>")
    span = "" if c.days is None else (c.days[0] if c.days[0] == c.days[1] else f"{c.days[0]} 至 {c.days[1]}")
    html = [
        f"<b>平台客服日报对照</b>（日报日期 {span}；{len(c.lines)} 位客服已对应；差 = 计算 − 平台，比率的差为百分点）",
        f"<table border=0 cellspacing=0 cellpadding=2><tr><th rowspan=2 nowrap>客服</th>{head}</tr><tr>{sub}</tr>"
        f"{''.join(body)}</table>",
    ]
    if c.unmatched:
        html.append(
            "<span style='color:#b35900'>日报中这些客服没有对应的聊天记录（按子账号匹配，未能对应）："
            f"{escape('、'.join(c.unmatched))}</span>"
        )
    if c.without_report:
        html.append(
            f"<span style='color:#777'>日报中没有这些客服：{escape('、'.join(map(short_agent, c.without_report)))}</span>"
        )
    return "<br>".join(html)


def _diff_text(key: str, diff: float) -> str:
    metric = METRIC.get(key)
    if metric is not None and metric.unit == "%":
        return f"{diff * 100:+.1f}"  # percentage points (said in the block's title)
    if metric is not None and metric.unit in ("秒", "元"):
        return f"{diff:+.1f}"
    return f"{diff:+.0f}"


if __name__ == "__main__":
    import sys

    from ui.pages._preview import preview

    raise SystemExit(preview(AgentsPage, sys.argv[1] if len(sys.argv) > 1 else None))
