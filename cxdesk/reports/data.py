"""总览 and the report read the same figures: :func:`load_dashboard` and the tiles built from it.

A tile is plain data: caption, value, the change against the previous period
(and whether that change is good news), and a :class:`Link` that says which
page shows the rows behind it with which filter. The 总览 page renders and
follows links; the report prints the same tiles, so the two never disagree.

全部 (:data:`ALL_PERIOD`) covers every row, those without a time included,
and has no previous period: its tiles show no change. Rows without a time
(JDDC chats, review exports without a date) count only there;
:func:`undated_note` says so in words on 总览 and in the report.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from cxdesk.paths import resource_path
from cxdesk.store import Store
from cxdesk.store.faq import TrendRules
from cxdesk.store.repos import Repos
from cxdesk.store.dashboard import (
    LEVELS,
    DashboardFilter,
    FaqTrend,
    ReviewStats,
    RiskDay,
    SeriesPoint,
    TeamTotals,
    UndatedCounts,
    bucket_end,
    bucket_kind,
    bucket_start,
    review_stats_from,
    series_from,
)
from cxdesk.store.risk_queue import OPEN_STATUSES, FlagFilter
from cxdesk.store.voc import VocFilter

DEFAULT_DAYS = 30
ALL_PERIOD = -1  # 全部: every row, those without a time too; no previous period
PERIOD_CHOICES = {7: "近 7 天", 30: "近 30 天", 90: "近 90 天", 365: "近一年", ALL_PERIOD: "全部"}
NOT_ANALYSED_FAQ = "常见问题尚未分析"
NO_PREVIOUS = "全部数据无上期对比"


@lru_cache(maxsize=1)
def faq_trend_rules() -> TrendRules:
    """The FAQ rules' trend (the ``trend`` of faq.json), as the 常见问题 page uses it."""
    try:
        trend = json.loads(resource_path("lexicons", "faq.json").read_text("utf-8-sig")).get("trend", {})
    except (OSError, ValueError):
        trend = {}
    return TrendRules.from_json(trend)


def _repos(store: Store | sqlite3.Connection) -> Repos:
    """The repositories of a store, or of a read-only connection (a worker's)."""
    return store if isinstance(store, Repos) else Repos(store)


def default_filter(
    store: Store | sqlite3.Connection, days: int = DEFAULT_DAYS, shop_id: int | None = None, platform: str | None = None
) -> DashboardFilter:
    """The last ``days`` days up to the newest data (exports are often weeks old: not up to today)."""
    if days == ALL_PERIOD:
        return all_filter(store, shop_id, platform)
    end = _repos(store).dashboard.last_day() or date.today()
    return DashboardFilter(end - timedelta(days=days - 1), end, shop_id, platform)


def all_filter(
    store: Store | sqlite3.Connection, shop_id: int | None = None, platform: str | None = None
) -> DashboardFilter:
    """全部: no date bounds; the dates span the dated rows (today's date when no row has a time)."""
    repo = _repos(store).dashboard
    last = repo.last_day() or date.today()
    first = min(repo.first_day() or last, last)
    return DashboardFilter(first, last, shop_id, platform, all_data=True)


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
    # The same figures as numbers, for writers that store numbers (XLSX): ``value`` and ``delta``
    # are their display text. Formats are keys of :data:`NUMBER_FORMATS` (the writer maps them).
    number: float | None = None
    number_format: str = ""
    change: float | None = None  # a ratio (signed_pct) or a difference in the value's unit
    change_format: str = ""


