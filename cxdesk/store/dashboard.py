"""Queries behind 总览 and the report: one period's figures, the period before, two time series.

Everything takes a :class:`DashboardFilter` (a date range, inclusive, and
optionally one shop or one platform). Each read is shaped to touch only the
period's rows through an index (reviews by ``created_at``, sessions by
``started_at``), so a 90-day dashboard on a million messages stays far below
half a second:

- reviews, ratings and sentiment: one range scan per period;
- risk: the 风险 queue's items (one per session or review, at its risk-score
  level) per day, level and open/closed in one query over both periods
  (flags on messages are found from the flag side: messages have no time
  index, and flags are few);
- FAQ: questions per cluster in both periods, from ``faq_members.asked_at``;
- 全部 (``DashboardFilter.all_data``): every row, those without a time too
  (JDDC chats, review exports without a date); there is no previous period.
  Rows without a time are counted apart (:meth:`DashboardRepo.undated`: one
  indexed ``IS NULL`` count per table), so a dated period can say how many
  rows it cannot show; 全部's risk flags, dated or not, come from one pass
  over the flags (:meth:`DashboardRepo.risk_all`), its FAQ counts from the
  cluster index;
- reviews per shop and day (count, ratings, sentiment sums) are also kept
  pre-aggregated, as one JSON value in ``meta`` (~1,100 rows for a year of
  three shops) tagged with a fingerprint of the reviews and analysis runs;
  while it is missing or stale the same figures come from the live query;
- team service KPIs (first response, 3-minute reply rate, conversion) come
  from a **pre-aggregate**: per shop and day, the sums and counts those rates
  are made of, stored in ``agent_metrics`` under the agent 「团队」 and
  ``period = 'day'`` (metric names start with ``team.``). Computing them takes
  the whole chat history (seconds at 1M messages), so
  :func:`cxdesk.reports.aggregate.refresh_team_daily` writes them once per
  data change and the dashboard only sums a few hundred rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from cxdesk.store._days import edge_day
from cxdesk.store.risk_queue import queue_level_sql
from cxdesk.times import stored_date

OPEN_STATUSES = ("待处理", "处理中")
LEVELS = ("高", "中", "低")
TEAM_AGENT = "团队"
TEAM_PERIOD = "day"
TEAM_PREFIX = "team."
_DATED = (("reviews", "created_at"), ("chat_sessions", "started_at"))
# The sums and counts of the pre-aggregate (per shop and day); rates are built from them.
TEAM_METRICS = (
    "sessions",
    "first_resp_sum",
    "first_resp_n",
    "reply3_hits",
    "reply3_base",
    "inquiry",
    "ordered",
    "paid",
    "sales",
)
FINGERPRINT_KEY = "dashboard.team_daily"
REVIEW_DAILY_KEY = "dashboard.review_daily"
# Part of the reviews' fingerprint: a stored pre-aggregate of another row shape is stale.
REVIEW_DAILY_SHAPE = "shop-day-9-undated"
_REVIEW_DAY_SELECT = (
    "SELECT r.shop_id, substr(r.created_at, 1, 10) AS d, COUNT(*), COUNT(r.rating), "
    "COALESCE(SUM(r.rating), 0), COALESCE(SUM(s.no_content = 0), 0), "
    "COALESCE(SUM(s.no_content = 0 AND s.label = '负面'), 0), "
    "COALESCE(SUM(CASE WHEN s.no_content = 0 THEN s.score END), 0), COUNT(s.target_id) "
    "FROM reviews r LEFT JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id"
)


@dataclass(frozen=True)
class DashboardFilter:
    """A date range (both ends inclusive) and optionally one shop or one platform.

    ``all_data`` (全部): no date bounds at all, rows without a time included;
    ``date_from``/``date_to`` then only span the dated rows (the trend charts).
    """

    date_from: date
    date_to: date
    shop_id: int | None = None
    platform: str | None = None
    all_data: bool = False

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> DashboardFilter:
        """The period of the same length that ends the day before this one starts.

        全部 has no previous period: it is returned itself, and callers show no comparison.
        """
        if self.all_data:
            return self
        end = self.date_from - timedelta(days=1)
        return replace(self, date_from=end - timedelta(days=self.days - 1), date_to=end)

    def changed(self, **changes: Any) -> DashboardFilter:
        return replace(self, **changes)

    def bounds(self) -> tuple[str, str]:
        """``[from, to + 1 day)`` as text, for ``created_at >= ? AND created_at < ?``.

        For 全部: bounds every stored time passes (text times start with a digit); NULL still fails.
        """
        if self.all_data:
            return "", "~"
        return self.date_from.isoformat(), (self.date_to + timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class ReviewStats:
    reviews: int
    rated: int
    rating_sum: float
    analysed: int  # with a sentiment and some text
    negative: int
    scored: int = 0  # with a sentiment result at all (text or not): 0 means the analysis has not seen them

    @property
    def avg_rating(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.analysed if self.analysed else None


@dataclass(frozen=True)
class UndatedCounts:
    """Rows of the filter's shops without a time: only 全部 counts them."""

    reviews: int = 0
    sessions: int = 0

    def __bool__(self) -> bool:
        return bool(self.reviews or self.sessions)


