"""Background jobs of 会话 and the plain results they return.

Each job is a ``fn(ctx, ...)`` for :class:`ui.workers.Job`; it reads
through its own read-only connection (STYLE §7, §13) with a frozen
:class:`SessionFilter` built on the GUI thread. All SQL is in
:mod:`cxdesk.store.sessions_browse`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxdesk.errors import CxdeskError
from cxdesk.exports import ExportSummary, write_csv, write_xlsx
from cxdesk.privacy import mask_nick
from cxdesk.store import open_reader
from cxdesk.store.sessions_browse import EXPORT_COLUMNS, BrowseOptions, SessionFilter, SessionRow, SessionsBrowseRepo
from cxdesk.tasks import JobContext

_BUYER = EXPORT_COLUMNS.index("buyer")


@dataclass(frozen=True)
class ListResult:
    """The ids of one filter in one order, the filter bar's options and the first rows."""

    filter: SessionFilter
    sort: str
    descending: bool
    ids: list[int]
    options: BrowseOptions
    first_rows: list[SessionRow]


def load_list(ctx: JobContext, db_path: Path, flt: SessionFilter, sort: str, descending: bool,
              first: int) -> ListResult:
    """Options, the ordered ids of ``flt`` and the rows of the first ``first`` of them."""
    conn = open_reader(db_path)
    try:
        repo = SessionsBrowseRepo(conn)
        options = repo.options()
        ctx.check()
        ids = repo.ids(flt, sort, descending)
        ctx.check()
        return ListResult(flt, sort, descending, ids, options, repo.rows(ids[:first]))
    finally:
        conn.close()


def export_sessions(ctx: JobContext, db_path: Path, ids: list[int], out: Path, mask: bool) -> ExportSummary:
    """Write the listed sessions with the columns of ``python main.py export sessions``, in list order.

    With ``mask`` the buyer nick is masked as on screen.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CxdeskError(f"导出文件须以 .csv 或 .xlsx 结尾：{out.name}")
    conn = open_reader(db_path)
    tmp = out.with_name(out.name + ".part")
    try:
        batches = SessionsBrowseRepo(conn).export_rows(ids)
        if mask:
            batches = ([_masked(r) for r in part] for part in batches)
        write = write_csv if suffix == ".csv" else write_xlsx
        try:
            done = write(ctx, tmp, EXPORT_COLUMNS, batches, len(ids))
            tmp.replace(out)
        except OSError as exc:
            raise CxdeskError(f"无法写入“{out}”：{exc.strerror or exc}") from exc
        finally:
            tmp.unlink(missing_ok=True)
    finally:
        conn.close()
    return ExportSummary("sessions", out, done)


def _masked(row: tuple) -> tuple:
    values = list(row)
    values[_BUYER] = mask_nick(values[_BUYER])
    return tuple(values)
