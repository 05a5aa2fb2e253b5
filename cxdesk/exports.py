"""Export reviews, chat messages, sessions, risk flags or the FAQ with their analysis results to CSV or XLSX.

The files are written by :mod:`cxdesk.tablewriter` (whole or not at all; a UTF-8
BOM for Excel; cells that a spreadsheet would run as a formula, starting with
= + - @ or a tab/carriage return, get a leading apostrophe: exports hold
buyers' free text, and a review saying ``=HYPERLINK(...)`` must stay text).
``faq`` has one row per FAQ cluster (its 趋势 is :class:`cxdesk.store.faq.TrendRules`),
``faq-members`` one per extracted question. ``drivers`` has one row per (aspect, polarity) of
差评原因 (:mod:`cxdesk.analysis.star_drivers`), optionally for one shop.

Buyers' personal data is masked unless the caller keeps it
(``--keep-personal``): nicks as on the 会话 page (``t***7``), phone and ID
numbers, e-mail addresses, receivers' names and street addresses in every
free-text column (:mod:`cxdesk.privacy`). A CSV stays a plain table (other
tools read it); an XLSX says which it is on a second sheet, 说明.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cxdesk import tablewriter
from cxdesk.errors import CxdeskError
from cxdesk.outpaths import check_output_path
from cxdesk.privacy import mask_nick, mask_text
from cxdesk.store import Store, open_store
from cxdesk.store.exports import DRIVER_COLUMNS, FAQ_COLUMNS, FAQ_MEMBER_COLUMNS, columns
from cxdesk.store.faq import DOWN, FLAT, NEW, NO_TREND, RISING, UP
from cxdesk.tablewriter import neutralise as neutralise  # re-exported: reports and older callers use it here
from cxdesk.tasks import JobContext

KINDS = ("reviews", "messages", "sessions", "flags")
KIND_LABELS = {
    "reviews": "条评价",
    "messages": "条聊天消息",
    "sessions": "个会话",
    "flags": "条风险旗标",
    "faq": "个常见问题",
    "faq-members": "个买家问题",
    "drivers": "个差评原因（方面·倾向）",
}
FAQ_KINDS = ("faq", "faq-members")
# The 趋势 column of ``export faq``: a word per trend kind (急升 is written 上升, as it always was).
FAQ_TREND_WORDS = {RISING: "上升", UP: "上升", FLAT: "持平", DOWN: "下降", NEW: "新出现", NO_TREND: ""}
# Export columns that can hold a buyer's personal data (every kind, FAQ included).
NICK_COLUMNS = frozenset({"buyer_nick", "buyer"})
TEXT_COLUMNS = frozenset(
    {
        "content",
        "append_content",
        "seller_reply",
        "evidence",
        "text",
        "note",
        "risk_reasons",
        "问题",
        "相似问法",
        "推荐回答",
        "question",
        "cluster_label",
    }
)
MASKED_NOTE = "已隐藏个人信息（买家昵称、手机号、身份证号、邮箱、姓名、地址）"
KEPT_NOTE = "文件包含未隐藏的买家个人信息（昵称、手机号、姓名、地址等），请勿外传"
KEEP_HINT = "如需保留请加 --keep-personal"


def personal_masker(header: Sequence[str]) -> Callable[[Sequence[object]], list[object]]:
    """A function that masks one row of ``header``'s columns: nicks, free text, a buyer's sender account."""
    nicks = [i for i, c in enumerate(header) if c in NICK_COLUMNS]
    texts = [i for i, c in enumerate(header) if c in TEXT_COLUMNS]
    sender = header.index("sender") if "sender" in header and "role" in header else None
    role = header.index("role") if sender is not None else None

    def mask(row: Sequence[object]) -> list[object]:
        values = list(row)
        for i in nicks:
            values[i] = mask_nick(values[i]) if isinstance(values[i], str) else values[i]
        for i in texts:
            values[i] = mask_text(values[i]) if isinstance(values[i], str) else values[i]
        if sender is not None and values[role] == "buyer" and isinstance(values[sender], str):  # type: ignore[index]
            values[sender] = mask_nick(values[sender])
        return values

    return mask


def masked_batches(header: Sequence[str], batches, keep_personal: bool):
    """The row ``batches`` with personal data masked (as they are with ``keep_personal``)."""
    if keep_personal:
        return batches
    mask = personal_masker(header)
    return ([mask(row) for row in part] for part in batches)


def privacy_note(masked: bool | None) -> str:
    """What a file says about personal data: masked, kept, or nothing (None: the kind holds none)."""
    return "" if masked is None else MASKED_NOTE if masked else KEPT_NOTE


@dataclass
class ExportSummary:
    kind: str
    path: Path
    rows: int
    masked: bool | None = None  # None: the kind holds no buyer data

    def describe(self) -> str:
        note = privacy_note(self.masked)
        return f"已导出 {self.rows:,} {KIND_LABELS[self.kind]}到“{self.path}”。" + (f"{note}。" if note else "")


def export_table(
    ctx: JobContext, db_path: str | Path, kind: str, out: str | Path, *, keep_personal: bool = False
) -> ExportSummary:
    """Job: write every row of ``kind`` with its results to ``out`` (.csv or .xlsx), personal data masked
    unless ``keep_personal``."""
    if kind in FAQ_KINDS:
        return export_faq(ctx, db_path, kind, out, keep_personal=keep_personal)
    if kind not in KINDS:  # faq / faq-members are handled above
        raise CxdeskError(
            f"不支持导出“{kind}”，可选：reviews（评价）、messages（聊天消息）、"
            "sessions（会话及风险分）、flags（风险旗标）"
        )
    out = check_output_path(out, store=db_path)
    tablewriter.check_suffix(out)
    header = columns(kind)
    with open_store(db_path) as store:
        total = store.exports.count(kind)
        batches = masked_batches(header, store.exports.rows(kind), keep_personal)
        done = write_table(ctx, out, header, batches, total, store=db_path, note=privacy_note(not keep_personal))
    return ExportSummary(kind, out, done, not keep_personal)


def export_faq(
    ctx: JobContext, db_path: str | Path, kind: str, out: str | Path, *, keep_personal: bool = False
) -> ExportSummary:
    """Job: write the FAQ clusters (``faq``) or the extracted questions (``faq-members``) to ``out``.

    Questions, variants and answers are buyers' and agents' words: personal
    data in them is masked unless ``keep_personal``.
    """
    from cxdesk.analysis.faq_text import FaqRules

    out = check_output_path(out, store=db_path)
    tablewriter.check_suffix(out)
    with open_store(db_path) as store:
        if kind == "faq":
            header: Sequence[str] = FAQ_COLUMNS
            clusters = store.faq.list_clusters(trend=FaqRules.load().trend)
            rows, total = _faq_rows(store, clusters), len(clusters)
        else:
            header, rows, total = FAQ_MEMBER_COLUMNS, store.exports.rows(kind, 2000), store.exports.count(kind)
        batches = masked_batches(header, rows, keep_personal)
        done = write_table(ctx, out, header, batches, total, store=db_path, note=privacy_note(not keep_personal))
    return ExportSummary(kind, out, done, not keep_personal)


def export_drivers(
    ctx: JobContext, db_path: str | Path, out: str | Path, *, shop_id: int | None = None
) -> ExportSummary:
    """Job: write 差评原因 (every (aspect, polarity) with a weight) of all shops or of ``shop_id`` to ``out``.

    Counts and weights only, no buyer text: nothing to mask. Too few rated reviews is an error
    that says how many there are.
    """
    from cxdesk.analysis.star_drivers import drivers_for
    from cxdesk.store.voc import VocFilter

    out = check_output_path(out, store=db_path)
    tablewriter.check_suffix(out)
    with open_store(db_path) as store:
        if shop_id is not None and shop_id not in {s.id for s in store.shops.all()}:
            raise CxdeskError(f"没有编号为 {shop_id} 的店铺（店铺编号见 stats 子命令）。")
        if not store.voc.has_aspects():
            raise CxdeskError("还没有方面分析结果：请先运行 analyze，再导出差评原因。")
        result = drivers_for(store.voc, VocFilter(shop_id=shop_id))
    if result.reason:
        raise CxdeskError(result.reason)
    rows = [
        (
            d.aspect,
            d.polarity,
            d.bad_with,
            d.good_with,
            round(d.bad_rate, 4),
            round(d.odds_ratio, 3),
            round(d.ratio_interval[0], 3),
            round(d.ratio_interval[1], 3),
            "是" if d.clear else "否",
            round(d.weight, 4),
            result.describe(d),
        )
        for d in result.drivers
    ]
    done = write_table(ctx, out, DRIVER_COLUMNS, [rows], len(rows), store=db_path, note=result.summary().rstrip("。"))
    return ExportSummary("drivers", out, done, None)


def faq_trend_word(change: str) -> str:
    """The 趋势 cell of ``export faq`` for a cluster's trend kind (:meth:`TrendRules.kind`)."""
    return FAQ_TREND_WORDS.get(change, change)