@dataclass(frozen=True)
class SeriesPoint:
    """Reviews' sentiment in one bucket (a day, a Monday-started week or a month)."""

    start: date
    end: date  # inclusive
    analysed: int
    negative: int
    mean_score: float | None

    @property
    def negative_share(self) -> float:
        return self.negative / self.analysed if self.analysed else 0.0


@dataclass(frozen=True)
class RiskDay:
    day: date
    level: str  # the queue's level: the session's (review's) risk-score level
    open: bool
    flags: int  # risk items (sessions and reviews with flags), as the 风险 queue counts them


@dataclass(frozen=True)
class FaqTrend:
    cluster_id: int
    label: str
    current: int
    previous: int

    @property
    def rise(self) -> float:
        """current / previous with +1 smoothing (a cluster new in the period rises too)."""
        return (self.current + 1.0) / (self.previous + 1.0)


@dataclass(frozen=True)
class TeamTotals:
    """Sums over a period of the team pre-aggregate; rates are ``None`` when there is nothing to divide."""

    values: dict[str, float]

    def get(self, key: str) -> float:
        return float(self.values.get(key, 0.0))

    @property
    def sessions(self) -> int:
        return int(self.get("sessions"))

    @property
    def first_response(self) -> float | None:
        n = self.get("first_resp_n")
        return self.get("first_resp_sum") / n if n else None

    @property
    def reply_rate_3min(self) -> float | None:
        n = self.get("reply3_base")
        return self.get("reply3_hits") / n if n else None

    @property
    def conversion(self) -> float | None:
        n = self.get("inquiry")
        return self.get("ordered") / n if n and "inquiry" in self.values else None


def bucket_kind(days: int) -> str:
    """Day buckets up to a month, weeks up to ~7 months, months beyond: 8–31 bars."""
    return "day" if days <= 31 else "week" if days <= 213 else "month"


def bucket_start(day: date, kind: str) -> date:
    if kind == "week":
        return day - timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    return day


def bucket_end(start: date, kind: str) -> date:
    if kind == "week":
        return start + timedelta(days=6)
    if kind == "month":
        nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return nxt - timedelta(days=1)
    return start


def _in(ids: Sequence[int]) -> str:
    return json.dumps([int(i) for i in ids])


# A flag's level as the 风险 queue shows it (its target's risk-score level; cxdesk.store.risk_queue).
_ITEM_LEVEL = queue_level_sql("fl", "rs")


