"""The report job: ``build_report(ctx, db_path, params)`` writes one XLSX, HTML or PDF file.

The CLI (``python main.py report``) and the 导出报告 button call the same job.
The file is written next to the target under a temporary name and renamed at
the end (:func:`cxdesk.outpaths.atomic_output`), so a failed or cancelled
report never leaves half a file behind, and the database, its side files and
backups are never a target.

Without dates (``date_from`` and ``date_to`` both ``None``) the report covers
全部: every row, those without a time too, and no previous period. With one
end only, the other is the first or last day of the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cxdesk.errors import CxdeskError
from cxdesk.outpaths import atomic_output, check_output_path
from cxdesk.store import store_exists
from cxdesk.store.dashboard import DashboardFilter
from cxdesk.tasks import JobContext
from cxdesk.times import plausible_range, range_text

FORMATS = {".xlsx": "Excel 工作簿", ".html": "网页（HTML）", ".htm": "网页（HTML）", ".pdf": "PDF"}
MAX_DAYS = 3660


@dataclass(frozen=True)
class ReportParams:
    """What to report on and where to write it (a plain snapshot taken on the GUI thread).

    No dates at all: 全部 (every row, undated ones too); one date: the other end is the data's edge.
    """

    date_from: date | None
    date_to: date | None
    out: Path
    shop_id: int | None = None
    platform: str | None = None
    keep_personal: bool = False

    @property
    def all_data(self) -> bool:
        return self.date_from is None and self.date_to is None

    def filter(self, first_day: date | None = None, last_day: date | None = None) -> DashboardFilter:
        """The dashboard filter; a missing end is the data's first / last day (then the other end)."""
        if self.all_data:
            last = last_day or date.today()
            first = min(first_day or last, last)
            return DashboardFilter(first, last, self.shop_id, self.platform, all_data=True)
        start = self.date_from or min(first_day or self.date_to, self.date_to)
        end = self.date_to or max(last_day or self.date_from, self.date_from)
        return DashboardFilter(start, end, self.shop_id, self.platform)


@dataclass(frozen=True)
class ReportSummary:
    path: Path
    format: str
    masked: bool

    def describe(self) -> str:
        note = (
            "个人信息已隐藏（买家昵称、手机号、身份证号、邮箱、姓名、地址）"
            if self.masked
            else "报告包含未隐藏的买家个人信息，请勿外传"
        )
        return f"已生成报告“{self.path}”（{FORMATS[self.format]}）。{note}。"


def check_params(params: ReportParams, db_path: str | Path | None = None) -> str:
    """The output format (suffix), or a :class:`CxdeskError` with a Chinese message.

    With ``db_path``, an output that is that database (or its side files,
    backups) is refused too (:func:`cxdesk.outpaths.check_output_path`).
    """
    check_output_path(params.out, store=db_path)
    suffix = Path(params.out).suffix.lower()
    if suffix not in FORMATS:
        raise CxdeskError(f"报告文件须以 .xlsx、.html 或 .pdf 结尾：{Path(params.out).name}")
    if params.date_from is not None and params.date_to is not None:
        if params.date_to < params.date_from:
            raise CxdeskError(f"结束日期 {params.date_to} 早于开始日期 {params.date_from}。")
        if (params.date_to - params.date_from).days + 1 > MAX_DAYS:
            raise CxdeskError("报告期间最长 10 年，请缩短日期范围。")
    earliest, latest = plausible_range()
    if (params.date_from is not None and params.date_from < earliest.date()) or (
        params.date_to is not None and params.date_to > latest.date()
    ):
        raise CxdeskError(f"报告期间须在 {range_text()} 之内（店铺数据的合理时间范围），未生成报告，请改日期。")
    if not Path(params.out).parent.exists():
        raise CxdeskError(f"文件夹不存在：{Path(params.out).parent}")
    return suffix


def build_report(ctx: JobContext, db_path: str | Path, params: ReportParams) -> ReportSummary:
    """Job: collect the report's content for ``params`` and write it in the format of ``params.out``."""
    from cxdesk.reports.content import collect
    from cxdesk.reports.writers import write_html, write_pdf, write_xlsx

    suffix = check_params(params, db_path)
    if not store_exists(db_path):
        raise CxdeskError(f"数据库文件不存在：{db_path}")
    content = collect(ctx, db_path, _resolve(db_path, params), keep_personal=params.keep_personal)
    ctx.check()
    ctx.progress(85, 100, "写出报告")
    out = Path(params.out)
    writer = {".xlsx": write_xlsx, ".pdf": write_pdf}.get(suffix, write_html)
    with atomic_output(out, store=db_path) as tmp:
        writer(content, tmp)
        ctx.check()
    ctx.progress(100, 100, "完成")
    return ReportSummary(out, suffix, not params.keep_personal)


def _resolve(db_path: str | Path, params: ReportParams) -> DashboardFilter:
    """``params.filter()`` with a missing end filled from the data's first / last day (index look-ups)."""
    if params.date_from is not None and params.date_to is not None:
        return params.filter()
    from cxdesk.store import open_store

    with open_store(db_path) as store:
        repo = store.dashboard
        first, last = repo.first_day(), repo.last_day()
    flt = params.filter(first, last)
    if flt.days > MAX_DAYS and not flt.all_data:
        raise CxdeskError("报告期间最长 10 年，请缩短日期范围。")
    return flt
