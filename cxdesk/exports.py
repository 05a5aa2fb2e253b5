"""Export reviews, chat messages, sessions or risk flags with their analysis results to CSV or XLSX.

Cells that a spreadsheet would run as a formula (starting with = + - @, or a
tab/carriage return) are prefixed with an apostrophe: exports hold buyers'
free text, and a review saying ``=HYPERLINK(...)`` must stay text.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from cxdesk.errors import CxdeskError
from cxdesk.store import open_store
from cxdesk.store.exports import columns
from cxdesk.tasks import JobContext

KINDS = ("reviews", "messages", "sessions", "flags")
KIND_LABELS = {"reviews": "条评价", "messages": "条聊天消息", "sessions": "个会话", "flags": "条风险旗标",
               "faq": "个常见问题", "faq-members": "个买家问题"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Make a text cell safe to open in Excel/WPS; numbers and None pass through."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass
class ExportSummary:
    kind: str
    path: Path
    rows: int

    def describe(self) -> str:
        return f"已导出 {self.rows:,} {KIND_LABELS[self.kind]}到“{self.path}”。"


def export_table(ctx: JobContext, db_path: str | Path, kind: str, out: str | Path) -> ExportSummary:
    """Job: write every review or message with its results to ``out`` (.csv or .xlsx)."""
    from cxdesk.store.faq_exports import FAQ_KINDS, export_faq

    if kind in FAQ_KINDS:
        return export_faq(ctx, db_path, kind, out)
    if kind not in KINDS:  # faq / faq-members are handled above
        raise CxdeskError(f"不支持导出“{kind}”，可选：reviews（评价）、messages（聊天消息）、"
                          "sessions（会话及风险分）、flags（风险旗标）")
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CxdeskError(f"导出文件须以 .csv 或 .xlsx 结尾：{out.name}")
    tmp = out.with_name(out.name + ".part")
    with open_store(db_path) as store:
        total = store.exports.count(kind)
        batches = store.exports.rows(kind)
        header = columns(kind)
        done = 0
        try:
            if suffix == ".csv":
                done = write_csv(ctx, tmp, header, batches, total)
            else:
                done = write_xlsx(ctx, tmp, header, batches, total)
            tmp.replace(out)
        except OSError as exc:
            raise CxdeskError(f"无法写入“{out}”：{exc.strerror or exc}") from exc
        finally:
            tmp.unlink(missing_ok=True)
    return ExportSummary(kind, out, done)


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


def write_xlsx(ctx: JobContext, path: Path, header, batches, total: int) -> int:
    """Write ``header`` and the row ``batches`` as one XLSX sheet (streamed); formula-like cells neutralised."""
    import xlsxwriter

    done = 0
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    try:
        sheet = book.add_worksheet("data")
        sheet.write_row(0, 0, header)
        for part in batches:
            ctx.check()
            for row in part:
                done += 1
                sheet.write_row(done, 0, [neutralise(v) for v in row])
            ctx.progress(done, total, "正在导出")
    finally:
        book.close()
    return done


# Older private names, still imported by a few modules.
_write_csv = write_csv
_write_xlsx = write_xlsx
