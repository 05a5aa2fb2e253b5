"""The window's one writer: user operations run here, one at a time, off the GUI thread.

A page never writes to the store itself. It asks the runner::

    self.ctx.ops.run(self, triage.set_status, ids, "已处理", handler=who,
                     label="标记风险", origin=self.key)

The runner queues the request and runs queued operations strictly one after another in a
background thread (through :class:`ui.workers.Job`, so progress, cancel and error dialogs
behave as for every other job) on its own writer :class:`cxdesk.store.Store` — the only
connection in the app that writes. Pages read through their own connections, so a page
never waits for a write and the GUI never waits for a lock. Operations marked
:func:`cxdesk.ops.files_only` (设置's rules, weights and lexicon: files in the user's resources
folder, never the store) start at once on a thread of their own, so a saved rule does not wait
behind an hour-long import.

When an operation returns, the runner emits :attr:`OpRunner.sig_op_done` with the
:class:`cxdesk.ops.OpChanges` and the ``origin`` that asked for it; the main window hands
it to every page's ``on_op_done``, and each page reloads only what the change touched.

Closing the window runs nothing new, with one exception: what the user typed or clicked
(``keep_on_close``: a 风险 mark, a note, a 常见问题 rename, a setting) is still written, after the
operation that is running, even when the window closes right after the keystroke.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEventLoop, QObject, Signal
from PySide6.QtWidgets import QWidget

from cxdesk.ops import OpChanges
from cxdesk.store import Store, open_store, store_location
from ui.workers import Job

log = logging.getLogger("cxdesk")


@dataclass
class _Request:
    parent: QWidget | None
    op: Callable[..., OpChanges]
    args: tuple
    kwargs: dict
    label: str
    origin: str
    progress: bool
    keep_on_close: bool = False  # the user's own edit: written even when the window closes first
    on_done: list[Callable[[OpChanges], None]] = field(default_factory=list)
    on_failure: list[Callable[[BaseException], None]] = field(default_factory=list)
    on_started: list[Callable[[Job], None]] = field(default_factory=list)
    job: Job | None = None


def _call_on(store: Store | None, op: Callable[..., OpChanges]) -> Callable[..., OpChanges]:
    """``fn(ctx, *args)`` for :class:`Job`: the operation on the writer's store."""

    def call(ctx: Any, *args: Any, **kwargs: Any) -> OpChanges:
        changes = op(store, ctx, *args, **kwargs)
        if not isinstance(changes, OpChanges):
            raise TypeError(
                f"operation {getattr(op, '__name__', op)!r} returned {type(changes).__name__}, not OpChanges"
            )
        return changes

    return call


