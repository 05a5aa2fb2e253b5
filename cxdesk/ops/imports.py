"""Import export files: one file, or the import wizard's list of files, each file one undoable batch.

:func:`import_file` is ``main.py import FILE``; :func:`import_files` is the wizard's
「开始导入」: the files one after another, an expected problem (``CxdeskError``) ends only
that file, a cancel rolls back the current file and skips the rest while the files
already imported stay imported. Both write through :func:`cxdesk.importers.import_file`
on the writer's store (each file in its own transaction, opened there).

On a team store (PostgreSQL) an import runs alone: it takes the import/analysis lock
(:func:`cxdesk.store.pg.locks.work_lock`) for the whole run and is refused at once, with who
is running what, while another computer imports or analyses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxdesk.errors import Cancelled, CxdeskError
from cxdesk.importers import Detection, ImportSummary
from cxdesk.ops import ANALYSIS, BATCHES, CHATS, ORDERS, REVIEWS, SHOPS, OpChanges
from cxdesk.store import Store
from cxdesk.store.pg.locks import report_part, work_lock
from cxdesk.tasks import JobContext

# What a batch of each import kind adds (agent reports are shown with the computed KPIs).
KIND_CHANGES = {"reviews": REVIEWS, "chats": CHATS, "orders": ORDERS, "agent_report": ANALYSIS}


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

    @property
    def summaries(self) -> list[ImportSummary]:
        return [o.summary for o in self.outcomes if o.summary is not None]


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


def changes_of(op: str, summaries: Iterable[ImportSummary], *, summary: str = "", value: Any = None) -> OpChanges:
    """The OpChanges of the batches ``summaries`` made: shops, batches and the kinds of rows they added."""
    done = [s for s in summaries if s.batch_id is not None]
    if not done:
        return OpChanges(op, summary=summary, value=value)
    kinds = {SHOPS, BATCHES} | {KIND_CHANGES.get(s.kind, ANALYSIS) for s in done}
    return OpChanges.of(op, *kinds, ids={BATCHES: [int(s.batch_id) for s in done]}, summary=summary, value=value)


def import_file(store: Store, ctx: JobContext, path: str | Path, **options: Any) -> OpChanges:
    """Import one file as one batch; ``options`` are those of :func:`cxdesk.importers.import_file`
    (kind, platform, shop, mapping, session_gap_minutes, max_bad_share...). ``value``: the
    :class:`ImportSummary`. A file that cannot be imported raises (nothing is written)."""
    from cxdesk import importers

    with work_lock(store, "import", ctx) as ctx:
        result = importers.import_file(ctx, store, path, **options)
    return changes_of("import", [result], summary=f"已导入 {Path(path).name}", value=result)


def import_files(store: Store, ctx: JobContext, tasks: Sequence[FileTask]) -> OpChanges:
    """Import the wizard's files one by one, each as one batch; ``value``: the :class:`RunResult`."""
    result = RunResult()
    with work_lock(store, "import", ctx) as ctx:
        for i, task in enumerate(tasks, start=1):
            if result.cancelled or ctx.cancelled():
                result.cancelled = True
                result.outcomes.append(FileOutcome(task.path, "skipped", message="已取消，未导入"))
                continue
            report_part(ctx, i - 1, len(tasks))  # the others see how far the whole run is
            result.outcomes.append(_import_one(_FileContext(ctx, i, len(tasks)), store, task))
            result.cancelled = result.outcomes[-1].status == "cancelled"
    done = result.summaries
    summary = f"已导入 {len(done)} 个文件" if done else ""
    return changes_of("import", done, summary=summary, value=result)


def _import_one(ctx: _FileContext, store: Store, task: FileTask) -> FileOutcome:
    from cxdesk import importers

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
