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
from cxdesk.exports import ExportSummary, masked_batches, privacy_note, write_table
from cxdesk.outpaths import check_output_path
from cxdesk.store import Repos, open_reader
from cxdesk.store.sessions_browse import EXPORT_COLUMNS, BrowseOptions, SessionFilter, SessionRow
from cxdesk.tasks import JobContext


@dataclass(frozen=True)
class ListResult:
    """The ids of one filter in one order, the filter bar's options and the first rows."""

    filter: SessionFilter
    sort: str
    descending: bool
    ids: list[int]
    options: BrowseOptions
    first_rows: list[SessionRow]


def load_list(
    ctx: JobContext, db_path: Path, flt: SessionFilter, sort: str, descending: bool, first: int
) -> ListResult:
    """Options, the ordered ids of ``flt`` and the rows of the first ``first`` of them."""
    conn = open_reader(db_path)
    try:
        repo = Repos(conn).sessions_browse
        options = repo.options()
        ctx.check()
        ids = repo.ids(flt, sort, descending)
        ctx.check()
        return ListResult(flt, sort, descending, ids, options, repo.rows(ids[:first]))
    finally:
        conn.close()


def export_sessions(ctx: JobContext, db_path: Path, ids: list[int], out: Path, mask: bool) -> ExportSummary:
    """Write the listed sessions with the columns of ``python main.py export sessions``, in list order.

    With ``mask`` personal data is masked as in ``python main.py export sessions`` (the buyer nick as on
    screen, phone numbers and names in the risk reasons); never written over the database.
    """
    out = check_output_path(out, store=db_path)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise CxdeskError(f"导出文件须以 .csv 或 .xlsx 结尾：{out.name}")
    conn = open_reader(db_path)
    try:
        batches = masked_batches(EXPORT_COLUMNS, Repos(conn).sessions_browse.export_rows(ids), not mask)
        done = write_table(ctx, out, EXPORT_COLUMNS, batches, len(ids), store=db_path, note=privacy_note(mask))
    finally:
        conn.close()
    return ExportSummary("sessions", out, done, mask)
