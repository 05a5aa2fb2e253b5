"""The background query of 风险 and the plain result it returns.

:func:`load_queue` is a ``fn(ctx, ...)`` for :class:`ui.workers.Job`: it reads
through its own read-only connection (STYLE §7, §13) with a frozen
:class:`FlagFilter` built on the GUI thread, so the page's first load and its
reloads never wait on the store. Its reads share one snapshot of the joined queue
(:meth:`cxdesk.store.risk_queue.RiskQueueRepo.snapshot`, a TEMP table of that
connection). All SQL is in :mod:`cxdesk.store.risk_queue`;
the page fetches further pages of the queue itself (small LIMIT/OFFSET reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxdesk.store import Repos, open_reader
from cxdesk.store.risk_queue import FlagFilter, FlagRow, QueueOptions
from cxdesk.tasks import JobContext


@dataclass(frozen=True)
class QueueResult:
    """One filter's queue: the counts the chart and the count label show, and its first page.

    ``options`` (what the filter bar offers) only when asked for: a reload, not a filter change.
    """

    filter: FlagFilter
    sort: str
    options: QueueOptions | None
    by_category: list[tuple[str, str, int]]
    by_day: list[tuple[str, str, int]]
    flags: int
    total: int
    first_page: list[FlagRow]


def load_queue(
    ctx: JobContext, db_path: Path, flt: FlagFilter, sort: str, first: int, with_options: bool
) -> QueueResult:
    """The filter bar's options (if ``with_options``), the counts of ``flt`` and its first ``first`` items."""
    conn = open_reader(db_path)
    try:
        # One copy of the joined queue for every read below (joined once, not once per query).
        with Repos(conn).risk_queue.snapshot() as repo:
            options = repo.options() if with_options else None
            ctx.check()
            by_category = repo.category_counts(flt)
            flags = sum(n for _cat, _level, n in by_category)  # saves a COUNT(*) over the same rows
            ctx.check()
            # One row per session or review, with all its flags (a session with three matched rules is
            # one item to handle, not three).
            total = repo.item_count(flt) if flags else 0
            ctx.check()
            first_page = repo.item_page(flt, 0, first, sort) if total else []
            ctx.check()
            by_day = repo.daily_counts(flt)
        return QueueResult(flt, sort, options, by_category, by_day, flags, total, first_page)
    finally:
        conn.close()