# What a tile's or table cell's number is, so each writer shows it alike: Python format for text,
# Excel number format for XLSX (percentages are fractions: 0.54 shows as 54%).
NUMBER_FORMATS: dict[str, tuple[str, str]] = {
    "int": ("{:,.0f}", "#,##0"),
    "float1": ("{:,.1f}", "#,##0.0"),
    "float2": ("{:,.2f}", "#,##0.00"),
    "pct": ("{:.1%}", "0.0%"),
    "pct0": ("{:.0%}", "0%"),
    "signed_pct": ("{:+.0%}", "+0%;-0%;0%"),
    "stars": ("{:.2f} 星", '0.00" 星"'),
    "seconds": ("{:.0f} 秒", '0" 秒"'),
    "signed_pp": ("{:+.1f} 个百分点", '+0.0" 个百分点";-0.0" 个百分点";0.0" 个百分点"'),
    "signed_stars": ("{:+.2f} 星", '+0.00" 星";-0.00" 星";0.00" 星"'),
}


def format_number(value: float | None, fmt: str) -> str:
    """``value`` as text in the format ``fmt`` (a :data:`NUMBER_FORMATS` key); ``""`` for ``None``."""
    if value is None:
        return ""
    if fmt in NUMBER_FORMATS:
        return NUMBER_FORMATS[fmt][0].format(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


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
    undated: UndatedCounts = UndatedCounts()  # rows of the shops without a time (only 全部 counts them)
    risk_undated: list[tuple[str, bool, int]] = field(default_factory=list)  # (level, open, flags); 全部 only
    has_dated_rows: bool = True  # some review or session has a time (else 全部's dates are a placeholder)

    @property
    def all_data(self) -> bool:
        return self.filter.all_data

    @property
    def period_text(self) -> str:
        """「2024-06-01 至 2024-06-30（30 天）」 or, for 全部, what the dates of the data span."""
        f = self.filter
        if not f.all_data:
            return f"{f.date_from:%Y-%m-%d} 至 {f.date_to:%Y-%m-%d}（{f.days} 天）"
        if not self.has_dated_rows:
            return "全部数据（都没有时间）"
        return f"全部数据（有时间的数据从 {f.date_from:%Y-%m-%d} 至 {f.date_to:%Y-%m-%d}）"

    # --- risk --------------------------------------------------------------------------

    def open_high(self, previous: bool = False) -> int:
        if self.all_data:
            return (
                0
                if previous
                else (
                    sum(r.flags for r in self.risk_days if r.level == "高" and r.open)
                    + sum(n for level, is_open, n in self.risk_undated if level == "高" and is_open)
                )
            )
        f = self.previous_filter if previous else self.filter
        return sum(r.flags for r in self.risk_days if r.level == "高" and r.open and f.date_from <= r.day <= f.date_to)

    def undated_flags(self) -> int:
        return sum(n for _level, _open, n in self.risk_undated)

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
        rules = faq_trend_rules()
        rising = [t for t in self.faq if rules.is_rising(t.current, t.previous)]
        if rising:
            return max(rising, key=lambda t: (t.rise, t.current))
        return max(self.faq, key=lambda t: t.current) if self.faq and self.faq[0].current else None

    def is_rising(self, trend: FaqTrend) -> bool:
        return faq_trend_rules().is_rising(trend.current, trend.previous)

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

    repo = _repos(store).dashboard
    prev = flt.previous()
    timings: dict[str, float] = {}

    def timed(name: str, fn, *args):
        t0 = time.perf_counter()
        value = fn(*args)
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - t0
        return value

    both = flt if flt.all_data else flt.changed(date_from=prev.date_from)
    kind = bucket_kind(flt.days)
    shops = timed("scope", repo.shop_ids, flt)
    days = timed("reviews (pre-aggregated)", repo.review_daily)
    if days is None:
        days = timed("reviews (live)", repo.review_days, both)
    empty_reviews = ReviewStats(0, 0, 0.0, 0, 0)
    data = DashboardData(
        filter=flt,
        previous_filter=prev,
        current=timed("reviews", review_stats_from, days, flt, shops),
        previous=empty_reviews if flt.all_data else timed("reviews", review_stats_from, days, prev, shops),
        series=timed("sentiment series", series_from, days, flt, kind, shops),
        bucket=kind,
        risk_days=[] if flt.all_data else timed("risk", repo.risk_days, both),
        faq_analysed=timed("faq", repo.faq_analysed),
        faq=timed("faq", repo.faq_trends, flt),
        team=timed("team", repo.team_totals, flt),
        team_previous=TeamTotals({}) if flt.all_data else timed("team", repo.team_totals, prev),
        team_ready=timed("team", repo.team_is_current, VERSION),
        has_chats=repo.has_chats(),
        has_orders=timed("team", repo.has_orders, flt),
        shops=repo.shops(),
        timings=timings,
        undated=timed("undated", repo.undated, flt),
    )
    if flt.all_data:
        data.risk_days, data.risk_undated = timed("risk", repo.risk_all, flt)
        data.has_dated_rows = repo.last_day() is not None
    return data


def undated_note(data: DashboardData) -> str:
    """Rows without a time, in words: a dated period cannot show them, 全部 counts them but cannot chart them."""
    u = data.undated
    parts = [f"{u.reviews:,} 条评价" if u.reviews else "", f"{u.sessions:,} 个会话" if u.sessions else ""]
    what = "、".join(p for p in parts if p)
    if not data.all_data:
        return f"另有 {what}没有时间，只计入「全部」。" if what else ""
    flags = data.undated_flags()
    if flags:
        what = "、".join(p for p in (what, f"{flags:,} 个风险标记") if p)
    if not what:
        return ""
    if not data.has_dated_rows:
        return f"这些数据都没有时间（{what}）：计入各项数字，但无法画成趋势图。"
    return f"其中 {what}没有时间：计入各项数字，但不在趋势图中。"


# --- tiles ------------------------------------------------------------------------------------


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} 秒" if value < 120 else f"{value / 60:.1f} 分钟"


