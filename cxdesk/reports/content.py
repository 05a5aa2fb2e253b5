"""What a report holds, as plain tables and figures; the XLSX, HTML and PDF writers only lay it out.

Sections: summary figures (the 总览 tiles), charts, agents, top risks, FAQ,
aspects, emerging complaints. Buyers' personal data (nicks, phone numbers,
addresses, names in texts) is masked unless the caller asks to keep it:
reports leave the computer (mail, chat groups), the app's screens do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxdesk.privacy import mask_nick, mask_text
from cxdesk.reports.data import DashboardData, Tile, format_number, load_dashboard, tiles, undated_note
from cxdesk.reports.summary import risk_overview, summary_sentences
from cxdesk.store import open_store
from cxdesk.store.dashboard import DashboardFilter
from cxdesk.store.risk_queue import OPEN_STATUSES, TARGET_LABELS, FlagFilter
from cxdesk.store.voc import VocFilter
from cxdesk.tasks import JobContext, SubContext

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TOP_RISKS = 20
TOP_FAQ = 15
MAX_TEXT = 80  # characters of a message or review quoted in a table cell


@dataclass
class Table:
    """A titled table; ``note`` says what it is or why it is empty."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    note: str = ""
    widths: list[int] = field(default_factory=list)  # relative column widths (characters), for XLSX
    #: per column, a :data:`~cxdesk.reports.data.NUMBER_FORMATS` key for its numbers ("" = as is)
    formats: list[str] = field(default_factory=list)
    #: columns of names (categories, statuses) a layout wraps only between names, never inside one
    keep_words: tuple[int, ...] = ()

    def format_of(self, col: int) -> str:
        return self.formats[col] if col < len(self.formats) else ""

    def text(self, value: Any, col: int) -> str:
        """A cell as the HTML and PDF show it (numbers in the column's format)."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return format_number(value, self.format_of(col) or ("int" if isinstance(value, int) else ""))
        return "" if value is None else str(value)


@dataclass
class ReportContent:
    title: str
    period: str
    compared: str
    scope: str
    generated: str
    masked: bool
    tiles: list[Tile]
    tables: list[Table]
    figures: list[tuple[str, Figure]]  # (caption, figure)
    synthetic: bool = False
    notes: list[str] = field(default_factory=list)  # under the period: rows without a time, in words
    summary: list[str] = field(default_factory=list)  # the written summary (:mod:`cxdesk.reports.summary`)

    def table(self, title: str) -> Table:
        return next(t for t in self.tables if t.title == title)


def _short(text: str | None, keep: bool) -> str:
    text = (text or "").replace("\n", " ").strip()
    text = text if keep else mask_text(text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _num(value: Any, digits: int = 1) -> Any:
    """A finite float rounded, else None (empty cell)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    if v != v:
        return None
    return int(round(v)) if digits == 0 else round(v, digits)


def collect(
    ctx: JobContext, db_path: str | Path, flt: DashboardFilter, *, keep_personal: bool = False
) -> ReportContent:
    """Job part: read everything a report shows for ``flt`` (progress 0–80 of 100)."""
    from cxdesk.reports.aggregate import refresh_dashboard
    from cxdesk.reports.figures import risk_figure, sentiment_figure

    ctx.progress(0, 100, "汇总客服数据")
    refresh_dashboard(SubContext(ctx, 0, 10, 100), db_path)
    ctx.check()
    with open_store(db_path) as store:
        ctx.progress(10, 100, "读取总览数据")
        data = load_dashboard(store, flt)
        synthetic = store.batches.any_synthetic()
        risks = _risk_table(store, data, keep_personal)
        summary = summary_sentences(data, risk_overview(store, data))
        faq = _faq_table(data, keep_personal)
        ctx.progress(20, 100, "统计评价方面")
        dates = (None, None) if flt.all_data else (flt.date_from, flt.date_to)  # 全部: undated reviews too
        voc = VocFilter(shop_id=flt.shop_id, platform=flt.platform, date_from=dates[0], date_to=dates[1])
        aspects = store.voc.aspect_counts(voc)
        drivers = _driver_table(store, voc)
        ctx.check()
        ctx.progress(30, 100, "查找新出现的抱怨")
        emerging = _emerging_table(store, voc, keep_personal, flt.all_data)
    ctx.check()
    ctx.progress(45, 100, "计算客服绩效")
    agents = _agents_table(ctx, db_path, data)
    ctx.progress(75, 100, "绘制图表")
    from cxdesk.reports.figures import report_aspect_figure

    aspect_chart = report_aspect_figure(aspects, flt.all_data)
    figures = [
        ("评价情感", sentiment_figure(data, 7.0, 3.0, clickable=False)),
        ("风险", risk_figure(data, 7.0, 3.0, clickable=False)),
        ("评价方面", aspect_chart),
    ]
    prev = data.previous_filter
    note = undated_note(data)
    return ReportContent(
        title="评价与客服报告",
        period=data.period_text,
        compared="" if flt.all_data else f"{prev.date_from.isoformat()} 至 {prev.date_to.isoformat()}",
        scope=data.scope_label,
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
        masked=not keep_personal,
        tiles=tiles(data),
        tables=[agents, risks, faq, _aspect_table(aspects, flt.all_data), drivers, emerging],
        figures=figures,
        synthetic=synthetic,
        notes=[note] if note else [],
        summary=summary,
    )