def _faq_rows(store: Store, clusters, batch: int = 2000) -> Iterator[list[tuple]]:
    part: list[tuple] = []
    for c in clusters:
        variants = "；".join(v for v, _ in store.faq.variants(c.id, limit=6) if v != c.label)
        answer = store.faq.cluster(c.id)["recommended_answer"] or ""
        part.append(
            (
                c.label,
                variants,
                answer,
                c.size,
                round(c.share, 4),
                faq_trend_word(c.change),
                c.id,
                "、".join(c.keywords),
                c.current,
                c.previous,
                int(c.pinned),
            )
        )
        if len(part) >= batch:
            yield part
            part = []
    if part:
        yield part


def write_table(
    ctx: JobContext, out: Path, header, batches, total: int, *, store: str | Path | None, note: str = ""
) -> int:
    """Write a .csv or .xlsx ``out`` whole or not at all (:func:`cxdesk.tablewriter.write_table`); rows written.

    Cancellable between batches; progress after each. An XLSX is streamed, with ``note`` on a sheet 说明.
    """

    def checked():
        for part in batches:
            ctx.check()
            yield part

    def progress(done: int) -> None:
        ctx.progress(done, total, "正在导出")

    return tablewriter.write_table(out, header, checked(), progress, store=store, note=note)