def _risk_items_sql(message_where: str, session_where: str, review_where: str) -> str:
    """(day, level, open, items): the 风险 queue's items — one per session (its messages' flags and its
    own) or review — of the flags each WHERE picks. An item's day is its earliest flag's, its level the
    queue's (``_ITEM_LEVEL``; the strongest while unscored), open when any of its flags is open; so
    「未处理高风险」 on 总览 counts what the queue lists under 高."""
    status = "fl.status IN ('待处理', '处理中')"
    rank = f"CASE {_ITEM_LEVEL} WHEN '高' THEN 0 WHEN '中' THEN 1 ELSE 2 END"
    return (
        "SELECT d, CASE r WHEN 0 THEN '高' WHEN 1 THEN '中' ELSE '低' END, open, COUNT(*) FROM ("
        "  SELECT item, MIN(d) AS d, MIN(r) AS r, MAX(open) AS open FROM ("
        f"    SELECT 's' || m.session_id AS item, substr(m.sent_at, 1, 10) AS d, {rank} AS r, {status} AS open "
        "    FROM risk_flags fl JOIN chat_messages m ON m.id = fl.target_id "
        "    LEFT JOIN risk_scores rs ON rs.target_type = 'session' AND rs.target_id = m.session_id "
        f"    WHERE {message_where} "
        "    UNION ALL "
        f"    SELECT 's' || s.id, substr(s.started_at, 1, 10), {rank}, {status} "
        "    FROM risk_flags fl JOIN chat_sessions s ON s.id = fl.target_id "
        "    LEFT JOIN risk_scores rs ON rs.target_type = 'session' AND rs.target_id = s.id "
        f"    WHERE {session_where} "
        "    UNION ALL "
        f"    SELECT 'r' || r.id, substr(r.created_at, 1, 10), {rank}, {status} "
        "    FROM risk_flags fl JOIN reviews r ON r.id = fl.target_id "
        "    LEFT JOIN risk_scores rs ON rs.target_type = 'review' AND rs.target_id = r.id "
        f"    WHERE {review_where} "
        "  ) GROUP BY item"
        ") GROUP BY d, r, open ORDER BY d"
    )