def categories_text(row) -> str:
    """「退款退货纠纷、服务时效（3 条）」: every category of a queue item, and its flags when more than one."""
    cats = row.item_categories or (row.category,)
    n = len(row.flag_ids)
    return "、".join(cats) + (f"（{n} 条）" if n > 1 else "")


def _risk_table(store, data: DashboardData, keep: bool) -> Table:
    """The open risks, one row per session or review (as the 风险 page lists them), strongest first."""
    f = data.filter
    dates = (None, None) if f.all_data else (f.date_from.isoformat(), f.date_to.isoformat())
    flt = FlagFilter(statuses=OPEN_STATUSES, shop_id=f.shop_id, date_from=dates[0], date_to=dates[1])
    rows = store.risk_queue.item_page(flt, 0, TOP_RISKS * 5 if f.platform else TOP_RISKS, sort="level_time")
    if f.platform:
        rows = [r for r in rows if r.platform == f.platform][:TOP_RISKS]
    # Highest level first, then the risk score; the query's order (newest first) breaks ties.
    rows.sort(key=lambda r: ("高中低".index(r.shown_level), -(r.score if r.score is not None else -1)))
    out = [
        [
            r.shown_level,
            categories_text(r),
            TARGET_LABELS.get(r.target_type, r.target_type),
            (r.item_at or r.event_at or "")[:16],
            r.shop or "",
            (r.buyer or "") if keep else mask_nick(r.buyer),
            r.agent or "",
            r.score,
            _short(r.text, keep),
            r.status,
        ]
        for r in rows
    ]
    return Table(
        "未处理的主要风险",
        ["等级", "类别", "对象", "时间", "店铺", "买家", "客服", "风险分", "内容", "状态"],
        out,
        "" if out else f"{'全部数据中' if f.all_data else '所选期间'}没有未处理的风险。",
        [4, 16, 6, 16, 12, 10, 14, 6, 40, 6],
        ["", "", "", "", "", "", "", "int"],
        keep_words=(0, 1, 2, 4, 9),
    )


def _faq_table(data: DashboardData, keep: bool) -> Table:
    header = ["常见问题", "本期提问", "上期提问", "变化"]
    if not data.faq_analysed:
        return Table("常见问题", header, [], "常见问题尚未分析：运行「分析数据」后，这里列出本期被问得最多的问题。")
    if data.all_data:  # no previous period: how often each was asked in all the data
        rows = [[_short(t.label, keep), t.current] for t in data.faq[:TOP_FAQ]]
        return Table(
            "常见问题",
            ["常见问题", "提问次数"],
            rows,
            "" if rows else "没有归入常见问题的提问。",
            [40, 10],
            ["", "int"],
        )
    rows = []
    for t in data.faq[:TOP_FAQ]:  # the change is a number (a ratio); 「新出现」「上升」 are words beside it
        change = (t.current - t.previous) / t.previous if t.previous else None
        note = "新出现" if not t.previous else ""
        if data.is_rising(t):
            note = "、".join(p for p in (note, "上升") if p)
        rows.append([_short(t.label, keep), t.current, t.previous, change, note])
    return Table(
        "常见问题",
        [*header, "说明"],
        rows,
        "" if rows else "所选期间没有归入常见问题的提问。",
        [40, 8, 8, 8, 12],
        ["", "int", "int", "signed_pct", ""],
    )


def _aspect_table(aspects, all_data: bool = False) -> Table:
    rows = [
        [
            a.aspect,
            a.mentions,
            a.positive,
            a.neutral,
            a.negative,
            _num(a.negative / a.mentions if a.mentions else None, 4),
        ]
        for a in aspects
    ]
    return Table(
        "评价方面",
        ["方面", "提及", "正面", "中性", "负面", "负面占比"],
        rows,
        "" if rows else f"{'全部数据中' if all_data else '所选期间'}没有方面提及（或方面分析尚未运行）。",
        [12, 8, 8, 8, 8, 10],
        ["", "int", "int", "int", "int", "pct"],
    )


