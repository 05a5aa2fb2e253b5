"""Background work of 总览: bring the pre-aggregates up to date (no Qt here)."""

from __future__ import annotations

from pathlib import Path

from cxdesk.tasks import JobContext


def refresh_job(ctx: JobContext, db_path: Path) -> bool:
    """Recompute the stale pre-aggregates (seconds at 1M messages); whether anything changed."""
    from cxdesk.reports.aggregate import refresh_dashboard

    return refresh_dashboard(ctx, db_path)
