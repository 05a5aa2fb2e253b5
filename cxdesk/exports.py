"""Export reviews, chat messages, sessions or risk flags with their analysis results to CSV or XLSX.

Cells that a spreadsheet would run as a formula (starting with = + - @, or a
tab/carriage return) are prefixed with an apostrophe: exports hold buyers'
free text, and a review saying ``=HYPERLINK(...)`` must stay text.

Buyers' personal data is masked unless the caller keeps it
(``--keep-personal``): nicks as on the 会话 page (``t***7``), phone and ID
numbers, e-mail addresses, receivers' names and street addresses in every
free-text column (:mod:`cxdesk.privacy`). A CSV stays a plain table (other
tools read it); an XLSX says which it is on a second sheet, 说明.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cxdesk.errors import CxdeskError
from cxdesk.outpaths import atomic_output, check_output_path
from cxdesk.privacy import mask_nick, mask_text
from cxdesk.store import open_store
from cxdesk.store.exports import columns
from cxdesk.tasks import JobContext

KINDS = ("reviews", "messages", "sessions", "flags")
KIND_LABELS = {
    "reviews": "条评价",
    "messages": "条聊天消息",
    "sessions": "个会话",
    "flags": "条风险旗标",
    "faq": "个常见问题",
    "faq-members": "个买家问题",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
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


def neutralise(value: object) -> object:
    """Make a text cell safe to open in Excel/WPS; numbers and None pass through."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


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
    from cxdesk.store.faq_exports import FAQ_KINDS, export_faq

    if kind in FAQ_KINDS:
        return export_faq(ctx, db_path, kind, out, keep_personal=keep_personal)
    if kind not in KINDS:  # faq / faq-members are handled above
        raise CxdeskError(
            f"不支持导出“{kind}”，可选：reviews（评价）、messages（聊天消息）、"
            "sessions（会话及风险分）、flags（风险旗标）"
        )
    out = check_output_path(out, store=db_path)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CxdeskError(f"导出文件须以 .csv 或 .xlsx 结尾：{out.name}")
    header = columns(kind)
    with open_store(db_path) as store:
        total = store.exports.count(kind)
        batches = masked_batches(header, store.exports.rows(kind), keep_personal)
        done = write_table(ctx, out, header, batches, total, store=db_path, note=privacy_note(not keep_personal))
    return ExportSummary(kind, out, done, not keep_personal)


def write_table(
    ctx: JobContext, out: Path, header, batches, total: int, *, store: str | Path | None, note: str = ""
) -> int:
    """Write a .csv or .xlsx ``out`` whole or not at all (:func:`cxdesk.outpaths.atomic_output`); rows written."""
    with atomic_output(out, store=store) as tmp:
        if out.suffix.lower() == ".csv":
            return write_csv(ctx, tmp, header, batches, total)
        return write_xlsx(ctx, tmp, header, batches, total, note=note)


def write_csv(ctx: JobContext, path: Path, header, batches, total: int) -> int:
    """Write ``header`` and the row ``batches`` as UTF-8 CSV with a BOM; formula-like cells neutralised."""
    done = 0
    # utf-8-sig: Excel on Chinese Windows opens it without mojibake.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for part in batches:
            ctx.check()
            writer.writerows([neutralise(v) for v in row] for row in part)
            done += len(part)
            ctx.progress(done, total, "正在导出")
    return done


def write_xlsx(ctx: JobContext, path: Path, header, batches, total: int, note: str = "") -> int:
    """Write ``header`` and the row ``batches`` as one XLSX sheet (streamed); formula-like cells neutralised.

    A ``note`` (what the file holds of personal data) goes on a second sheet, 说明.
    """
    import xlsxwriter

    done = 0
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    try:
        sheet = book.add_worksheet("data")
        sheet.write_row(0, 0, header)
        for part in batches:
            ctx.check()
            for row in part:
                done += 1
                sheet.write_row(done, 0, [neutralise(v) for v in row])
            ctx.progress(done, total, "正在导出")
        if note:
            book.add_worksheet("说明").write(0, 0, note + "。")
    finally:
        book.close()
    return done


# Older private names, still imported by a few modules.
_write_csv = write_csv
_write_xlsx = write_xlsx
