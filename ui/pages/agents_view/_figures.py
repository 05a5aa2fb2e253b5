"""Figures of the 客服绩效 page as plain matplotlib Figures (no pyplot, no Qt).

Pure functions like the 风险 page's ``_figures``: they can move to
``cxdesk/charts.py`` unchanged once that module is free.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cxdesk.fonts import margins_figure, new_figure, tick_room

if TYPE_CHECKING:
    from matplotlib.figure import Figure

AGENT_COLOR = "#1f5fa8"
TEAM_COLOR = "#e08a2e"
TICK = 8
TITLE = 9.5


_figure = new_figure


def radar_figure(
    labels: Sequence[str],
    agent: Sequence[float | None],
    team: Sequence[float | None],
    agent_name: str,
    width: float = 4.2,
    height: float = 3.1,
) -> Figure:
    """One agent's dimensions (0–100) against the team average; unknown dimensions are marked 无数据."""
    fig = _figure(width, height)
    ax = fig.add_subplot(projection="polar")
    n = len(labels)
    ax.set_theta_offset(math.pi / 2)  # first dimension at the top, then clockwise
    ax.set_theta_direction(-1)
    angles = [2 * math.pi * i / n for i in range(n)]
    closed = [*angles, angles[0]]

    def values(xs: Sequence[float | None]) -> list[float]:
        v = [0.0 if x is None or x != x else float(x) for x in xs]
        return [*v, v[0]]

    ax.plot(closed, values(team), color=TEAM_COLOR, linewidth=1.4, linestyle="--", label="团队平均")
    ax.fill(closed, values(team), color=TEAM_COLOR, alpha=0.08)
    ax.plot(closed, values(agent), color=AGENT_COLOR, linewidth=2, marker="o", markersize=3.5, label=agent_name)
    ax.fill(closed, values(agent), color=AGENT_COLOR, alpha=0.18)
    ticks = []
    for label, a in zip(labels, agent):
        ticks.append(f"{label}\n{'无数据' if a is None or a != a else f'{a:.0f}'}")
    ax.set_xticks(angles, ticks, fontsize=TICK)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100], ["", "50", "", "100"], fontsize=TICK - 1.5, color="#888")
    ax.set_rlabel_position(360 / n / 2)
    ax.tick_params(axis="x", pad=1)
    ax.grid(color="#dddddd", linewidth=0.7)
    ax.spines["polar"].set_color("#cccccc")
    fig.legend(loc="outside lower center", ncols=2, fontsize=TICK, frameon=False, handlelength=1.6)
    return fig


def trend_figure(
    periods: Sequence[str],
    agent: Sequence[float | None],
    team: Sequence[float | None],
    title: str,
    agent_name: str,
    width: float = 4.2,
    height: float = 2.2,
) -> Figure:
    """One KPI of the agent and of the team over the periods (gaps where a period has no value).

    Margins are fixed in inches from the largest value's tick label (drawn again at every agent or KPI
    change; measuring them took about a third of a draw)."""
    known = [abs(float(v)) for v in (*agent, *team) if v is not None and v == v]
    top = max(known, default=100.0)
    fig = margins_figure(
        width, height, left=tick_room(top, TICK, decimals=1, pad=0.14), right=0.12, top=0.3, bottom=0.26
    )
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=TITLE, loc="left")
    ax.tick_params(labelsize=TICK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not periods:
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            "所选周期没有可画的数据",
            ha="center",
            va="center",
            fontsize=9,
            color="#777",
            transform=ax.transAxes,
        )
        return fig
    xs = list(range(len(periods)))

    def ys(values: Sequence[float | None]) -> list[float]:
        return [float("nan") if v is None else float(v) for v in values]

    ax.plot(xs, ys(team), color=TEAM_COLOR, linewidth=1.2, linestyle="--", label="团队")
    ax.plot(xs, ys(agent), color=AGENT_COLOR, linewidth=1.6, marker="o", markersize=2.5, label=agent_name)
    step = max(1, -(-len(periods) // 6))
    ax.set_xticks(xs[::step], [_short(p) for p in periods[::step]])
    ax.legend(fontsize=TICK - 0.5, frameon=False, loc="best", handlelength=1.4)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.7)
    return fig


def _short(period: str) -> str:
    parts = period.split("-")
    if len(parts) == 3:
        return f"{int(parts[1])}/{int(parts[2])}"
    if len(parts) == 2:
        return f"{parts[0][2:]}年{int(parts[1])}月"
    return period
