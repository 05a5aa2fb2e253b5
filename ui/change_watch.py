"""The main window's ear for changes made elsewhere: other PCs on a team store, other programs on a file.

:class:`ChangeWatch` polls a :class:`cxdesk.store.changes.ChangeWatcher` on a timer (every
:data:`POLL_MS`; a poll only reads what is already there — ``PRAGMA data_version`` on SQLite,
notifications already received on PostgreSQL — so it runs on the GUI thread) and emits
:attr:`ChangeWatch.sig_changed` with an :class:`cxdesk.ops.OpChanges` made from what it heard
(every kind when SQLite says only "something changed"). The window hands that to the pages as it
does after one of its own operations (origin :data:`REMOTE_ORIGIN`).

Its own writes are not news: on PostgreSQL the window's finished operations are announced to the
others from here (:meth:`ChangeWatch.announce`) and the watcher skips what this process sent; on
SQLite, where a change does not say whose it is, the polls pause while the window's writer is busy
and what it wrote is skipped when it is done.

A page whose user is typing (:func:`has_unsaved_input`) is not reloaded: its changes wait
(:class:`Deferred`) until the input is saved or left, so a reload never wipes a half-written note.

On a team store :attr:`ChangeWatch.sig_work` tells who else is importing or analysing and how far
(asked off the GUI thread, every :data:`WORK_POLL_MS` while it lasts; started by the notice such a run
sends when it starts, and checked once when the window opens).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from cxdesk.ops import ALL_KINDS, LEXICON, RULES, WEIGHTS, OpChanges
from cxdesk.store.changes import ChangeWatcher, StoreChange, watch_target

log = logging.getLogger("cxdesk")

POLL_MS = 2500
WORK_POLL_MS = 3000
REMOTE_ORIGIN = "remote"  # the origin pages see for changes made elsewhere
REMOTE_OP = "remote_changes"
NOTE_TEAM = "其他同事刚更新了数据，已刷新"
NOTE_FILE = "数据刚在别处更新（另一个窗口或命令），已刷新"
NOTE_DEFERRED = "（您正在输入的页面在保存或离开输入框后刷新）"
FILE_KINDS = frozenset({RULES, WEIGHTS, LEXICON})  # files in this PC's resources folder, not the store


def to_op_changes(changes: Iterable[StoreChange], summary: str = "") -> OpChanges | None:
    """One :class:`OpChanges` for what was heard (kinds joined; ids kept only where every change named
    them); ``None`` when nothing was changed (only start/end notices)."""
    kinds: set[str] = set()
    ids: dict[str, set[int]] = {}
    unknown_ids: set[str] = set()
    heard = False
    for change in changes:
        if change.is_work_notice:
            continue
        heard = True
        these = ALL_KINDS if change.kinds is None else (change.kinds & ALL_KINDS)
        kinds |= these
        for kind in these:
            if change.ids.get(kind):
                ids.setdefault(kind, set()).update(change.ids[kind])
            else:
                unknown_ids.add(kind)
    if not heard:
        return None
    if not kinds:  # a change of kinds this version does not know: reload everything
        kinds = set(ALL_KINDS)
    known = {k: sorted(v) for k, v in ids.items() if k not in unknown_ids}
    return OpChanges.of(REMOTE_OP, *kinds, ids=known, summary=summary)


def merge(a: OpChanges | None, b: OpChanges) -> OpChanges:
    """Two remote changes as one (a page that waited gets both at once)."""
    if a is None:
        return b
    kinds = a.kinds | b.kinds
    ids: Mapping[str, Iterable[int]] = {
        k: sorted(set(a.ids_of(k)) | set(b.ids_of(k)))
        for k in kinds
        if (k not in a.kinds or a.ids_of(k)) and (k not in b.kinds or b.ids_of(k))
    }
    return OpChanges.of(REMOTE_OP, *kinds, ids=ids, summary=b.summary or a.summary)


_EDITORS = (QLineEdit, QPlainTextEdit, QTextEdit)


def _is_edited(widget: QWidget | None) -> bool:
    if not isinstance(widget, _EDITORS) or widget.isReadOnly() or not widget.isEnabled():
        return False
    if isinstance(widget, QLineEdit):
        return widget.isModified()
    return widget.document().isModified()


def has_unsaved_input(page: QWidget) -> bool:
    """The user is writing on ``page``: a reload now could wipe it.

    A page may answer itself (``has_unsaved_input()``); otherwise: the text box the user was last in
    on this page is editable and was typed in since the page last filled it (a note, an answer).
    """
    own = getattr(page, "has_unsaved_input", None)
    if callable(own):
        return bool(own())
    return _is_edited(page.focusWidget())


class Deferred:
    """Remote changes kept for the pages that were busy with input, by page key."""

    def __init__(self) -> None:
        self._by_page: dict[str, OpChanges] = {}

    def keep(self, key: str, changes: OpChanges) -> None:
        self._by_page[key] = merge(self._by_page.get(key), changes)

    def take_ready(self, pages: Mapping[str, QWidget]) -> list[tuple[str, OpChanges]]:
        """The kept changes of the pages whose input is no longer unsaved (removed from here)."""
        ready = [(k, c) for k, c in self._by_page.items() if k in pages and not has_unsaved_input(pages[k])]
        for key, _ in ready:
            del self._by_page[key]
        return ready

    def pending(self) -> list[str]:
        return list(self._by_page)


class ChangeWatch(QObject):
    """Polls the window's store for changes made elsewhere (see the module doc).

    ``store``: the store the window was given; ``ops``: the window's :class:`ui.operations.OpRunner`
    (its busy state and finished operations); ``jobs``: where the team store's "who is importing"
    checks run.
    """

    sig_changed = Signal(object)  # OpChanges made elsewhere
    sig_work = Signal(str)  # "王芳 正在分析数据（37%）…" while someone else imports or analyses; "" when none

    def __init__(self, store: Any, ops: Any, jobs: Any, parent: QObject | None = None, *, interval_ms: int = POLL_MS):
        super().__init__(parent)
        self.target = watch_target(store)
        self.engine = "postgresql" if getattr(store, "url", None) else "sqlite"
        self.note = NOTE_TEAM if self.engine == "postgresql" else NOTE_FILE
        self._jobs = jobs
        self._own_busy = bool(ops.is_busy())
        self._writing_jobs: set[int] = set()  # ids of the window's background jobs that write the store
        self._watcher: ChangeWatcher | None = None
        self._closed = False
        self._open_watcher()
        ops.sig_busy_changed.connect(self._on_own_busy)
        ops.sig_op_done.connect(self._on_own_op)
        jobs.sig_job_started.connect(self._on_job_started)
        jobs.sig_job_finished.connect(self._on_job_finished)
        for job in jobs.running():  # started while the window built its pages (总览's first refresh)
            self._on_job_started(job)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll_now)
        self.work_timer = QTimer(self)
        self.work_timer.setSingleShot(True)
        self.work_timer.setInterval(WORK_POLL_MS)
        self.work_timer.timeout.connect(self.check_work)
        self.work_text = ""

    def start(self) -> None:
        self.timer.start()
        if self.engine == "postgresql":
            self.check_work()  # someone may be importing since before this window opened

    def close(self) -> None:
        self._closed = True
        self.timer.stop()
        self.work_timer.stop()
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None

    def _open_watcher(self) -> bool:
        if self._watcher is None and not self._closed:
            try:
                self._watcher = ChangeWatcher(self.target)
            except Exception as exc:  # noqa: BLE001 - the window works without it; retried at the next poll
                log.warning("无法监听数据库的变化（稍后重试）：%s", exc)
        return self._watcher is not None

    # --- polling -----------------------------------------------------------------------------

    def poll_now(self) -> OpChanges | None:
        """Poll once; the changes heard (also emitted as :attr:`sig_changed`), or ``None``."""
        if self._closed or not self._open_watcher():
            return None
        if (self._own_busy or self._writing_jobs) and self.engine == "sqlite":
            return None  # the window's writer is committing: its changes are not news (skipped when done)
        heard = self._watcher.poll_changes()  # type: ignore[union-attr]
        if any(c.is_work_notice for c in heard):
            self.check_work()
        changes = to_op_changes(heard, self.note)
        if changes is not None:
            self.sig_changed.emit(changes)
        return changes

    def _on_own_busy(self, busy: bool) -> None:
        self._own_busy = busy
        self._skip_own_writes()

    def _on_job_started(self, job: Any) -> None:
        if getattr(job, "writes_store", False):
            self._writing_jobs.add(id(job))

    def _on_job_finished(self, job: Any) -> None:
        if id(job) in self._writing_jobs:
            self._writing_jobs.discard(id(job))
            self._skip_own_writes()

    def _skip_own_writes(self) -> None:
        """On SQLite, once neither the writer nor a writing background job of this window runs: what they
        wrote is not news (a commit does not say whose it is)."""
        if self._own_busy or self._writing_jobs or self.engine != "sqlite" or self._watcher is None:
            return
        self._watcher.skip()

    def _on_own_op(self, changes: OpChanges, origin: str) -> None:
        self.announce(changes)

    def announce(self, changes: OpChanges) -> bool:
        """Tell the other PCs on a team store what one of this window's operations changed (not the
        files of this PC's own resources folder: rules, weights, lexicon)."""
        kinds = changes.kinds - FILE_KINDS
        if self.engine != "postgresql" or not kinds or not self._open_watcher():
            return False
        ids = {k: v for k, v in changes.ids.items() if k in kinds}
        return self._watcher.announce(changes.op, kinds, ids)  # type: ignore[union-attr]

    # --- someone else's import or analysis ---------------------------------------------------

    def check_work(self) -> None:
        """Ask (off the GUI thread) who holds the import/analysis lock; again shortly while someone does."""
        if self.engine != "postgresql" or self._closed:
            return
        from cxdesk.store.pg.locks import current_holder
        from ui.workers import Job

        job = Job(None, lambda _ctx, url: current_holder(url), str(self.target), label="查看同事的导入/分析")
        job.without_progress_dialog().on_success(self._show_work).on_failure(lambda _exc: self._show_work(None))
        self._jobs.start("change_watch.work", job)

    def _show_work(self, holder: Any) -> None:
        from cxdesk.store.pg.locks import describe_progress

        if self._closed:
            return
        text = describe_progress(holder) if holder is not None and not holder.own else ""
        if text != self.work_text:
            self.work_text = text
            self.sig_work.emit(text)
        if text:
            self.work_timer.start()
