"""The import wizard's reading jobs, and the plain data its import operation takes.

Each job is a ``fn(ctx, ...)`` for :class:`ui.workers.Job`: detecting a file,
previewing it, writing a batch's rejected rows. They take a snapshot of the
user's choices built on the GUI thread (STYLE §7) and open their own store
connection from the database path: the GUI thread's connection stays the GUI
thread's. Importing and undoing write, so they are operations on the window's
writer (:mod:`cxdesk.ops.imports`, :mod:`cxdesk.ops.undo`); their data types
(:class:`FileTask`, :class:`FileOutcome`, :class:`RunResult`) are re-exported
here for the wizard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cxdesk.importers as importers
from cxdesk.errors import CxdeskError
from cxdesk.importers import Detection, write_rejects_csv
from cxdesk.ops.imports import FileOutcome, FileTask, RunResult
from cxdesk.store import open_store
from cxdesk.tasks import JobContext

__all__ = ["PREVIEW_ROWS", "FileOutcome", "FileTask", "RunResult", "detect_job", "export_rejects_job", "preview_job"]

PREVIEW_ROWS = 20


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


def export_rejects_job(ctx: JobContext, db_path: Path, batch_id: int, target: Path) -> int:
    """Write a batch's rejected rows to ``target`` (CSV); returns the row count."""
    with open_store(db_path) as store:
        return write_rejects_csv(store, batch_id, target)
