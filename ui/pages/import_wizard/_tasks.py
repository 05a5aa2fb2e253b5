"""The import wizard's background jobs and the plain data they take.

Each job is a ``fn(ctx, ...)`` for :class:`ui.workers.Job`. They take a
snapshot of the user's choices built on the GUI thread (STYLE §7) and open
their own store connection from the database path: the GUI thread's
connection stays the GUI thread's. All real work is in ``cxdesk.importers``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxdesk.errors import Cancelled, CxdeskError
import cxdesk.importers as importers
from cxdesk.importers import Detection, ImportSummary, undo_batch, write_rejects_csv
from cxdesk.store import open_store
from cxdesk.tasks import JobContext

PREVIEW_ROWS = 20


@dataclass(frozen=True)
class FileTask:
    """What to import from one file, as the user set it up in the wizard."""

    path: Path
    detection: Detection
    kind: str | None
    platform: str | None
    shop: str | None
    mapping: dict[str, str] | None
    session_gap_minutes: int = 30


@dataclass
class FileOutcome:
    """How one file of a run ended: a summary, or a Chinese message."""

    path: Path
    status: str  # done / failed / cancelled / skipped
    summary: ImportSummary | None = None
    message: str = ""


@dataclass
class RunResult:
    """Outcomes of all files of one 「开始导入」 run, in order."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    cancelled: bool = False


class _FileContext:
    """Forwards one file's progress with a 「（2/3）」 prefix; cancel is shared."""

    def __init__(self, ctx: JobContext, index: int, count: int) -> None:
        self._ctx = ctx
        self._prefix = f"（{index}/{count}）" if count > 1 else ""

    def progress(self, done: int, total: int, message: str = "") -> None:
        self._ctx.progress(done, total, self._prefix + message)

    def cancelled(self) -> bool:
        return self._ctx.cancelled()

    def check(self) -> None:
        self._ctx.check()


def detect_job(ctx: JobContext, path: Path) -> Detection | str:
    """Detect one file, or its Chinese message when it cannot be read.

    Unreadable files are expected (shown inline in the file list), so the
    message comes back as a value; only bugs reach the Job's error dialog.
    """
    try:
        return importers.detect(path)
    except CxdeskError as exc:
        return str(exc)


def preview_job(
    ctx: JobContext, path: Path, detection: Detection, kind: str | None, mapping: dict[str, str] | None
) -> list[dict[str, Any]] | str:
    """The first records as they would be stored, or why they cannot be (Chinese)."""
    try:
        return importers.preview(path, detection, mapping, PREVIEW_ROWS, kind=kind)
    except CxdeskError as exc:
        return str(exc)


def import_job(ctx: JobContext, db_path: Path, tasks: list[FileTask]) -> RunResult:
    """Import the files one by one, each as one batch.

    An expected problem (``CxdeskError``) ends only that file; a cancel rolls
    back the current file and skips the rest, and the files already imported
    stay imported, so the outcomes come back rather than a bare ``Cancelled``.
    """
    result = RunResult()
    with open_store(db_path) as store:
        for i, task in enumerate(tasks, start=1):
            if result.cancelled or ctx.cancelled():
                result.cancelled = True
                result.outcomes.append(FileOutcome(task.path, "skipped", message="已取消，未导入"))
                continue
            result.outcomes.append(_import_one(_FileContext(ctx, i, len(tasks)), store, task))
            result.cancelled = result.outcomes[-1].status == "cancelled"
    return result


def _import_one(ctx: _FileContext, store: Any, task: FileTask) -> FileOutcome:
    try:
        summary = importers.import_file(
            ctx,
            store,
            task.path,
            kind=task.kind,
            platform=task.platform,
            shop=task.shop,
            mapping=task.mapping,
            session_gap_minutes=task.session_gap_minutes,
            detection=task.detection,
        )
    except Cancelled:
        return FileOutcome(task.path, "cancelled", message="已取消，此文件的改动已撤回")
    except CxdeskError as exc:
        return FileOutcome(task.path, "failed", message=str(exc))
    return FileOutcome(task.path, "done", summary=summary)


def undo_job(ctx: JobContext, db_path: Path, batch_id: int) -> int:
    """Undo one batch; returns the number of rows removed."""
    ctx.progress(0, 0, f"正在撤销批次 {batch_id}")
    with open_store(db_path) as store:
        return undo_batch(store, batch_id)


def export_rejects_job(ctx: JobContext, db_path: Path, batch_id: int, target: Path) -> int:
    """Write a batch's rejected rows to ``target`` (CSV); returns the row count."""
    with open_store(db_path) as store:
        return write_rejects_csv(store, batch_id, target)
