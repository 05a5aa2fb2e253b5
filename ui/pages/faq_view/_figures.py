"""The 常见问题 chart as a plain matplotlib Figure (no pyplot, no Qt).

Pure, like :mod:`ui.pages.risk_queue._figures`: it can move to
``cxdesk/charts.py`` unchanged. Imported by the page only when the chart is
first drawn, so starting the GUI never imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from cxdesk.fonts import margins_figure, text_width, tick_room

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLORS = ("#1f5fa8", "#d9534f", "#f0ad4e", "#5cb85c", "#8e6cc0", "#17a2b8", "#795548")
TICK = 8
TITLE = 9.5
BUCKET_NAMES = {"day": "每日", "week": "每周", "month": "每月"}
LABEL_CHARS = 12


def short_label(label: str, limit: int = LABEL_CHARS) -> str:
    """The question part of a label (before its keywords), cut to ``limit`` characters."""
    head = label.split("（", 1)[0].strip() or label
    return head if len(head) <= limit else head[: limit - 1] + "…"


def _period_tick(period: str, bucket: str) -> str:
    if bucket == "day" and len(period) == 10:
        return f"{int(period[5:7])}/{int(period[8:10])}"
    if bucket == "week" and "-" in period:
        return f"第{int(period.split('-')[1])}周"
    if bucket == "month" and len(period) == 7:
        return f"{period[:4]}年{int(period[5:7])}月"
    return period


def timeline_figure(
    rows: Sequence[tuple[str, int, int]],
    labels: Mapping[int, str],
    bucket: str = "week",
    width: float = 5.6,
    height: float = 1.9,
) -> Figure:
    """Questions per period of the top clusters, one line each (``labels``: cluster id → label, in rank order).

    Margins are fixed in inches from what the labels hold (the chart is drawn again at every filter
    change; measuring them took ~40 % of a draw): the y ticks' width on the left, the legend's on the right.
    """
    counts = {(c, p): n for p, c, n in rows}
    top = max(counts.values(), default=0)
    names = [short_label(label) for label in labels.values()]
    legend = max((text_width(n, TICK - 0.5) for n in names), default=0.0) + 0.45 if names and counts else 0.1
    fig = margins_figure(width, height, left=tick_room(top, TICK, pad=0.14), right=legend, top=0.28, bottom=0.24)
    ax = fig.add_subplot()
    title = f"问得最多的 {len(labels)} 类问题{BUCKET_NAMES.get(bucket, '')}次数"
    ax.set_title(title, fontsize=TITLE, loc="left")
    ax.tick_params(labelsize=TICK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    periods = sorted({p for p, _c, _n in rows if p})
    if not periods or not labels:
        ax.set_axis_off()
        ax.text(
            0.5, 0.5, "还没有带时间的问题", ha="center", va="center", fontsize=9, color="#777", transform=ax.transAxes
        )
        return fig
    for k, (cid, label) in enumerate(labels.items()):
        ys = [counts.get((cid, p), 0) for p in periods]
        ax.plot(
            range(len(periods)),
            ys,
            color=COLORS[k % len(COLORS)],
            linewidth=1.4,
            marker="o",
            markersize=2.5,
            label=short_label(label),
            gid=f"cluster:{cid}",
            picker=5,
        )
    step = max(1, -(-len(periods) // 6))
    ax.set_xticks(
        range(0, len(periods), step), [_period_tick(periods[i], bucket) for i in range(0, len(periods), step)]
    )
    ax.set_xlim(-0.3, len(periods) - 0.7 if len(periods) > 1 else 0.3)
    ax.set_ylim(bottom=0)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=TICK - 0.5, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, handlelength=1.2)
    return fig
