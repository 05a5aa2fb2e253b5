"""Background jobs of 评价分析 and the plain results they return.

Each job is a ``fn(ctx, ...)`` for :class:`ui.workers.Job`. It gets the
database path and a frozen :class:`VocFilter` snapshot built on the GUI
thread (STYLE §7) and reads through its own read-only connection, so the
GUI thread's connection stays the GUI thread's. All queries live in
``cxdesk.store.voc`` and all computations in ``cxdesk.analysis.voc``.

A filter change starts three jobs, so what is quick is not held up by
what is slow (measured on 201k reviews / 690k aspect mentions, 2 cores):
the list (options, count, first pages: ~0.6 s), the charts (ratings,
weekly trend, aspects: ~3 s unfiltered) and the emerging complaints
(jieba over the period's texts: ~2 s unfiltered). 差评原因 is a fourth,
started only while its tab is open and only when the shops, products or
dates change (the other parts of the filter do not enter it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cxdesk.analysis.star_drivers import DriverResult, drivers_for
from cxdesk.analysis.voc import EmergingResult, HeatTable, emerging_complaints, heat_table
from cxdesk.store import open_reader
from cxdesk.store.repos import Repos
from cxdesk.store.voc import AspectCount, ReviewRow, ShiftRow, VocFilter, VocOptions, WeekPoint
from cxdesk.tasks import JobContext


@dataclass(frozen=True)
class VocSnapshot:
    """The list side of one filter: options, totals and the first pages of both lists."""

    filter: VocFilter
    options: VocOptions
    total: int
    first_page: list[ReviewRow]
    shift_total: int = 0  # reviews of the filter whose 追评 turned negative
    first_shifts: list[ShiftRow] = field(default_factory=list)


@dataclass(frozen=True)
class ChartData:
    """What the charts and the heat table of one filter show."""

    filter: VocFilter
    has_aspects: bool  # the aspect stage has run
    ratings: dict[int, int]
    trend: list[WeekPoint]
    aspects: list[AspectCount]
    heat: HeatTable


def load_snapshot(
    ctx: JobContext, db_path: Path, flt: VocFilter, sort: str, descending: bool, page_size: int
) -> VocSnapshot:
    """Options, counts and the first page of the list and of the 追评转差 list for ``flt``."""
    conn = open_reader(db_path)
    try:
        voc = Repos(conn).voc
        options = voc.options()
        ctx.check()
        total, first = voc.count(flt), voc.page(flt, sort, descending, 0, page_size)
        shifts = flt.changed(shift_only=True)
        shift_total = voc.count(shifts) if options.has_text_state else 0
        first_shifts = voc.shift_page(shifts, 0, page_size) if shift_total else []
        return VocSnapshot(flt, options, total, first, shift_total, first_shifts)
    finally:
        conn.close()


def load_page(
    ctx: JobContext, db_path: Path, flt: VocFilter, sort: str, descending: bool, offset: int, limit: int
) -> list[ReviewRow]:
    """A further page of the list (scrolling down)."""
    conn = open_reader(db_path)
    try:
        return Repos(conn).voc.page(flt, sort, descending, offset, limit)
    finally:
        conn.close()


def load_charts(ctx: JobContext, db_path: Path, flt: VocFilter) -> ChartData:
    """Rating distribution, weekly trend, aspect bars and the product × aspect table for ``flt``."""
    conn = open_reader(db_path)
    try:
        voc = Repos(conn).voc
        ratings = voc.rating_distribution(flt)
        ctx.check()
        trend = voc.weekly_trend(flt)
        ctx.check()
        has_aspects = voc.has_aspects()
        aspects, cells = voc.aspect_breakdown(flt) if has_aspects else ([], [])
        return ChartData(flt, has_aspects, ratings, trend, aspects, heat_table(cells))
    finally:
        conn.close()


def load_drivers(ctx: JobContext, db_path: Path, flt: VocFilter) -> DriverResult | None:
    """差评原因 for ``flt`` (its ratings, aspect and polarity ignored); ``None`` before the aspect stage ran."""
    conn = open_reader(db_path)
    try:
        voc = Repos(conn).voc
        if not voc.has_aspects():
            return None
        ctx.check()
        return drivers_for(voc, flt)
    finally:
        conn.close()


def load_emerging(ctx: JobContext, db_path: Path, flt: VocFilter) -> EmergingResult:
    """Emerging complaints for ``flt``: a separate job, as the keyword scan loads jieba (~1 s)."""
    conn = open_reader(db_path)
    try:
        voc = Repos(conn).voc
        last = voc.last_date()
        ctx.check()
        return emerging_complaints(voc, flt, last, voc.has_aspects())
    finally:
        conn.close()
