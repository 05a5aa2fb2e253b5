"""总览 and the report read the same figures: :func:`load_dashboard` and the tiles built from it.

A tile is plain data: caption, value, the change against the previous period
(and whether that change is good news), and a :class:`Link` that says which
page shows the rows behind it with which filter. The 总览 page renders and
follows links; the report prints the same tiles, so the two never disagree.
"""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from cxdesk.paths import resource_path
from cxdesk.store import Store
from cxdesk.store.dashboard import (
    LEVELS, DashboardFilter, DashboardRepo, FaqTrend, ReviewStats, RiskDay, SeriesPoint, TeamTotals, bucket_end,
    bucket_kind, bucket_start, review_stats_from, series_from,
)
from cxdesk.store.risk_queue import OPEN_STATUSES, FlagFilter
from cxdesk.store.voc import VocFilter

DEFAULT_DAYS = 30
PERIOD_CHOICES = {7: "近 7 天", 30: "近 30 天", 90: "近 90 天", 365: "近一年"}
NOT_ANALYSED_FAQ = "常见问题尚未分析"


@lru_cache(maxsize=1)
def faq_trend_rules() -> tuple[float, int]:
    """(rising ratio, minimum questions in the period) from the FAQ rules, as the 常见问题 page uses them."""
    try:
        trend = json.loads(resource_path("lexicons", "faq.json").read_text("utf-8-sig")).get("trend", {})
    except (OSError, ValueError):
        trend = {}
    return float(trend.get("rising_ratio", 1.5)), int(trend.get("rising_min_count", 5))


def default_filter(store: Store | sqlite3.Connection, days: int = DEFAULT_DAYS, shop_id: int | None = None,
                   platform: str | None = None) -> DashboardFilter:
    """The last ``days`` days up to the newest data (exports are often weeks old: not up to today)."""
    end = DashboardRepo(store.conn if isinstance(store, Store) else store).last_day() or date.today()
    return DashboardFilter(end - timedelta(days=days - 1), end, shop_id, platform)


@dataclass(frozen=True)
class Link:
    """Where a tile or chart element leads: a page key and that page's filter."""

    page: str
    filters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Tile:
    key: str
    caption: str
    value: str
    delta: str = ""  # "较上期 +12%"
    good: bool | None = None  # the change is good news (True), bad (False), neither (None)
    note: str = ""  # a second line: what the figure is, or why it is empty
    link: Link | None = None


@dataclass
class DashboardData:
    """Every figure of one period and the period before it."""

    filter: DashboardFilter
    previous_filter: DashboardFilter
    current: ReviewStats
    previous: ReviewStats
    series: list[SeriesPoint]
    bucket: str
    risk_days: list[RiskDay]
    faq_analysed: bool
    faq: list[FaqTrend]
    team: TeamTotals
    team_previous: TeamTotals
    team_ready: bool  # the pre-aggregate matches the data (else the KPI tiles say it is being computed)
    has_chats: bool
    has_orders: bool
    shops: list[tuple[int, str, str]]
    timings: dict[str, float] = field(default_factory=dict)

    # --- risk --------------------------------------------------------------------------

    def open_high(self, previous: bool = False) -> int:
        f = self.previous_filter if previous else self.filter
        return sum(r.flags for r in self.risk_days
                   if r.level == "高" and r.open and f.date_from <= r.day <= f.date_to)

    def risk_series(self) -> list[tuple[date, date, dict[str, int]]]:
        """(bucket start, end, flags per level) over the current period, empty buckets kept."""
        counts: dict[date, dict[str, int]] = {}
        for r in self.risk_days:
            if self.filter.date_from <= r.day <= self.filter.date_to:
                per = counts.setdefault(bucket_start(r.day, self.bucket), dict.fromkeys(LEVELS, 0))
                per[r.level] = per.get(r.level, 0) + r.flags
        return [(p.start, p.end, counts.get(p.start, dict.fromkeys(LEVELS, 0))) for p in self.series]

    # --- FAQ -----------------------------------------------------------------------------

    def rising_faq(self) -> FaqTrend | None:
        """The cluster rising fastest into this period (the FAQ rules' threshold); else the most asked."""
        ratio, min_count = faq_trend_rules()
        rising = [t for t in self.faq if t.current >= min_count and t.current >= ratio * max(t.previous, 1)]
        if rising:
            return max(rising, key=lambda t: (t.rise, t.current))
        return max(self.faq, key=lambda t: t.current) if self.faq and self.faq[0].current else None

    def is_rising(self, trend: FaqTrend) -> bool:
        ratio, min_count = faq_trend_rules()
        return trend.current >= min_count and trend.current >= ratio * max(trend.previous, 1)

    @property
    def scope_label(self) -> str:
        """「全部店铺」, a shop's name or a platform: what the figures cover."""
        from cxdesk.store import PLATFORMS

        if self.filter.shop_id is not None:
            return next((name for sid, name, _ in self.shops if sid == self.filter.shop_id), "所选店铺")
        if self.filter.platform:
            return f"{PLATFORMS.get(self.filter.platform, self.filter.platform)}的全部店铺"
        return "全部店铺"


