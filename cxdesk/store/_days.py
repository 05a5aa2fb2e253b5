"""The first or last day of stored times, passing over the unreadable ones an older store may hold.

Versions before the import-time date check stored times such as ``2024-02-30``,
``0001-01-01`` or ``9999-12-31`` as they came. A plain ``MIN``/``MAX`` would
hand them to the date pickers and charts; :func:`edge_day` looks again just
past such a value (an index look-up each time on an indexed column) until it
finds a day :func:`cxdesk.times.stored_date` accepts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date

from cxdesk.times import plausible_text_range, stored_date

MAX_SKIPPED = 20  # unreadable values passed over before giving up (then: no day)


def edge_day(conn: sqlite3.Connection, sources: Sequence[tuple[str, str]], *, newest: bool) -> date | None:
    """MAX (``newest``) or MIN day over ``sources`` — (table or ``(subquery)``, time column) pairs —
    among plausible, readable times; None when there is none."""
    agg, op = ("MAX", "<") if newest else ("MIN", ">")
    lo, hi = plausible_text_range()
    bound = hi + "~" if newest else lo[:-1]  # just outside the range: the first look-up includes its edge
    parts = [f"SELECT {agg}({col}) AS d FROM {src} WHERE {col} {op} ?1" for src, col in sources]
    sql = f"SELECT {agg}(d) FROM ({' UNION ALL '.join(parts)})"
    for _ in range(MAX_SKIPPED + 1):
        value = conn.execute(sql, (bound,)).fetchone()[0]
        if value is None:
            return None
        day = stored_date(value)
        if day is not None:
            return day
        bound = value
    return None


def edge_day_text(conn: sqlite3.Connection, sources: Sequence[tuple[str, str]], *, newest: bool) -> str | None:
    """:func:`edge_day` as ``YYYY-MM-DD`` (what the pages' date pickers take)."""
    day = edge_day(conn, sources, newest=newest)
    return day.isoformat() if day is not None else None


def plausible_sql(column: str) -> tuple[str, tuple[str, str]]:
    """A WHERE condition (and its parameters) true for a ``column`` holding a real, plausible
    time: SQLite's date() keeps 2024-02-30 as it is, but a ``+0 days`` modifier normalises it."""
    return (
        f"({column} BETWEEN ? AND ? AND date({column}, '+0 days') = substr({column}, 1, 10))",
        plausible_text_range(),
    )