def _change(
    now: float | None, before: float | None, *, relative: bool, higher_is_good: bool | None, unit: str = ""
) -> tuple[str, bool | None]:
    """「较上期 +12%」 (relative) or 「较上期 +1.5 个百分点」 / 「+0.2」 (absolute, ``unit``)."""
    if now is None or before is None:
        return ("上期无数据" if now is not None else ""), None
    diff = now - before
    if relative:
        if not before:
            return ("上期为 0" if now else "与上期持平"), (
                None if not now else (higher_is_good if higher_is_good is not None else None)
            )
        text = f"较上期 {diff / before * 100:+.0f}%"
    else:
        text = f"较上期 {diff:+.{1 if unit == '个百分点' else 2}f}{' ' + unit if unit else ''}"
    if abs(diff) < 1e-9:
        return "与上期持平", None
    good = None if higher_is_good is None else (diff > 0) == higher_is_good
    return text, good


def _change_value(now: float | None, before: float | None, relative: bool) -> float | None:
    """The number behind :func:`_change`'s text: a ratio (relative) or a difference; ``None`` if none."""
    if now is None or before is None:
        return None
    if relative:
        return (now - before) / before if before else (0.0 if not now else None)
    return now - before


def _voc(f: DashboardFilter, **extra: Any) -> Link:
    """The 评价分析 page over ``f`` (全部: no dates, so reviews without a time are listed too)."""
    dates = (None, None) if f.all_data else (f.date_from, f.date_to)
    return Link(
        "reviews",
        {"filter": VocFilter(shop_id=f.shop_id, platform=f.platform, date_from=dates[0], date_to=dates[1], **extra)},
    )


def _flags(
    f: DashboardFilter,
    levels: tuple[str, ...] = (),
    statuses: tuple[str, ...] = OPEN_STATUSES,
    day_from: date | None = None,
    day_to: date | None = None,
) -> Link:
    if f.all_data and day_from is None and day_to is None:
        dates: tuple[str | None, str | None] = (None, None)
    else:
        dates = ((day_from or f.date_from).isoformat(), (day_to or f.date_to).isoformat())
    return Link(
        "risk",
        {
            "filter": FlagFilter(
                levels=levels, statuses=statuses, shop_id=f.shop_id, date_from=dates[0], date_to=dates[1]
            )
        },
    )


