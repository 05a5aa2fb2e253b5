"""Figures of the 评价分析 page, built as plain matplotlib Figures (no pyplot).

The UI wraps them in a canvas; reports and tests ``savefig`` the same
objects without Qt (STYLE §18). Clickable artists carry a ``gid`` such as
``rating:1``, ``week:2024-04-01`` or ``aspect:物流:负面``;
:func:`pick_filter` turns a picked gid into the filter the list should
show, so the page only forwards pick events.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from cxdesk.fonts import margins_figure, text_width, tick_room
from cxdesk.store.voc import NO_RATING, WORD_RATINGS, AspectCount, VocFilter, WeekPoint

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

NEGATIVE = "#d9534f"
NEUTRAL = "#f0ad4e"
POSITIVE = "#4cae4c"
MUTED = "#b8b8b8"
LINE = "#1f5fa8"
RATING_COLORS = {
    1: NEGATIVE,
    2: NEGATIVE,
    3: NEUTRAL,
    4: POSITIVE,
    5: POSITIVE,
    NO_RATING: MUTED,
    11: NEGATIVE,
    12: NEUTRAL,
    13: POSITIVE,
}
RATING_ORDER = (1, 2, 3, 4, 5, 11, 12, 13, NO_RATING)
MAX_ASPECT_BARS = 10
TITLE_SIZE = 10.5
TICK_SIZE = 8.5


def rating_label(rating: int) -> str:
    if rating in WORD_RATINGS:
        return WORD_RATINGS[rating]  # rated in words only (评价等级 好评/中评/差评)
    return "无评分" if rating == NO_RATING else f"{rating}星"


# The page's three charts keep margins fixed in inches, from what their labels hold (cxdesk.fonts.
# margins_figure): they are drawn again at every filter change, and the measuring layout took
# 25–45 ms of each (~100 ms a change on the demo).
WIDTH, HEIGHT = 5.0, 2.8
TITLE_ROOM = 0.3  # inches above the axes for the title
AXIS_LABEL = 0.2  # a rotated axis label's line


def tidy_axes(ax: Axes, title: str, *, title_size: float = TITLE_SIZE, tick_size: float = TICK_SIZE) -> None:
    """Title on the left, small ticks, no top/right frame: the look every chart of the app shares."""
    ax.set_title(title, fontsize=title_size, loc="left")
    ax.tick_params(labelsize=tick_size)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def empty_axes(
    ax: Axes,
    title: str,
    text: str,
    *,
    title_size: float = TITLE_SIZE,
    tick_size: float = TICK_SIZE,
    text_size: float = 10,
) -> None:
    """A chart with nothing to draw: its title and a grey sentence saying why."""
    tidy_axes(ax, title, title_size=title_size, tick_size=tick_size)
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=text_size, color="#777", transform=ax.transAxes)


def _clickable(bars: Any, gids: Sequence[str]) -> None:
    """Make each bar pickable under its own gid (one ``bar`` call for all bars is ~10× faster
    than one call per bar: 108 weekly bars took 115 ms to build)."""
    for patch, gid in zip(bars.patches, gids):
        patch.set_picker(True)
        patch.set_gid(gid)


def rating_figure(counts: Mapping[int, int], selected: Collection[int] = ()) -> Figure:
    """Reviews per star, per 评价等级 word (好评/中评/差评, only when some reviews have words and no
    stars) and 「无评分」; bars outside a rating filter are greyed."""
    left = AXIS_LABEL + tick_room(max(counts.values(), default=1), TICK_SIZE)
    fig = margins_figure(WIDTH, HEIGHT, left=left, right=0.12, top=TITLE_ROOM, bottom=0.32)
    ax = fig.add_subplot()
    tidy_axes(ax, "评分分布（点击柱子筛选）")
    order = [r for r in RATING_ORDER if r not in WORD_RATINGS or counts.get(r, 0) or r in selected]
    colors = [RATING_COLORS[r] if not selected or r in selected else "#e3e3e3" for r in order]
    bars = ax.bar(range(len(order)), [counts.get(r, 0) for r in order], color=colors, width=0.7)
    _clickable(bars, [f"rating:{r}" for r in order])
    ax.bar_label(bars, fmt="{:,.0f}", fontsize=TICK_SIZE, padding=2)
    ax.set_xticks(range(len(order)), [rating_label(r) for r in order])
    ax.set_ylabel("评价数", fontsize=TICK_SIZE)
    ax.margins(y=0.15)
    return fig


def trend_figure(points: Sequence[WeekPoint]) -> Figure:
    """Share of 负面 per week as bars and the mean sentiment score as a line."""
    # left: 负面占比 % and its ticks (≤ 100); right: the score's scale (0.25 …) and its label
    fig = margins_figure(
        WIDTH, HEIGHT, left=AXIS_LABEL + tick_room(100, TICK_SIZE), right=0.72, top=TITLE_ROOM, bottom=0.5
    )
    ax = fig.add_subplot()
    title = "每周情感趋势（点击某周筛选）"
    if not points:
        empty_axes(ax, title, "所选范围内没有已分析情感的评价")
        return fig
    tidy_axes(ax, title)
    xs = range(len(points))
    bars = ax.bar(xs, [p.negative_share * 100 for p in points], color=NEGATIVE, alpha=0.75, width=0.7, label="负面占比")
    _clickable(bars, [f"week:{p.week_start.isoformat()}" for p in points])
    ax.set_ylabel("负面占比 %", fontsize=TICK_SIZE)
    top = max(10.0, max(p.negative_share * 100 for p in points) * 1.4)
    ax.set_ylim(0, top)
    step = -(-len(points) // 7)  # at most 7 labels: they must not run into each other
    ax.set_xticks(list(xs)[::step], [f"{p.week_start.month}/{p.week_start.day}" for p in points][::step])
    ax.set_xlabel("周（周一起）", fontsize=TICK_SIZE)
    # The score shares the bars' axes, rescaled, with a secondary scale on the right: a twinx
    # axes would sit on top and swallow the clicks meant for the bars. 1.2 leaves legend room.
    scale = top / 1.2
    scores = [p.mean_score * scale if p.mean_score is not None else float("nan") for p in points]
    ax.plot(list(xs), scores, color=LINE, marker="o", markersize=3, linewidth=1.5, label="平均情感分")
    score_axis = ax.secondary_yaxis("right", functions=(lambda v: v / scale, lambda s: s * scale))
    score_axis.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    score_axis.set_ylabel("平均情感分（0–1）", fontsize=TICK_SIZE)
    score_axis.tick_params(labelsize=TICK_SIZE)
    ax.legend(fontsize=TICK_SIZE, loc="upper left", frameon=False, ncols=2)
    return fig


def aspect_figure(counts: Sequence[AspectCount], limit: int = MAX_ASPECT_BARS) -> Figure:
    """Positive vs negative mentions of the most mentioned aspects, horizontal bars."""
    title = "各方面的正面 / 负面提及（点击筛选）"
    shown = list(counts)[:limit]
    label = max((text_width(c.aspect, TICK_SIZE) for c in shown), default=0.4)
    fig = margins_figure(WIDTH, HEIGHT, left=label + 0.14, right=0.15, top=TITLE_ROOM, bottom=0.45)
    ax = fig.add_subplot()
    if not shown:
        empty_axes(ax, title, "所选范围内没有方面提及")
        return fig
    tidy_axes(ax, title)
    height = 0.38
    ys = range(len(shown))
    for polarity, offset, color, attr in (
        ("正面", -height / 2, POSITIVE, "positive"),
        ("负面", height / 2, NEGATIVE, "negative"),
    ):
        bars = ax.barh([y + offset for y in ys], [getattr(c, attr) for c in shown], height, color=color, label=polarity)
        _clickable(bars, [f"aspect:{c.aspect}:{polarity}" for c in shown])
    ax.set_yticks(range(len(shown)), [c.aspect for c in shown])
    ax.invert_yaxis()
    ax.set_xlabel("提及次数", fontsize=TICK_SIZE)
    ax.legend(fontsize=TICK_SIZE, loc="lower right", frameon=False)
    return fig


def pick_filter(flt: VocFilter, gid: str | None) -> VocFilter | None:
    """The filter a click on the artist ``gid`` asks for; ``None`` for non-clickable artists.

    A rating bar selects that rating, a week the seven days from its
    Monday, an aspect bar that aspect with the bar's polarity.
    """
    kind, _, value = (gid or "").partition(":")
    if kind == "rating" and value.lstrip("-").isdigit():
        return flt.changed(ratings=(int(value),))
    if kind == "week":
        monday = date.fromisoformat(value)
        return flt.changed(date_from=monday, date_to=monday + timedelta(days=6))
    if kind == "aspect":
        aspect, _, polarity = value.rpartition(":")
        return flt.changed(aspect=aspect, polarity=polarity or None)
    return None
