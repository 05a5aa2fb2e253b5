"""Figures of the 风险 page as plain matplotlib Figures (no pyplot, no Qt).

Built here rather than in ``cxdesk/charts.py`` only because that module
belongs to the 评价分析 work in progress; these functions are pure and can
move there unchanged. Clickable artists carry a ``gid``
(``category:投诉/监管威胁`` or ``day:2024-06-01``) that the page turns into a
filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from cxdesk.charts import empty_axes, tidy_axes
from cxdesk.fonts import margins_figure, text_width

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

LEVEL_COLORS = {"高": "#d9534f", "中": "#f0ad4e", "低": "#9e9e9e"}
LINE = "#1f5fa8"
TICK = 8
TITLE = 9.5


_tidy = partial(tidy_axes, title_size=TITLE, tick_size=TICK)
_nothing = partial(empty_axes, title_size=TITLE, tick_size=TICK, text_size=9)


def counts_figure(
    by_category: Sequence[tuple[str, str, int]],
    by_day: Sequence[tuple[str, str, int]],
    width: float = 5.6,
    height: float = 2.0,
) -> Figure:
    """Flags per category and per day, both split by level (red 高, orange 中, grey 低)."""
    categories: list[str] = []
    for cat, _lvl, _n in by_category:
        if cat not in categories:
            categories.append(cat)
    # Margins in inches from the labels (the category names, 8 pt; the day counts' ticks): this figure is
    # drawn at each load of the page, and the measuring layout took ~0.2 s of it.
    label = max((text_width(c, TICK) for c in categories), default=0.3)
    fig = margins_figure(width, height, left=label + 0.12, right=0.08, top=0.26, bottom=0.24, gap=0.5)
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.6])
    if not categories:
        _nothing(left, "各类别", "没有符合筛选的风险")
        _nothing(right, "每日", "")
        return fig
    _tidy(left, "各类别（点击筛选）")
    starts = dict.fromkeys(categories, 0)
    for level in ("高", "中", "低"):
        for cat, lvl, n in by_category:
            if lvl != level:
                continue
            y = categories.index(cat)
            left.barh(y, n, left=starts[cat], color=LEVEL_COLORS[lvl], height=0.7, picker=True, gid=f"category:{cat}")
            starts[cat] += n
    for y, cat in enumerate(categories):
        left.text(starts[cat], y, f" {starts[cat]:,}", va="center", fontsize=TICK - 0.5)
    left.set_yticks(range(len(categories)), categories)
    left.invert_yaxis()
    left.margins(x=0.25)
    left.tick_params(axis="x", labelbottom=False, length=0)
    left.spines["bottom"].set_visible(False)
    _day_bars(right, by_day)
    return fig


def _day_bars(ax: Axes, by_day: Sequence[tuple[str, str, int]]) -> None:
    from matplotlib.patches import Rectangle

    _tidy(ax, "每日数量（点击某天筛选）")
    days = sorted({d for d, _lvl, _n in by_day})
    if not days:
        ax.set_axis_off()
        return
    index = {d: i for i, d in enumerate(days)}
    bottoms = [0] * len(days)
    for level, color in LEVEL_COLORS.items():
        xs, hs, bs = [], [], []
        for d, lvl, n in by_day:
            if lvl == level:
                xs.append(index[d])
                hs.append(n)
                bs.append(bottoms[index[d]])
                bottoms[index[d]] += n
        if xs:
            ax.add_collection(_bars(xs, bs, hs, color, level), autolim=False)
    # Invisible full-height bars take the clicks, one per day. Added as plain artists: the limits are
    # set below, and ``ax.bar`` (one call per day for its own gid) cost ~1 ms a day.
    top = max(bottoms)
    for d, i in index.items():
        ax.add_artist(
            Rectangle((i - 0.5, 0), 1.0, top, facecolor="none", edgecolor="none", picker=True, gid=f"day:{d}")
        )
    step = max(1, -(-len(days) // 6))
    ax.set_xticks(range(0, len(days), step), [_short(days[i]) for i in range(0, len(days), step)])
    ax.set_xlim(-0.8, len(days) - 0.2)
    ax.legend(fontsize=TICK - 0.5, loc="upper left", frameon=False, ncols=3, handlelength=1, columnspacing=0.8)
    ax.set_ylim(0, top * 1.25)


def _bars(xs: list[int], bottoms: list[int], heights: list[int], color: str, label: str):
    """Stacked day bars of one level as one collection of rectangles: ``ax.bar`` makes a patch per bar and
    updates the limits for each (~0.3 ms a bar; 90 days × 3 levels took ~0.1 s to build and as much to draw)."""
    import numpy as np
    from matplotlib.collections import PolyCollection

    x, b, h, half = np.asarray(xs, float), np.asarray(bottoms, float), np.asarray(heights, float), 0.85 / 2
    corners = [(x - half, b), (x - half, b + h), (x + half, b + h), (x + half, b)]
    verts = np.stack([np.column_stack(c) for c in corners], axis=1)
    return PolyCollection(verts, facecolors=color, edgecolors="none", label=label)


def _short(day: str) -> str:
    try:
        d = date.fromisoformat(day)
    except ValueError:
        return day
    return f"{d.month}/{d.day}"


def sentiment_figure(
    points: Sequence[tuple[int, float]], marked: Sequence[int] = (), width: float = 5.6, height: float = 1.25
) -> Figure:
    """The buyer's sentiment (0 负面 – 1 正面) message by message; flagged messages in red."""
    fig = margins_figure(width, height, left=0.34, right=0.12, top=0.26, bottom=0.24)  # drawn per item read
    ax = fig.add_subplot()
    # Short enough for the detail pane of a 1093 px wide window (1366×768 at 125 %): a longer title is cut.
    title = "买家情感逐条走势（0 负面–1 正面；红点：命中风险）"
    if not points:
        _nothing(ax, title, "这段会话的买家消息还没有情感分析结果")
        return fig
    _tidy(ax, title)
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    ax.axhline(0.5, color="#cccccc", linewidth=0.8, zorder=0)
    ax.plot(xs, ys, color=LINE, marker="o", markersize=3, linewidth=1.3)
    hit = [(x, y) for x, y in points if x in set(marked)]
    if hit:
        ax.scatter([h[0] for h in hit], [h[1] for h in hit], color=LEVEL_COLORS["高"], s=28, zorder=3)
    ax.set_ylim(-0.05, 1.05)
    ax.set_yticks([0, 0.5, 1])
    if len(xs) == 1:
        ax.set_xlim(xs[0] - 1, xs[0] + 1)
    ax.xaxis.get_major_locator().set_params(integer=True)
    return fig