class OpRunner(QObject):
    """Runs operations on one writer store, one at a time, and announces what they changed.

    ``db_path``: the store to write to; the writer connection is opened on first use and
    closed by :meth:`shutdown`. A read-only store (``read_only=True``) refuses every
    operation with the store's own message (no connection that could write is opened).
    """

    sig_op_done = Signal(object, str)  # OpChanges, origin
    sig_busy_changed = Signal(bool)

    def __init__(self, db_path: Path | str, parent: QObject | None = None, *, read_only: bool = False) -> None:
        super().__init__(parent)
        self.db_path = store_location(db_path)  # a file's Path or a team store's address
        self._read_only = read_only
        self._store: Store | None = None
        self._queue: deque[_Request] = deque()
        self._current: _Request | None = None
        self._beside: list[_Request] = []  # file-only operations running beside the writer (cxdesk.ops.files_only)
        self._closed = False
        self._refused: str | None = None  # why writes are refused (the file was found damaged while open)

    # --- asking ------------------------------------------------------------------------------

    def run(
        self,
        parent: QWidget | None,
        op: Callable[..., OpChanges],
        *args: Any,
        label: str,
        origin: str = "",
        on_done: Callable[[OpChanges], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        on_started: Callable[[Job], None] | None = None,
        progress: bool = True,
        keep_on_close: bool = False,
        **kwargs: Any,
    ) -> None:
        """Queue ``op(writer_store, ctx, *args, **kwargs)``; it runs after those queued before it.

        ``on_done(changes)`` runs on the GUI thread before the change is announced to the pages;
        ``on_failure(exc)`` replaces the default error box. ``on_started(job)`` runs when the
        operation's turn comes, before it starts (a page that shows its own progress connects to
        ``job.sig_progress`` there, and may ``job.cancel()``). ``progress=False`` keeps quick
        operations (a triage keystroke) from ever opening a progress dialog. ``keep_on_close=True``:
        the user's own edit, written even if the window closes while it waits (see :meth:`shutdown`).
        """
        if self._closed:
            log.warning("操作「%s」在窗口关闭后提交，未执行", label)
            return
        req = _Request(parent, op, args, kwargs, label, origin, progress, keep_on_close)
        if on_done is not None:
            req.on_done.append(on_done)
        if on_failure is not None:
            req.on_failure.append(on_failure)
        if on_started is not None:
            req.on_started.append(on_started)
        if getattr(op, "files_only", False):
            self._start_beside(req)
            return
        was_idle = not self.is_busy()
        self._queue.append(req)
        if was_idle:
            self.sig_busy_changed.emit(True)
        self._next()

    def refuse_writes(self, reason: str) -> None:
        """From now on every operation is refused with ``reason`` (a check found the file damaged)."""
        self._refused = reason
        if self._store is not None:
            self._store.refuse_writes(reason)

    def is_busy(self) -> bool:
        """An operation is queued or running (on the writer or, for file-only ones, beside it)."""
        return self._current is not None or bool(self._queue) or bool(self._beside)

    def current_job(self) -> Job | None:
        return self._current.job if self._current is not None else None

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        """Process events until every queued operation has finished (tests, closing the window)."""
        clock = QElapsedTimer()
        clock.start()
        while self.is_busy():
            if clock.elapsed() > timeout_ms:
                return False
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        return True

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Run nothing new: drop what is queued except the user's own edits (``keep_on_close``), wait
        for the running operation and then for those edits, one after another, and close the writer.
        False when something was still running after ``timeout_ms`` (each wait)."""
        self._closed = True
        dropped = [req.label for req in self._queue if not req.keep_on_close]
        self._queue = deque(req for req in self._queue if req.keep_on_close)
        if dropped:
            log.warning("窗口关闭，排队中的操作未执行：%s", "、".join(dropped))
        ok = True
        # A finished job starts the next queued request at once (``_finished``), so this waits for the
        # running operation and then for each kept edit in turn.
        while self._current is not None:
            req = self._current
            if req.job is None or not req.job.wait(timeout_ms):
                ok = False
                break
            if self._current is req:  # its end was not announced: do not wait for it twice
                self._current = None
                self._next()
        if self._queue:
            log.warning("窗口关闭，以下操作未能在限时内执行：%s", "、".join(r.label for r in self._queue))
            self._queue.clear()
        for req in self._beside:
            if req.job is not None:
                ok = req.job.wait(timeout_ms) and ok
        if self._store is not None:
            self._store.close()
            self._store = None
        return ok

    # --- running -----------------------------------------------------------------------------

    def _writer(self) -> Store:
        if self._store is None:
            self._store = open_store(self.db_path, read_only=self._read_only)
            if self._refused is not None:
                self._store.refuse_writes(self._refused)
        return self._store

    def _next(self) -> None:
        if self._current is not None or not self._queue:
            return
        req = self._queue.popleft()
        self._current = req
        try:
            store = self._writer()
        except Exception as exc:  # the writer could not be opened: the request fails like any job
            self._current = None
            self._fail(req, exc)
            self._next()
            return
        self._start(req, store, lambda r=req: self._finished(r))

    def _start_beside(self, req: _Request) -> None:
        """A file-only operation: it never touches the store, so it starts at once on its own thread
        (``store=None``) instead of waiting behind an import on the writer."""
        self._beside.append(req)
        self._start(req, None, lambda r=req: self._beside.remove(r) if r in self._beside else None)

    def _start(self, req: _Request, store: Store | None, finished: Callable[[], None]) -> None:
        """Run ``req`` as a :class:`Job` on ``store``; ``finished()`` when it has ended, whatever the outcome."""
        job = Job(req.parent, _call_on(store, req.op), *req.args, label=req.label, **req.kwargs)
        if not req.progress:
            job.without_progress_dialog()
        job.on_success(lambda changes, r=req: self._succeeded(r, changes))
        if req.on_failure:
            job.on_failure(lambda exc, r=req: [cb(exc) for cb in r.on_failure])
        job.sig_finished.connect(finished)
        req.job = job
        for callback in req.on_started:
            callback(job)
        job.run()

    def _succeeded(self, req: _Request, changes: OpChanges) -> None:
        for callback in req.on_done:
            callback(changes)
        self.sig_op_done.emit(changes, req.origin)

    def _fail(self, req: _Request, exc: BaseException) -> None:
        if req.on_failure:
            for callback in req.on_failure:
                callback(exc)
            return
        from ui.widgets.error_dialog import show_warning

        show_warning(req.parent, f"{req.label}未完成", str(exc))

    def _finished(self, req: _Request) -> None:
        if self._current is req:
            self._current = None
        if self._queue:
            self._next()
        else:
            self.sig_busy_changed.emit(False)