def _negative_note(data: DashboardData) -> str:
    """What the 负面评价占比 tile rests on, or the true reason it is empty (never a false 尚未运行)."""
    cur = data.current
    if cur.analysed:
        return f"{cur.negative:,} / {cur.analysed:,} 条已分析"
    if not cur.reviews:
        if not data.all_data and data.undated.reviews:
            return f"本期无评价；{data.undated.reviews:,} 条没有时间，见「全部」"
        return "所选期间没有评价" if not data.all_data else "还没有评价"
    if cur.scored:
        return "这些评价都没有文字，无法判断情感"
    return "这些评价尚未做情感分析（运行「分析数据」）"


def tiles(data: DashboardData) -> list[Tile]:
    """The 总览 tiles in display order (the report prints the same list)."""
    f, cur, prev = data.filter, data.current, data.previous
    out: list[Tile] = []
    delta, good = _change(cur.reviews, prev.reviews, relative=True, higher_is_good=None)
    if data.all_data:
        note = f"全部评价，其中 {data.undated.reviews:,} 条没有时间" if data.undated.reviews else "全部评价"
    else:
        note = "所选期间收到的评价"
    out.append(
        Tile(
            "reviews",
            "评价数",
            f"{cur.reviews:,}",
            delta,
            good,
            note,
            _voc(f),
            cur.reviews,
            "int",
            _change_value(cur.reviews, prev.reviews, True),
            "signed_pct",
        )
    )
    avg = cur.avg_rating
    delta, good = _change(avg, prev.avg_rating, relative=False, higher_is_good=True, unit="星")
    out.append(
        Tile(
            "rating",
            "平均评分",
            "—" if avg is None else f"{avg:.2f} 星",
            delta,
            good,
            f"{cur.rated:,} 条有评分" if cur.rated else "没有带评分的评价",
            _voc(f),
            avg,
            "stars",
            _change_value(avg, prev.avg_rating, False),
            "signed_stars",
        )
    )
    share, before = cur.negative_share, prev.negative_share
    delta, good = _change(
        None if share is None else share * 100,
        None if before is None else before * 100,
        relative=False,
        higher_is_good=False,
        unit="个百分点",
    )
    out.append(
        Tile(
            "negative",
            "负面评价占比",
            _pct(share),
            delta,
            good,
            _negative_note(data),
            _voc(f, polarity="负面"),
            share,
            "pct",
            _change_value(None if share is None else share * 100, None if before is None else before * 100, False),
            "signed_pp",
        )
    )
    high, high_before = data.open_high(), data.open_high(previous=True)
    delta, good = _change(high, high_before, relative=True, higher_is_good=False)
    out.append(
        Tile(
            "risk_high",
            "未处理高风险",
            f"{high:,}",
            delta,
            good,
            "待处理 + 处理中，含没有时间的" if data.all_data else "待处理 + 处理中，按发生时间",
            _flags(f, levels=("高",)),
            high,
            "int",
            _change_value(high, high_before, True),
            "signed_pct",
        )
    )
    out.append(_faq_tile(data))
    out += _team_tiles(data)
    if data.all_data:  # no previous period: no change to show
        out = [replace(t, delta="", good=None, change=None) if t.key != "faq" else t for t in out]
    return out