def load_dashboard(store: Store | sqlite3.Connection, flt: DashboardFilter) -> DashboardData:
    """Read every figure of ``flt`` and its previous period (a store or a read-only connection)."""
    from cxdesk.reports.aggregate import VERSION

    repo = DashboardRepo(store.conn if isinstance(store, Store) else store)
    prev = flt.previous()
    timings: dict[str, float] = {}

    def timed(name: str, fn, *args):
        t0 = time.perf_counter()
        value = fn(*args)
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - t0
        return value

    both = flt.changed(date_from=prev.date_from)
    kind = bucket_kind(flt.days)
    shops = timed("scope", repo.shop_ids, flt)
    days = timed("reviews (pre-aggregated)", repo.review_daily)
    if days is None:
        days = timed("reviews (live)", repo.review_days, both)
    data = DashboardData(
        filter=flt, previous_filter=prev,
        current=timed("reviews", review_stats_from, days, flt, shops),
        previous=timed("reviews", review_stats_from, days, prev, shops),
        series=timed("sentiment series", series_from, days, flt, kind, shops),
        bucket=kind,
        risk_days=timed("risk", repo.risk_days, both),
        faq_analysed=timed("faq", repo.faq_analysed),
        faq=timed("faq", repo.faq_trends, flt),
        team=timed("team", repo.team_totals, flt),
        team_previous=timed("team", repo.team_totals, prev),
        team_ready=timed("team", repo.team_is_current, VERSION),
        has_chats=repo.has_chats(),
        has_orders=timed("team", repo.has_orders, flt),
        shops=repo.shops(),
        timings=timings,
    )
    return data


# --- tiles ------------------------------------------------------------------------------------

def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} 秒" if value < 120 else f"{value / 60:.1f} 分钟"


def _change(now: float | None, before: float | None, *, relative: bool, higher_is_good: bool | None,
            unit: str = "") -> tuple[str, bool | None]:
    """「较上期 +12%」 (relative) or 「较上期 +1.5 个百分点」 / 「+0.2」 (absolute, ``unit``)."""
    if now is None or before is None:
        return ("上期无数据" if now is not None else ""), None
    diff = now - before
    if relative:
        if not before:
            return ("上期为 0" if now else "与上期持平"), (None if not now else
                                                       (higher_is_good if higher_is_good is not None else None))
        text = f"较上期 {diff / before * 100:+.0f}%"
    else:
        text = f"较上期 {diff:+.{1 if unit == '个百分点' else 2}f}{' ' + unit if unit else ''}"
    if abs(diff) < 1e-9:
        return "与上期持平", None
    good = None if higher_is_good is None else (diff > 0) == higher_is_good
    return text, good


def _voc(f: DashboardFilter, **extra: Any) -> Link:
    return Link("reviews", {"filter": VocFilter(shop_id=f.shop_id, platform=f.platform, date_from=f.date_from,
                                                 date_to=f.date_to, **extra)})


def _flags(f: DashboardFilter, levels: tuple[str, ...] = (), statuses: tuple[str, ...] = OPEN_STATUSES,
           day_from: date | None = None, day_to: date | None = None) -> Link:
    return Link("risk", {"filter": FlagFilter(
        levels=levels, statuses=statuses, shop_id=f.shop_id,
        date_from=(day_from or f.date_from).isoformat(), date_to=(day_to or f.date_to).isoformat())})


