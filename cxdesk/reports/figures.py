"""Figures of 总览 and the report, plain matplotlib Figures (no pyplot, no Qt).

Clickable artists carry a ``gid``: ``sentiment:<bucket start>`` for a bucket
of the sentiment chart, ``risk:<bucket start>:<level>`` for a level's part
of a risk bar. :func:`link_for` turns a gid into the :class:`Link` the page
follows, so the page only forwards pick events (STYLE §18).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from cxdesk.charts import LINE, NEGATIVE, TICK_SIZE, _clickable, empty_axes, tidy_axes
from cxdesk.fonts import setup_matplotlib_fonts
from cxdesk.reports.data import DashboardData, Link, _flags, _voc, bucket_label, bucket_range
from cxdesk.store.dashboard import LEVELS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LEVEL_COLORS = {"高": "#c9302c", "中": "#f0ad4e", "低": "#9fb8d0"}
BUCKET_NAMES = {"day": "日", "week": "周（周一起）", "month": "月"}
MAX_TICKS = 8


def _fast_figure(width: float, height: float, right: float = 0.25) -> Figure:
    """A figure with fixed margins (inches): constrained layout took half of each draw (~50 ms)."""
    from matplotlib.figure import Figure

    setup_matplotlib_fonts()
    fig = Figure(figsize=(width, height), dpi=100)
    fig.subplots_adjust(left=0.62 / width, right=1 - right / width, bottom=0.34 / height, top=1 - 0.32 / height)
    return fig


def _ticks(ax, n: int, labels: list[str]) -> None:
    step = max(1, -(-n // MAX_TICKS))
    ax.set_xticks(list(range(n))[::step], labels[::step])


def sentiment_figure(data: DashboardData, width: float = 5.2, height: float = 2.9, clickable: bool = True) -> Figure:
    """Per bucket: share of 负面 reviews (bars, clickable) and the mean sentiment score (line)."""
    fig = _fast_figure(width, height, right=0.62)
    ax = fig.add_subplot()
    title = f"评价情感（按{BUCKET_NAMES[data.bucket][0]}{'，点击柱子查看评价' if clickable else ''}）"
    points = data.series
    if not any(p.analysed for p in points):  # nothing to click: no click hint in the title
        empty_axes(
            ax,
            f"评价情感（按{BUCKET_NAMES[data.bucket][0]}）",
            _empty_text(data, "已分析情感的评价", data.undated.reviews, "条评价"),
        )
        return fig
    tidy_axes(ax, title)
    xs = list(range(len(points)))
    shares = [p.negative_share * 100 for p in points]
    bars = ax.bar(xs, shares, color=NEGATIVE, alpha=0.75, width=0.75, label="负面占比 %")
    _clickable(bars, [f"sentiment:{p.start.isoformat()}" for p in points])
    top = max(10.0, max(shares) * 1.45)
    ax.set_ylim(0, top)
    ax.set_ylabel("负面占比 %", fontsize=TICK_SIZE)
    scale = top / 1.25
    ax.plot(
        xs,
        [p.mean_score * scale if p.mean_score is not None else float("nan") for p in points],
        color=LINE,
        marker="o",
        markersize=2.5,
        linewidth=1.4,
        label="平均情感分",
    )
    right = ax.secondary_yaxis("right", functions=(lambda v: v / scale, lambda s: s * scale))
    right.set_yticks([0, 0.5, 1.0])
    right.tick_params(labelsize=TICK_SIZE)
    right.set_ylabel("情感分 0–1", fontsize=TICK_SIZE)
    _ticks(ax, len(points), [bucket_label(p.start, data.bucket) for p in points])
    ax.legend(fontsize=TICK_SIZE, loc="upper left", frameon=False, ncols=2)
    return fig


def risk_figure(data: DashboardData, width: float = 5.2, height: float = 2.9, clickable: bool = True) -> Figure:
    """Per bucket: risk flags stacked by level (each part clickable: that day/week and level)."""
    fig = _fast_figure(width, height)
    ax = fig.add_subplot()
    title = f"风险（按{BUCKET_NAMES[data.bucket][0]}{'，点击查看这些风险' if clickable else ''}）"
    series = data.risk_series()
    if not any(sum(per.values()) for _s, _e, per in series):
        undated = data.undated_flags() if data.all_data else 0
        empty_axes(
            ax, f"风险（按{BUCKET_NAMES[data.bucket][0]}）", _empty_text(data, "风险标记", undated, "个风险标记")
        )
        return fig
    tidy_axes(ax, title)
    xs = list(range(len(series)))
    bottom = [0] * len(series)
    for level in LEVELS:
        heights = [per.get(level, 0) for _s, _e, per in series]
        bars = ax.bar(xs, heights, bottom=bottom, color=LEVEL_COLORS[level], width=0.75, label=f"{level}风险")
        _clickable(bars, [f"risk:{s.isoformat()}:{level}" for s, _e, _p in series])
        bottom = [b + h for b, h in zip(bottom, heights)]
    ax.set_ylabel("风险数", fontsize=TICK_SIZE)
    ax.set_ylim(0, max(bottom) * 1.3 or 1)
    _ticks(ax, len(series), [bucket_label(s, data.bucket) for s, _e, _p in series])
    ax.legend(fontsize=TICK_SIZE, loc="upper left", frameon=False, ncols=3)
    return fig


ASPECT_TITLE = "各方面的正面 / 负面提及"  # the report's title: nothing in a report can be clicked


def report_aspect_figure(aspects, all_data: bool = False) -> Figure:
    """The app's aspect chart with a title that does not invite a click; empty: why it is empty."""
    from cxdesk.charts import TITLE_SIZE, aspect_figure
    from cxdesk.fonts import new_figure

    if not aspects:
        fig = new_figure(5.0, 2.8)
        where = "全部数据中" if all_data else "所选期间"
        empty_axes(fig.add_subplot(), ASPECT_TITLE, f"{where}没有方面提及\n（没有评价，或方面分析尚未运行）")
        return fig
    fig = aspect_figure(aspects)
    fig.axes[0].set_title(ASPECT_TITLE, fontsize=TITLE_SIZE, loc="left")
    return fig


def _empty_text(data: DashboardData, what: str, undated: int, unit: str) -> str:
    """Why a trend chart is empty: nothing in the period, or the rows have no time (never "not analysed")."""
    if data.all_data:
        if undated:
            return f"{undated:,} {unit}没有时间，无法按时间画趋势"
        return f"没有{what}"
    if data.undated.reviews or data.undated.sessions:
        return f"所选期间没有{what}\n（没有时间的数据只计入「全部」）"
    return f"所选期间没有{what}"


def link_for(data: DashboardData, gid: str) -> Link | None:
    """The page and filter a click on chart element ``gid`` opens; ``None`` for anything else."""
    kind, _, rest = gid.partition(":")
    if kind == "sentiment":
        start, end = bucket_range(date.fromisoformat(rest), data.bucket, data.filter)
        return _voc(data.filter.changed(date_from=start, date_to=end, all_data=False))
    if kind == "risk":
        day, _, level = rest.partition(":")
        start, end = bucket_range(date.fromisoformat(day), data.bucket, data.filter)
        return _flags(data.filter, levels=(level,) if level in LEVELS else (), statuses=(), day_from=start, day_to=end)
    return None