def _faq_tile(data: DashboardData) -> Tile:
    if not data.faq_analysed:
        note = "运行「分析数据」后显示" if data.has_chats else "导入聊天记录并分析后显示"
        return Tile("faq", "上升最快的常见问题", NOT_ANALYSED_FAQ, "", None, note, Link("faq"))
    if data.all_data:
        top = data.faq[0] if data.faq and data.faq[0].current else None
        if top is None:
            return Tile("faq", "最常问的问题", "—", "", None, "没有归入常见问题的提问", Link("faq"))
        return Tile(
            "faq",
            "最常问的问题",
            top.label,
            f"共 {top.current:,} 次",
            None,
            "全部数据",
            Link("faq", {"cluster_id": top.cluster_id}),
        )
    top = data.rising_faq()
    if top is None:
        return Tile("faq", "上升最快的常见问题", "—", "", None, "所选期间没有归入常见问题的提问", Link("faq"))
    caption = "上升最快的常见问题" if data.is_rising(top) else "本期最常问的问题"
    delta = f"本期 {top.current:,} 次，上期 {top.previous:,} 次"
    return Tile(
        "faq",
        caption,
        top.label,
        delta,
        False if data.is_rising(top) else None,
        "",
        Link("faq", {"cluster_id": top.cluster_id}),
    )


def _team_tiles(data: DashboardData) -> list[Tile]:
    dates = (None, None) if data.all_data else (data.filter.date_from, data.filter.date_to)  # None: no date filter
    link = Link("agents", {"shop_id": data.filter.shop_id, "date_from": dates[0], "date_to": dates[1]})
    undated = data.undated.sessions if data.all_data else 0
    if not data.has_chats:
        return [Tile("first_response", "首次响应时间", "—", "", None, "还没有聊天记录", link)]
    if not data.team_ready:
        note = "正在汇总客服数据…"
        return [
            Tile(k, c, "…", "", None, note, link)
            for k, c in (("first_response", "首次响应时间"), ("reply3", "3分钟回复率"))
        ]
    team, before = data.team, data.team_previous
    out = []
    delta, good = _change(team.first_response, before.first_response, relative=True, higher_is_good=False)
    note = f"团队平均，{team.sessions:,} 个会话"
    if undated:  # the response times need times: sessions without one are not in these figures
        note = f"团队平均 {team.sessions:,} 个会话；{undated:,} 个没有时间"
    out.append(
        Tile(
            "first_response",
            "首次响应时间",
            _seconds(team.first_response),
            delta,
            good,
            note,
            link,
            team.first_response,
            "seconds",
            _change_value(team.first_response, before.first_response, True),
            "signed_pct",
        )
    )
    r3, r3b = team.reply_rate_3min, before.reply_rate_3min
    delta, good = _change(
        None if r3 is None else r3 * 100,
        None if r3b is None else r3b * 100,
        relative=False,
        higher_is_good=True,
        unit="个百分点",
    )
    out.append(
        Tile(
            "reply3",
            "3分钟回复率",
            _pct(r3),
            delta,
            good,
            "180 秒内回复的买家轮次",
            link,
            r3,
            "pct",
            _change_value(None if r3 is None else r3 * 100, None if r3b is None else r3b * 100, False),
            "signed_pp",
        )
    )
    if data.has_orders:
        c, cb = team.conversion, before.conversion
        delta, good = _change(
            None if c is None else c * 100,
            None if cb is None else cb * 100,
            relative=False,
            higher_is_good=True,
            unit="个百分点",
        )
        out.append(
            Tile(
                "conversion",
                "询单转化率",
                _pct(c),
                delta,
                good,
                f"{int(team.get('ordered')):,} / {int(team.get('inquiry')):,} 询单（按日）",
                link,
                c,
                "pct",
                _change_value(None if c is None else c * 100, None if cb is None else cb * 100, False),
                "signed_pp",
            )
        )
    return out


def bucket_label(start: date, kind: str) -> str:
    if kind == "month":
        return f"{start.year}-{start.month:02d}"
    return f"{start.month}/{start.day}"


def bucket_range(start: date, kind: str, flt: DashboardFilter) -> tuple[date, date]:
    """A bucket clipped to the period (the first week may start before it)."""
    return max(start, flt.date_from), min(bucket_end(start, kind), flt.date_to)