def tiles(data: DashboardData) -> list[Tile]:
    """The 总览 tiles in display order (the report prints the same list)."""
    f, cur, prev = data.filter, data.current, data.previous
    out: list[Tile] = []
    delta, good = _change(cur.reviews, prev.reviews, relative=True, higher_is_good=None)
    out.append(Tile("reviews", "评价数", f"{cur.reviews:,}", delta, good, "所选期间收到的评价", _voc(f)))
    avg = cur.avg_rating
    delta, good = _change(avg, prev.avg_rating, relative=False, higher_is_good=True, unit="星")
    out.append(Tile("rating", "平均评分", "—" if avg is None else f"{avg:.2f} 星", delta, good,
                    f"{cur.rated:,} 条有评分" if cur.rated else "没有带评分的评价", _voc(f)))
    share, before = cur.negative_share, prev.negative_share
    delta, good = _change(None if share is None else share * 100, None if before is None else before * 100,
                          relative=False, higher_is_good=False, unit="个百分点")
    out.append(Tile("negative", "负面评价占比", _pct(share), delta, good,
                    f"{cur.negative:,} / {cur.analysed:,} 条已分析" if cur.analysed else "情感分析尚未运行",
                    _voc(f, polarity="负面")))
    high, high_before = data.open_high(), data.open_high(previous=True)
    delta, good = _change(high, high_before, relative=True, higher_is_good=False)
    out.append(Tile("risk_high", "未处理高风险", f"{high:,}", delta, good, "待处理 + 处理中，按发生时间",
                    _flags(f, levels=("高",))))
    out.append(_faq_tile(data))
    out += _team_tiles(data)
    return out


def _faq_tile(data: DashboardData) -> Tile:
    if not data.faq_analysed:
        note = "运行「分析数据」后显示" if data.has_chats else "导入聊天记录并分析后显示"
        return Tile("faq", "上升最快的常见问题", NOT_ANALYSED_FAQ, "", None, note, Link("faq"))
    top = data.rising_faq()
    if top is None:
        return Tile("faq", "上升最快的常见问题", "—", "", None, "所选期间没有归入常见问题的提问", Link("faq"))
    caption = "上升最快的常见问题" if data.is_rising(top) else "本期最常问的问题"
    delta = f"本期 {top.current:,} 次，上期 {top.previous:,} 次"
    return Tile("faq", caption, top.label, delta, False if data.is_rising(top) else None, "",
                Link("faq", {"cluster_id": top.cluster_id}))


def _team_tiles(data: DashboardData) -> list[Tile]:
    link = Link("agents", {"shop_id": data.filter.shop_id, "date_from": data.filter.date_from,
                           "date_to": data.filter.date_to})
    if not data.has_chats:
        return [Tile("first_response", "首次响应时间", "—", "", None, "还没有聊天记录", link)]
    if not data.team_ready:
        note = "正在汇总客服数据…"
        return [Tile(k, c, "…", "", None, note, link) for k, c in
                (("first_response", "首次响应时间"), ("reply3", "3分钟回复率"))]
    team, before = data.team, data.team_previous
    out = []
    delta, good = _change(team.first_response, before.first_response, relative=True, higher_is_good=False)
    out.append(Tile("first_response", "首次响应时间", _seconds(team.first_response), delta, good,
                    f"团队平均，{team.sessions:,} 个会话", link))
    r3, r3b = team.reply_rate_3min, before.reply_rate_3min
    delta, good = _change(None if r3 is None else r3 * 100, None if r3b is None else r3b * 100, relative=False,
                          higher_is_good=True, unit="个百分点")
    out.append(Tile("reply3", "3分钟回复率", _pct(r3), delta, good, "180 秒内回复的买家轮次", link))
    if data.has_orders:
        c, cb = team.conversion, before.conversion
        delta, good = _change(None if c is None else c * 100, None if cb is None else cb * 100, relative=False,
                              higher_is_good=True, unit="个百分点")
        out.append(Tile("conversion", "询单转化率", _pct(c), delta, good,
                        f"{int(team.get('ordered')):,} / {int(team.get('inquiry')):,} 询单（按日）", link))
    return out


def bucket_label(start: date, kind: str) -> str:
    if kind == "month":
        return f"{start.year}-{start.month:02d}"
    return f"{start.month}/{start.day}"


def bucket_range(start: date, kind: str, flt: DashboardFilter) -> tuple[date, date]:
    """A bucket clipped to the period (the first week may start before it)."""
    return max(start, flt.date_from), min(bucket_end(start, kind), flt.date_to)
