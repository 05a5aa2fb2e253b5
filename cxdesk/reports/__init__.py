"""总览 figures and reports: what the shop owner sees first and what they send to their team.

- :mod:`cxdesk.reports.data` — one period's figures and the period before (the 总览 tiles), or
  全部 (every row, those without a time too, no comparison);
- :mod:`cxdesk.reports.aggregate` — the team service pre-aggregate those tiles read;
- :mod:`cxdesk.reports.figures` — the two 总览 charts (matplotlib, no Qt);
- :mod:`cxdesk.reports.build` — the report job (XLSX, HTML, PDF).

Nothing here imports Qt; modules that need pandas or matplotlib import them lazily.
"""

from __future__ import annotations

from cxdesk.reports.build import FORMATS, ReportParams, ReportSummary, build_report
from cxdesk.reports.data import (
    DashboardData,
    Link,
    Tile,
    all_filter,
    default_filter,
    load_dashboard,
    tiles,
    undated_note,
)

__all__ = [
    "FORMATS",
    "DashboardData",
    "Link",
    "ReportParams",
    "ReportSummary",
    "Tile",
    "all_filter",
    "build_report",
    "default_filter",
    "load_dashboard",
    "tiles",
    "undated_note",
]