def _driver_table(store, voc: VocFilter) -> Table:
    """差评原因 of the report's shops and period: the clear causes only (the page and ``export drivers`` list all)."""
    from cxdesk.analysis.star_drivers import drivers_for

    header = ["方面", "倾向", "差评提及", "好评提及", "差评占比", "差评几率（倍）", "95% 区间"]
    widths, formats = [12, 6, 8, 8, 8, 10, 14], ["", "", "int", "int", "pct", "", ""]
    if not store.voc.has_aspects():
        return Table("差评原因", header, [], "方面分析尚未运行。", widths, formats)
    result = drivers_for(store.voc, voc)
    rows = [
        [
            d.aspect,
            d.polarity,
            d.bad_with,
            d.good_with,
            _num(d.bad_rate, 4),
            _num(d.odds_ratio, 1),
            "×{:.1f}–×{:.1f}".format(*d.ratio_interval),
        ]
        for d in result.towards_bad()
    ]
    return Table("差评原因", header, rows, result.summary(), widths, formats)


def _emerging_table(store, voc: VocFilter, keep: bool, all_data: bool = False) -> Table:
    from cxdesk.analysis.voc import emerging_complaints

    header = ["类型", "词 / 方面", "本期提及", "本期负面", "上期提及", "上期负面", "说明"]
    formats = ["", "", "int", "int", "int", "int", ""]
    if all_data:  # "new" needs a period before: 全部 has none
        return Table(
            "新出现的抱怨",
            header,
            [],
            "全部数据无上期对比：新出现的抱怨只在选定期间的报告中列出。",
            [6, 12, 8, 8, 8, 8, 34],
            formats,
        )
    result = emerging_complaints(store.voc, voc, store.voc.last_date(), store.voc.has_aspects())
    rows = [
        [
            "方面" if e.kind == "aspect" else "关键词",
            e.term if keep else mask_text(e.term),
            e.mentions,
            e.negative,
            e.previous_mentions,
            e.previous_negative,
            e.change(),
        ]
        for e in result.items
    ]
    note = "" if rows else "与上一个同样长的期间相比，没有明显增多的抱怨。"
    return Table("新出现的抱怨", header, rows, note, [6, 12, 8, 8, 8, 8, 34], formats)


def _agents_table(ctx: JobContext, db_path: str | Path, data: DashboardData) -> Table:
    header = ["客服", "会话数", "接待人数", "首次响应(秒)", "平均响应(秒)", "3分钟回复率", "回复率", "慢响应次数"]
    formats = ["", "int", "int", "int", "int", "pct", "pct", "int"]
    if data.has_orders:
        header += ["询单转化率", "客服销售额(元)"]
        formats += ["pct", "float2"]
    header.append("综合得分")
    formats.append("float1")
    if not data.has_chats:
        return Table("客服绩效", header, [], "还没有聊天记录。")
    table = agent_kpis_for(ctx, db_path, data.filter)
    rows = []
    for _, r in table.iterrows():
        row = [
            r["agent"],
            int(r.get("sessions") or 0),
            int(r.get("buyers") or 0),
            _num(r.get("first_resp"), 0),
            _num(r.get("avg_resp"), 0),
            _num(r.get("rate_3min", float("nan")), 4),
            _num(r.get("reply_rate", float("nan")), 4),
            _num(r.get("slow"), 0),
        ]
        if data.has_orders:
            row += [_num(r.get("order_rate", float("nan")), 4), _num(r.get("sales"), 2)]
        row.append(_num(r.get("score")))
        rows.append(row)
    note = (
        ""
        if rows
        else "所选期间没有会话。"
        + ("没有时间的会话只计入「全部」。" if data.undated.sessions and not data.all_data else "")
    )
    return Table("客服绩效", header, rows, note, [18, 7, 7, 9, 9, 9, 7, 7, 9, 10, 7][: len(header)], formats)


def agent_kpis_for(ctx: JobContext, db_path: str | Path, flt: DashboardFilter):
    """The 客服绩效 table (agents, then the team) over exactly ``flt``'s dates and shops.

    ``kpi_table`` scopes by shop; sessions that started outside the dates get
    a shop id no filter selects, so the same code counts only the period.
    """
    import numpy as np

    from cxdesk.analysis.agent_frames import DAY_S
    from cxdesk.analysis.agent_kpis import load_config, load_frames, kpi_table

    config = load_config()
    frames = load_frames(ctx, db_path, config)
    with open_store(db_path) as store:
        shops = store.dashboard.shop_ids(flt)
    if flt.all_data:  # every session, those without a time too
        return kpi_table(frames, "all", shop_ids=shops or [-2], config=config)
    start = frames.sessions["start"].to_numpy(float)
    lo = (np.datetime64(flt.date_from) - np.datetime64("1970-01-01")).astype("timedelta64[D]").astype(float) * DAY_S
    hi = lo + flt.days * DAY_S
    inside = (start >= lo) & (start < hi)
    sessions = frames.sessions.assign(shop_id=np.where(inside, frames.sessions["shop_id"].to_numpy(), -1))
    return kpi_table(replace(frames, sessions=sessions), "all", shop_ids=shops or [-2], config=config)
