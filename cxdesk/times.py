"""Times as cxdesk stores them, the range a shop's time may plausibly fall in, and tolerant readers.

Every time is stored as text ``YYYY-MM-DD HH:MM:SS`` (Beijing local time); a day as
``YYYY-MM-DD``. Importers refuse a time that is not a real date (``2024-02-30``) or
falls outside :func:`plausible_range` (a row with such a time is rejected with its
line number and a reason, see README "导入"). Analysis, reports and pages read
stored times through :func:`stored_datetime` / :func:`stored_date` (in SQL:
:mod:`cxdesk.store._days`), which give None for anything unreadable or
implausible: a store written by an older version, which accepted ``2024-02-30``
or ``0001-01-01``, still analyses; such a time simply counts as missing (like a
JDDC chat, which has no times at all).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Shop data older than this is not real: the platforms cxdesk reads (淘宝 2003, 京东商城 2004 …)
# did not exist; a time before it is a wrong cell (0, 1900-01-00 of Excel, 0001-01-01 of a null date).
EARLIEST_YEAR = 2000
# How far past today a time may lie: exports are of the past, but a shop's machine clock or a
# presale date may run ahead; more than a year ahead (9999-12-31, 2099-…) is a placeholder.
LATEST_DAYS_AHEAD = 366


@lru_cache(maxsize=1)
def plausible_range() -> tuple[datetime, datetime]:
    """(earliest, latest) plausible time: 2000-01-01 00:00:00 .. today + 366 days, 23:59:59.

    Computed once per process (a long-running app keeps the day it started: the bound
    only moves by the days it has been running, within the year of slack).
    """
    latest = datetime.combine(date.today() + timedelta(days=LATEST_DAYS_AHEAD), datetime.max.time())
    return datetime(EARLIEST_YEAR, 1, 1), latest.replace(microsecond=0)


@lru_cache(maxsize=1)
def plausible_text_range() -> tuple[str, str]:
    """:func:`plausible_range` as stored text, for comparing canonical time strings."""
    lo, hi = plausible_range()
    return lo.strftime(TIME_FORMAT), hi.strftime(TIME_FORMAT)


@lru_cache(maxsize=1)
def plausible_epoch_range() -> tuple[float, float]:
    """:func:`plausible_range` as seconds since 1970-01-01 of the naive local times (as numpy counts)."""
    epoch = datetime(1970, 1, 1)
    lo, hi = plausible_range()
    return (lo - epoch).total_seconds(), (hi - epoch).total_seconds()


def range_text() -> str:
    """The plausible range for messages: ``2000-01-01 至 2027-06-30``."""
    lo, hi = plausible_range()
    return f"{lo:%Y-%m-%d} 至 {hi:%Y-%m-%d}"


def stored_datetime(value: object) -> datetime | None:
    """A stored time (or day) as a datetime; None when missing, unreadable or implausible."""
    if not value or type(value) is not str:
        return None
    try:
        moment = datetime.fromisoformat(value[:19])
    except ValueError:
        return None
    lo, hi = plausible_range()
    return moment if lo <= moment <= hi else None


def stored_date(value: object) -> date | None:
    """The day of a stored time or day; None when missing, unreadable or implausible."""
    moment = stored_datetime(value[:10] if type(value) is str else value)
    return moment.date() if moment is not None else None