class DashboardRepo:
    """Read-only queries of 总览 and the report (works on a read-only connection)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # --- scope ---------------------------------------------------------------------------

    def shops(self) -> list[tuple[int, str, str]]:
        """(id, name, platform) of every shop."""
        return [tuple(r) for r in self._conn.execute("SELECT id, name, platform FROM shops ORDER BY id")]

    def shop_ids(self, f: DashboardFilter) -> list[int]:
        """The shops the filter covers (the shops table is tiny: filtering in Python is free)."""
        return [
            sid
            for sid, _name, platform in self.shops()
            if (f.shop_id is None or sid == f.shop_id) and (not f.platform or platform == f.platform)
        ]

    def last_day(self) -> date | None:
        """The newest day with a review or a chat session (index look-ups; unreadable stored times passed over)."""
        return edge_day(self._conn, _DATED, newest=True)

    def first_day(self) -> date | None:
        return edge_day(self._conn, _DATED, newest=False)

    # --- reviews ---------------------------------------------------------------------------

    def review_days(self, f: DashboardFilter) -> list[list]:
        """Live: [shop, day, reviews, rated, rating_sum, analysed, negative, score_sum, scored] per shop and
        day of ``f`` (for 全部 also the rows without a time: day ``None``)."""
        shops = _in(self.shop_ids(f))
        if f.all_data:
            where, params = "r.shop_id IN (SELECT value FROM json_each(?))", (shops,)
        else:
            where = "r.created_at >= ? AND r.created_at < ? AND r.shop_id IN (SELECT value FROM json_each(?))"
            params = (*f.bounds(), shops)
        return [
            list(r) for r in self._conn.execute(f"{_REVIEW_DAY_SELECT} WHERE {where} GROUP BY r.shop_id, d", params)
        ]

    def review_stats(self, f: DashboardFilter) -> ReviewStats:
        return review_stats_from(self.review_days(f), f, self.shop_ids(f))

    def sentiment_series(self, f: DashboardFilter, kind: str | None = None) -> list[SeriesPoint]:
        return series_from(self.review_days(f), f, kind or bucket_kind(f.days), self.shop_ids(f))

    # --- reviews, pre-aggregated -------------------------------------------------------------

    def review_count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0])

    def review_fingerprint(self) -> str:
        """Changes with every review import or undo and every analysis run (sentiment may change),
        and with the pre-aggregate's row shape (:data:`REVIEW_DAILY_SHAPE`)."""
        q = self._conn.execute
        return json.dumps(
            [
                *q("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM reviews").fetchone(),
                q("SELECT COALESCE(MAX(id), 0) FROM analysis_runs").fetchone()[0],
                REVIEW_DAILY_SHAPE,
            ]
        )

    def compute_review_daily(self) -> list[list]:
        """[shop, day, reviews, rated, rating_sum, analysed, negative, score_sum, scored] for every shop and
        day; the reviews without a time make one row per shop with day ``None`` (counted in 全部 only)."""
        return [list(r) for r in self._conn.execute(f"{_REVIEW_DAY_SELECT} GROUP BY r.shop_id, d")]

    def store_review_daily(self, rows: list[list], fingerprint: str) -> None:
        """Keep the pre-aggregate; call inside a transaction."""
        self._conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (REVIEW_DAILY_KEY, json.dumps({"fingerprint": fingerprint, "rows": rows}, separators=(",", ":"))),
        )

    def review_daily(self) -> list[list] | None:
        """The pre-aggregate when it matches the data, else ``None`` (use the live queries)."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (REVIEW_DAILY_KEY,)).fetchone()
        if row is None:
            return None
        stored = json.loads(row[0])
        return stored["rows"] if stored.get("fingerprint") == self.review_fingerprint() else None

    # --- rows without a time ------------------------------------------------------------------

    def undated(self, f: DashboardFilter) -> UndatedCounts:
        """Reviews and chat sessions of ``f``'s shops without a time (``IS NULL`` look-ups on the time indexes)."""
        q = self._conn.execute
        if f.shop_id is None and not f.platform:  # every shop: the count reads the time index only
            where, params = "", ()
        else:
            where, params = " AND shop_id IN (SELECT value FROM json_each(?))", (_in(self.shop_ids(f)),)
        return UndatedCounts(
            int(q(f"SELECT COUNT(*) FROM reviews WHERE created_at IS NULL{where}", params).fetchone()[0]),
            int(q(f"SELECT COUNT(*) FROM chat_sessions WHERE started_at IS NULL{where}", params).fetchone()[0]),
        )

    def risk_all(self, f: DashboardFilter) -> tuple[list[RiskDay], list[tuple[str, bool, int]]]:
        """全部: every risk item of ``f``'s shops in one pass from the flag side (flags are few; messages
        have no time index): per day as :meth:`risk_days`, and (level, open, items) of those whose
        message, session or review has no (readable) time."""
        sql = _risk_items_sql(
            "fl.target_type = 'message' AND m.shop_id IN (SELECT value FROM json_each(?1))",
            "fl.target_type = 'session' AND s.shop_id IN (SELECT value FROM json_each(?1))",
            "fl.target_type = 'review' AND r.shop_id IN (SELECT value FROM json_each(?1))",
        )
        dated: list[RiskDay] = []
        undated: dict[tuple[str, bool], int] = {}
        for d, level, is_open, n in self._conn.execute(sql, (_in(self.shop_ids(f)),)):
            day = stored_date(d)
            if day is not None:
                dated.append(RiskDay(day, level, bool(is_open), int(n)))
            else:
                undated[(level, bool(is_open))] = undated.get((level, bool(is_open)), 0) + int(n)
        return dated, [(level, is_open, n) for (level, is_open), n in sorted(undated.items())]

    # --- risk ------------------------------------------------------------------------------

    def risk_days(self, f: DashboardFilter) -> list[RiskDay]:
        """Risk items per day, level and open/closed, over ``f`` (see the module notes and ``_risk_items_sql``)."""
        lo, hi = f.bounds()
        sql = _risk_items_sql(
            "fl.target_type = 'message' AND m.sent_at >= ?1 AND m.sent_at < ?2 "
            "AND m.shop_id IN (SELECT value FROM json_each(?3))",
            "fl.target_type = 'session' AND s.started_at >= ?1 AND s.started_at < ?2 "
            "AND s.shop_id IN (SELECT value FROM json_each(?3))",
            "fl.target_type = 'review' AND r.created_at >= ?1 AND r.created_at < ?2 "
            "AND r.shop_id IN (SELECT value FROM json_each(?3))",
        )
        return [
            RiskDay(day, level, bool(is_open), int(n))
            for d, level, is_open, n in self._conn.execute(sql, (lo, hi, _in(self.shop_ids(f))))
            if (day := stored_date(d)) is not None
        ]  # an unreadable stored day counts as no time

    # --- FAQ -------------------------------------------------------------------------------

    def faq_analysed(self) -> bool:
        """Whether the FAQ stage has extracted any question (its tables exist from schema v5)."""
        try:
            return bool(self._conn.execute("SELECT EXISTS (SELECT 1 FROM faq_members)").fetchone()[0])
        except sqlite3.OperationalError:  # an older schema without the FAQ columns
            return False

    def faq_trends(self, f: DashboardFilter, limit: int = 20) -> list[FaqTrend]:
        """Visible clusters asked in ``f`` or the period before: questions in each, most asked now first."""
        if not self.faq_analysed():
            return []
        if f.all_data and f.shop_id is None and not f.platform:  # every question: counted on the cluster index
            rows = self._conn.execute(
                "SELECT c.id, c.label, m.n FROM (SELECT cluster_id, COUNT(*) AS n FROM faq_members "
                "GROUP BY cluster_id) m JOIN faq_clusters c ON c.id = m.cluster_id AND c.hidden = 0 "
                "ORDER BY m.n DESC, c.id LIMIT ?",
                (int(limit),),
            ).fetchall()
            return [FaqTrend(cid, label, int(n or 0), 0) for cid, label, n in rows]
        if f.all_data:  # every question of the shops, those of sessions without a time too; no previous period
            rows = self._conn.execute(
                "SELECT c.id, c.label, COUNT(*) FROM faq_members m "
                "JOIN faq_clusters c ON c.id = m.cluster_id AND c.hidden = 0 "
                "JOIN chat_sessions s ON s.id = m.session_id WHERE s.shop_id IN (SELECT value FROM json_each(?)) "
                "GROUP BY c.id ORDER BY 3 DESC, c.id LIMIT ?",
                (_in(self.shop_ids(f)), int(limit)),
            ).fetchall()
            return [FaqTrend(cid, label, int(n or 0), 0) for cid, label, n in rows]
        prev = f.previous()
        lo, mid = prev.bounds()[0], f.bounds()[0]
        hi = f.bounds()[1]
        rows = self._conn.execute(
            "SELECT c.id, c.label, SUM(m.asked_at >= ?2), SUM(m.asked_at < ?2) "
            "FROM faq_members m JOIN faq_clusters c ON c.id = m.cluster_id AND c.hidden = 0 "
            "JOIN chat_sessions s ON s.id = m.session_id "
            "WHERE m.asked_at >= ?1 AND m.asked_at < ?3 AND s.shop_id IN (SELECT value FROM json_each(?4)) "
            "GROUP BY c.id ORDER BY 3 DESC, c.id LIMIT ?5",
            (lo, mid, hi, _in(self.shop_ids(f)), int(limit)),
        ).fetchall()
        return [FaqTrend(cid, label, int(cur or 0), int(prev_n or 0)) for cid, label, cur, prev_n in rows]

    # --- team KPIs (pre-aggregated) ----------------------------------------------------------

    def team_totals(self, f: DashboardFilter) -> TeamTotals:
        """Sums of the team pre-aggregate over ``f``'s days (sessions without a time are not in it)."""
        lo, hi = ("", "~") if f.all_data else (f.date_from.isoformat(), f.date_to.isoformat())
        rows = self._conn.execute(
            "SELECT substr(metric, ?), SUM(value) FROM agent_metrics "
            "WHERE agent = ? AND period = ? AND period_start >= ? AND period_start <= ? "
            "AND shop_id IN (SELECT value FROM json_each(?)) AND substr(metric, 1, ?) = ? GROUP BY metric",
            (
                len(TEAM_PREFIX) + 1,
                TEAM_AGENT,
                TEAM_PERIOD,
                lo,
                hi,
                _in(self.shop_ids(f)),
                len(TEAM_PREFIX),
                TEAM_PREFIX,
            ),
        ).fetchall()
        return TeamTotals({k: float(v or 0.0) for k, v in rows})

    def has_orders(self, f: DashboardFilter) -> bool:
        return bool(
            self._conn.execute(
                "SELECT EXISTS (SELECT 1 FROM orders WHERE shop_id IN (SELECT value FROM json_each(?)))",
                (_in(self.shop_ids(f)),),
            ).fetchone()[0]
        )

    def has_chats(self) -> bool:
        return bool(self._conn.execute("SELECT EXISTS (SELECT 1 FROM chat_sessions)").fetchone()[0])

    def team_fingerprint(self) -> str:
        """What the pre-aggregate depends on: cheap look-ups that change with every import or undo."""
        q = self._conn.execute
        parts = (
            q("SELECT COALESCE(MAX(id), 0) FROM chat_messages").fetchone()[0],
            q("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM chat_sessions").fetchone(),
            q("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM orders").fetchone(),
        )
        return json.dumps([parts[0], *parts[1], *parts[2]])

    def stored_fingerprint(self) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (FINGERPRINT_KEY,)).fetchone()
        return row[0] if row else None

    def team_is_current(self, version: str) -> bool:
        stored = self.stored_fingerprint()
        return stored is not None and stored == f"{version}|{self.team_fingerprint()}"

    def replace_team_daily(self, rows: Iterable[tuple[int, str, str, float]], version: str, fingerprint: str) -> int:
        """(shop_id, day, metric, value) rows replace the whole pre-aggregate; call inside a transaction."""
        self._conn.execute(
            "DELETE FROM agent_metrics WHERE agent = ? AND period = ? AND substr(metric, 1, ?) = ?",
            (TEAM_AGENT, TEAM_PERIOD, len(TEAM_PREFIX), TEAM_PREFIX),
        )
        data = [
            (int(shop), TEAM_AGENT, TEAM_PERIOD, day, TEAM_PREFIX + metric, float(value))
            for shop, day, metric, value in rows
        ]
        self._conn.executemany(
            "INSERT INTO agent_metrics(shop_id, agent, period, period_start, metric, value) VALUES (?, ?, ?, ?, ?, ?)",
            data,
        )
        self._conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (FINGERPRINT_KEY, f"{version}|{fingerprint}"),
        )
        return len(data)


