"""Background work of 总览 (no Qt here): read the figures, draw the charts, bring the pre-aggregates up to date.

On a big store the dashboard is read on a read-only connection of its own
(:func:`load_job`) and its two charts are built off the GUI thread too
(:func:`figures_job`): importing matplotlib and loading the CJK font cost
~0.6 s the first time, building the two figures ~0.2 s. :func:`warm_charts`
does that import while the figures are being read.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxdesk.reports.data import DashboardData, load_dashboard
from cxdesk.store import open_reader
from cxdesk.store.dashboard import DashboardFilter
from cxdesk.tasks import JobContext


@dataclass(frozen=True)
class DashboardLoad:
    """One filter's figures and whether the pre-aggregates are stale (``None``: not asked)."""

    data: DashboardData
    stale: bool | None


def load_job(ctx: JobContext, db_path: Path, flt: DashboardFilter, check_aggregates: bool) -> DashboardLoad:
    """Every figure of ``flt`` (:func:`cxdesk.reports.data.load_dashboard`) on its own read-only connection;
    with ``check_aggregates`` also whether :func:`refresh_job` has anything to do."""
    conn = open_reader(db_path)
    try:
        data = load_dashboard(conn, flt)
        ctx.check()
        stale = None
        if check_aggregates:
            from cxdesk.reports.aggregate import needs_refresh

            stale = needs_refresh(conn)
        return DashboardLoad(data, stale)
    finally:
        conn.close()


def charts_ready() -> bool:
    """Whether matplotlib is imported already (then :func:`warm_charts` has nothing to do)."""
    return "matplotlib.figure" in sys.modules and "matplotlib.backends.backend_agg" in sys.modules


def warm_charts(ctx: JobContext) -> None:
    """Import matplotlib (and its Qt canvas module) and draw one tiny figure with Chinese text, which loads
    the font: the first chart on the GUI thread then only builds and draws."""
    import matplotlib.backends.backend_qtagg  # noqa: F401  (the canvas PickChartWidget makes)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    import cxdesk.reports.figures  # noqa: F401  (and the chart helpers it imports)
    from cxdesk.fonts import setup_matplotlib_fonts

    setup_matplotlib_fonts()
    fig = Figure(figsize=(2.0, 1.0), dpi=100)
    fig.add_subplot().set_title("评价情感 0–1")
    FigureCanvasAgg(fig).draw()


def figures_job(ctx: JobContext, data: DashboardData, width: float, height: float) -> tuple[Any, Any]:
    """The sentiment and risk charts of ``data`` (plain matplotlib Figures, shown by the GUI thread)."""
    from cxdesk.reports.figures import risk_figure, sentiment_figure

    return sentiment_figure(data, width, height), risk_figure(data, width, height)


def refresh_job(ctx: JobContext, db_path: Path) -> bool:
    """Recompute the stale pre-aggregates (seconds at 1M messages); whether anything changed."""
    from cxdesk.reports.aggregate import refresh_dashboard

    return refresh_dashboard(ctx, db_path)
