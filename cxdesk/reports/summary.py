"""The report's written summary: three to five plain sentences computed from the report's own figures.

:func:`risk_overview` reads the risk figures the sentences need (one queue
item per session or review, as the 风险 page lists them);
:func:`summary_sentences` turns a :class:`~cxdesk.reports.data.DashboardData`
and a :class:`RiskOverview` into sentences. Nothing is said that the figures
do not support: no change words without a previous period (全部) or without
data in it, no risk advice without open risks, and an empty store is told
what to do first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cxdesk.reports.data import DashboardData
from cxdesk.store.risk_queue import OPEN_STATUSES, FlagFilter, FlagRow

MAX_CATEGORIES = 3  # categories named in the "biggest risks" sentence
MIN_CHANGE = 0.05  # a relative change below 5 % is 「基本持平」


@dataclass(frozen=True)
class RiskOverview:
    """Open risks of the period, one item per session or review (the queue's rows)."""

    open_sessions: int = 0
    open_reviews: int = 0
    high_sessions: int = 0  # open items whose queue level is 高
    high_reviews: int = 0
    categories: list[tuple[str, int]] = field(default_factory=list)  # open items per category, most first
    high_categories: list[tuple[str, int]] = field(default_factory=list)  # high items per category
    found_high: int = 0  # 高 items found in the period, whatever their status
    found_high_before: int | None = None  # the same in the previous period (None: 全部, no previous period)

    @property
    def open_items(self) -> int:
        return self.open_sessions + self.open_reviews

    @property
    def high_items(self) -> int:
        return self.high_sessions + self.high_reviews


def _count_items(rows: list[FlagRow]) -> tuple[int, int, int, int, Counter, Counter]:
    sessions = reviews = high_s = high_r = 0
    cats: Counter = Counter()
    high_cats: Counter = Counter()
    for r in rows:
        is_review = r.target_type == "review"
        high = r.shown_level == "高"
        sessions += not is_review
        reviews += is_review
        high_s += high and not is_review
        high_r += high and is_review
        for c in r.item_categories or (r.category,):
            cats[c] += 1
            if high:
                high_cats[c] += 1
    return sessions, reviews, high_s, high_r, cats, high_cats


def _order(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def risk_overview(store, data: DashboardData) -> RiskOverview:
    """The open risk items of ``data``'s period and scope, and the 高 items found in it and the period before."""

    f = data.filter
    repo = store.risk_queue
    # A platform has no flag filter of its own: count its shops one by one (an item has one shop).
    shops: list[int | None] = (
        [f.shop_id] if f.shop_id is not None or not f.platform else list(store.dashboard.shop_ids(f))
    )

    def dates(flt) -> tuple[str | None, str | None]:
        return (None, None) if flt.all_data else (flt.date_from.isoformat(), flt.date_to.isoformat())

    now = dates(f)
    rows: list[FlagRow] = []
    found = 0
    found_before = 0
    for shop in shops:
        base = FlagFilter(statuses=OPEN_STATUSES, shop_id=shop, date_from=now[0], date_to=now[1])
        rows += repo.item_page(base, 0, 10_000_000)
        found += repo.item_count(base.changed(levels=("高",), statuses=()))
        if not f.all_data:
            before = dates(data.previous_filter)
            found_before += repo.item_count(
                base.changed(levels=("高",), statuses=(), date_from=before[0], date_to=before[1])
            )
    sessions, reviews, high_s, high_r, cats, high_cats = _count_items(rows)
    return RiskOverview(
        sessions, reviews, high_s, high_r, _order(cats), _order(high_cats), found, None if f.all_data else found_before
    )


# --- sentences ---------------------------------------------------------------------------------


def _items(sessions: int, reviews: int, adjective: str = "") -> str:
    """「5 个高风险会话和 2 条高风险评价」 (only the kinds there are)."""
    parts = []
    if sessions:
        parts.append(f"{sessions:,} 个{adjective}会话")
    if reviews:
        parts.append(f"{reviews:,} 条{adjective}评价")
    return "和 ".join(parts) if parts else f"0 个{adjective}会话或评价"


def _relative(now: float, before: float, more: str, less: str) -> str:
    """「多 12%」 / 「少 8%」 / 「基本持平」 against a non-zero ``before``."""
    ratio = (now - before) / before
    if abs(ratio) < MIN_CHANGE:
        return "基本持平"
    return f"{more} {abs(ratio):.0%}" if ratio > 0 else f"{less} {abs(ratio):.0%}"


def _reviews_sentence(data: DashboardData) -> str:
    cur, prev = data.current, data.previous
    share = cur.negative_share
    if data.all_data:
        undated = f"（其中 {data.undated.reviews:,} 条没有时间）" if data.undated.reviews else ""
        text = f"全部数据共有 {cur.reviews:,} 条评价{undated}"
        if share is not None:
            text += f"，负面评价占 {share:.1%}（已分析 {cur.analysed:,} 条）"
        elif cur.reviews:
            text += "，尚未做情感分析（运行「分析数据」）"
        return text + "。"
    if not cur.reviews:
        return f"本期没有收到评价（上期 {prev.reviews:,} 条）。" if prev.reviews else "本期和上期都没有收到评价。"
    text = f"本期收到 {cur.reviews:,} 条评价"
    if prev.reviews:
        change = _relative(cur.reviews, prev.reviews, "多", "少")
        text += (
            f"，与上期（{prev.reviews:,} 条）{change}"
            if change == "基本持平"
            else f"，比上期（{prev.reviews:,} 条）{change}"
        )
    else:
        text += "，上期没有评价，无法对比"
    if share is not None:
        text += f"；负面评价占 {share:.1%}"
        before = prev.negative_share
        if before is not None:
            diff = (share - before) * 100
            text += (
                "，与上期持平" if abs(diff) < 0.05 else f"，比上期{'高' if diff > 0 else '低'} {abs(diff):.1f} 个百分点"
            )
    elif cur.reviews:
        text += "；这些评价尚未做情感分析"
    return text + "。"


def _service_sentence(data: DashboardData) -> str:
    """First response and the 3-minute reply rate, when the chats give them."""
    if not data.has_chats or not data.team_ready:
        return ""
    team, before = data.team, data.team_previous
    first = team.first_response
    if first is None:
        return ""
    text = f"客服首次响应平均 {_seconds(first)}"
    if not data.all_data and before.first_response:
        change = _relative(first, before.first_response, "慢", "快")
        text += f"，与上期{change}" if change == "基本持平" else f"，比上期{change}"
    if team.reply_rate_3min is not None:
        text += f"；3 分钟内回复的占 {team.reply_rate_3min:.1%}"
    return text + "。"


def _seconds(value: float) -> str:
    return f"{value:.0f} 秒" if value < 120 else f"{value / 60:.1f} 分钟"


def _found_sentence(data: DashboardData, risks: RiskOverview) -> str:
    """How many 高 items this period found against the period before (dated reports only)."""
    before = risks.found_high_before
    if data.all_data or before is None or (not risks.found_high and not before):
        return ""
    now = risks.found_high
    text = f"本期发现高风险的会话和评价 {now:,} 个，上期 {before:,} 个"
    if before:
        change = _relative(now, before, "增加", "减少")
        text += f"，{change}"
    return text + "。"


def _open_sentence(data: DashboardData, risks: RiskOverview) -> str:
    where = "全部数据中" if data.all_data else "本期"
    if not risks.open_items:
        return f"{where}没有未处理的风险。"
    top = "、".join(f"「{c}」{n:,} 个" for c, n in risks.categories[:MAX_CATEGORIES])
    return f"{where}仍未处理的风险有 {_items(risks.open_sessions, risks.open_reviews)}，最多的类别是{top}。"


def _action_sentence(data: DashboardData, risks: RiskOverview) -> str:
    if risks.high_items:
        text = f"建议先处理 {_items(risks.high_sessions, risks.high_reviews, '高风险')}"
        unit = "条" if not risks.high_sessions else "个"
        top = risks.high_categories[:2]  # the two categories most of them share
        if top and top[0][1] == risks.high_items:
            text += f"，它们都涉及「{top[0][0]}」"
        elif top:
            text += "，其中 " + "，".join(f"{n:,} {unit}涉及「{cat}」" for cat, n in top)
        return text + "。"
    if risks.open_items:
        return f"没有未处理的高风险，可按等级依次处理这 {risks.open_items:,} 个风险。"
    share, cur = data.current.negative_share, data.current
    if share is not None and cur.negative:
        return f"没有待处理的风险，可以从 {cur.negative:,} 条负面评价看起，找出共同的问题。"
    return "暂时没有需要马上处理的事项。"


def summary_sentences(data: DashboardData, risks: RiskOverview) -> list[str]:
    """Three to five sentences: what changed (or, for 全部, the overall picture), the biggest risks, what to do."""
    has_rows = data.current.reviews or data.team.sessions or risks.open_items or risks.found_high
    if not has_rows:
        if data.all_data:
            return [
                "还没有任何评价或客服会话。",
                "没有未处理的风险。",
                "先导入聊天记录或评价（「导入数据」），再运行「分析数据」。",
            ]
        out = ["所选期间没有评价，也没有客服会话。", "所选期间没有未处理的风险。"]
        if data.undated.reviews or data.undated.sessions:
            out.append("没有时间的数据只计入「全部」：请改选「全部」再生成报告。")
        else:
            scoped = data.filter.shop_id is not None or data.filter.platform
            out.append(f"请选一个有数据的期间{'或店铺' if scoped else ''}，或先导入聊天记录或评价。")
        return out
    head = [_reviews_sentence(data), _service_sentence(data), _found_sentence(data, risks)]
    tail = [_open_sentence(data, risks), _action_sentence(data, risks)]
    sentences = [s for s in head if s][: 5 - len(tail)] + tail
    if len(sentences) < 3:  # e.g. 全部 without chats: say which question is asked most, if known
        faq = data.faq[0] if data.faq_analysed and data.faq and data.faq[0].current else None
        if faq is not None:
            sentences.insert(1, f"买家问得最多的是「{faq.label}」（{faq.current:,} 次）。")
    return sentences