def _days_in(rows: Iterable[list], f: DashboardFilter, shop_ids: Sequence[int]) -> Iterable[tuple[date, list]]:
    """The rows of dated days in ``f`` (for 全部: every readable day)."""
    if f.all_data:
        shops = set(shop_ids)
        for row in rows:
            day = stored_date(row[1]) if row[0] in shops else None
            if day is not None:
                yield day, row
        return
    shops, lo, hi = set(shop_ids), f.date_from.isoformat(), f.date_to.isoformat()
    for row in rows:
        if row[0] in shops and row[1] is not None and lo <= row[1] <= hi:
            day = stored_date(row[1])  # None for a day like 2024-02-30 that an older version stored
            if day is not None:
                yield day, row


def review_stats_from(rows: Iterable[list], f: DashboardFilter, shop_ids: Sequence[int]) -> ReviewStats:
    """Sum the per-shop-day rows of ``f`` (live or pre-aggregated: same shape).

    全部 sums every row of the shops: those without a time (day ``None``) or with an unreadable one too.
    """
    if f.all_data:
        shops = set(shop_ids)
        chosen: Iterable[list] = (row for row in rows if row[0] in shops)
    else:
        chosen = (row for _day, row in _days_in(rows, f, shop_ids))
    acc = [0, 0, 0.0, 0, 0, 0]
    for row in chosen:
        for i in range(5):
            acc[i] += row[2 + i]
        acc[5] += row[8]
    return ReviewStats(int(acc[0]), int(acc[1]), float(acc[2]), int(acc[3]), int(acc[4]), int(acc[5]))


def series_from(rows: Iterable[list], f: DashboardFilter, kind: str, shop_ids: Sequence[int]) -> list[SeriesPoint]:
    """Per bucket of ``f``: analysed reviews with text, how many 负面, mean score; empty buckets kept."""
    sums: dict[date, list[float]] = {}
    for day, row in _days_in(rows, f, shop_ids):
        acc = sums.setdefault(bucket_start(day, kind), [0, 0, 0.0])
        acc[0] += row[5]
        acc[1] += row[6]
        acc[2] += row[7]
    out = []
    start = bucket_start(f.date_from, kind)
    while start <= f.date_to:
        n, neg, score_sum = sums.get(start, (0, 0, 0.0))
        out.append(SeriesPoint(start, bucket_end(start, kind), int(n), int(neg), score_sum / n if n else None))
        start = bucket_end(start, kind) + timedelta(days=1)
    return out
