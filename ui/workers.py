"""The one helper for all background work: run a ``cxdesk`` job off the GUI thread.

A job is a plain function ``fn(ctx, *args, **kwargs)`` from ``cxdesk`` that
reports through a :class:`cxdesk.tasks.TaskContext` and raises
:class:`cxdesk.errors.Cancelled` when asked to stop. :class:`Job` runs it in
a ``QThread`` and brings the outcome back to the GUI thread::

    Job(self, build_demo, db_path, seed=1, label="生成演示数据")
        .on_success(self._show_summary)
        .run()

Why it is shaped this way (STYLE §6–11):

- The thread only *coordinates*: CPU-bound Python runs in worker processes
  (``cxdesk.tasks.map_in_processes``), so the GIL stays free for the GUI.
- The job thread never touches a widget and never emits one signal per row:
  its progress callback stores the latest ``(done, total, message)`` under a
  lock, and a 100 ms ``QTimer`` on the GUI thread polls it (anki's
  ``progress.py``).
- The progress dialog appears only after 300 ms, so quick jobs do not flash.
- ``Cancelled`` is not an error: it is swallowed. ``CxdeskError`` carries a
  Chinese message and gets a warning box; anything else is a bug and gets
  the error dialog with the traceback, and is logged.
- :class:`JobRunner` keeps one job per owner (starting again cancels the
  old one) and cancels and waits for all of them when the window closes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QElapsedTimer, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QWidget

from cxdesk.errors import Cancelled, CxdeskError
from cxdesk.tasks import TaskContext
from ui.widgets.error_dialog import as_user_error, format_traceback, show_error_dialog, show_warning
from ui.widgets.progress_dialog import JobProgressDialog

log = logging.getLogger("cxdesk")

POLL_INTERVAL_MS = 100
SHOW_PROGRESS_AFTER_MS = 300

Progress = tuple[int, int, str]

# Running jobs stay referenced here until they finish, so a caller may drop
# its reference without the QThread being destroyed while it runs.
_ACTIVE: set[Job] = set()


def active_jobs() -> list[Job]:
    """Jobs started and not yet finished (tests assert this is empty afterwards)."""
    return list(_ACTIVE)


class _LatestProgress:
    """The most recent progress report, written by the job thread, read by the GUI."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: Progress | None = None
        self._fresh = False

    def put(self, done: int, total: int, message: str = "") -> None:
        with self._lock:
            self._value = (int(done), int(total), str(message))
            self._fresh = True

    def take(self) -> Progress | None:
        """The value if it changed since the last call, else ``None``."""
        with self._lock:
            if not self._fresh:
                return None
            self._fresh = False
            return self._value


class _JobThread(QThread):
    """Calls the job and keeps its result or exception; catches everything.

    Exceptions in a thread are not reported for us (Spyder's search thread
    notes this), so ``run`` must never let one escape.
    """

    def __init__(self, fn: Callable[..., Any], ctx: TaskContext, args: tuple, kwargs: dict) -> None:
        super().__init__()
        self._call = (fn, ctx, args, kwargs)
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        fn, ctx, args, kwargs = self._call
        try:
            self.result = fn(ctx, *args, **kwargs)
        except BaseException as exc:  # forwarded to the GUI thread, never lost
            self.error = exc


class Job(QObject):
    """One run of a ``cxdesk`` job in the background, with progress, cancel and errors.

    Parameters
    ----------
    parent
        The widget that dialogs (progress, errors) belong to; may be ``None``.
        It is not the QObject parent: a running job must outlive a page that
        is being deleted until it has been cancelled and waited for.
    fn
        ``fn(ctx, *args, **kwargs)``; its inputs must be plain data (paths,
        ids), never widgets or the GUI thread's store connection.
    label
        What the user is waiting for, e.g. 「生成演示数据」; shown as 「正在生成演示数据…」
        and in error titles. ``label`` is therefore not passed on to ``fn``.
    """

    sig_started = Signal()
    sig_progress = Signal(int, int, str)
    sig_succeeded = Signal(object)
    sig_failed = Signal(object)
    sig_cancelled = Signal()
    sig_finished = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        fn: Callable[..., Any],
        *args: Any,
        label: str = "处理中",
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.label = label
        self.state = "new"  # new / running / succeeded / failed / cancelled / discarded
        self.result: Any = None
        self.error: BaseException | None = None
        self.progress_dialog: JobProgressDialog | None = None
        self.error_dialog: QWidget | None = None
        self.show_progress_after_ms = SHOW_PROGRESS_AFTER_MS
        self.writes_store = False  # see writes_to_store()
        self._parent_widget = parent
        self._call = (fn, args, kwargs)
        self._progress = _LatestProgress()
        self.ctx = TaskContext(self._progress.put)
        self._thread: _JobThread | None = None
        self._discarded = False
        self._on_success: list[Callable[[Any], None]] = []
        self._on_failure: list[Callable[[BaseException], None]] = []
        self._on_cancelled: list[Callable[[], None]] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_INTERVAL_MS)
        self._timer.timeout.connect(self._poll)

    # --- configuration (chainable) -------------------------------------------

    def on_success(self, callback: Callable[[Any], None]) -> Job:
        """Call ``callback(result)`` on the GUI thread when the job returns."""
        self._on_success.append(callback)
        return self

    def on_failure(self, callback: Callable[[BaseException], None]) -> Job:
        """Call ``callback(exc)`` instead of showing the default error dialog."""
        self._on_failure.append(callback)
        return self

    def on_cancelled(self, callback: Callable[[], None]) -> Job:
        """Call ``callback()`` when the job stopped because it was cancelled."""
        self._on_cancelled.append(callback)
        return self

    def without_progress_dialog(self) -> Job:
        """Keep the job silent (the page shows its own busy state)."""
        self.show_progress_after_ms = -1
        return self

    def writes_to_store(self) -> Job:
        """Say that the job writes to the window's store outside an operation (a pre-aggregate refresh):
        the window's change watch then takes what it wrote for its own, not for another program's."""
        self.writes_store = True
        return self

    # --- control ---------------------------------------------------------------

    def run(self) -> Job:
        """Start the job in its own thread and return at once."""
        if self.state != "new":
            raise RuntimeError("a Job runs only once; create a new one")
        fn, args, kwargs = self._call
        self._thread = _JobThread(fn, self.ctx, args, kwargs)
        # Queued: finished is emitted from the job thread, the slot must run here.
        self._thread.finished.connect(self._on_thread_finished, Qt.ConnectionType.QueuedConnection)
        _ACTIVE.add(self)
        self.state = "running"
        self._clock.start()
        self._timer.start()
        self._thread.start()
        self.sig_started.emit()
        return self

    def is_running(self) -> bool:
        return self._thread is not None

    def cancel(self) -> None:
        """Ask the job to stop at its next check; the outcome is then 'cancelled'."""
        self.ctx.cancel()
        if self.progress_dialog is not None:
            self.progress_dialog.set_cancelling()

    def discard(self) -> None:
        """Cancel and drop the outcome: its owner no longer wants any callback."""
        self._discarded = True
        self.cancel()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the thread ends, then finish now; used only when closing."""
        if self._thread is None:
            return True
        if not self._thread.wait(timeout_ms):
            return False
        self._on_thread_finished()
        return True

    # --- GUI-thread internals ------------------------------------------------------

    def _poll(self) -> None:
        value = self._flush_progress()
        if self._should_show_dialog():
            self._open_progress_dialog(value)

    def _flush_progress(self) -> Progress | None:
        """Pass the latest report (if new) to the dialog and ``sig_progress``."""
        value = self._progress.take()
        if value is not None:
            if self.progress_dialog is not None:
                self.progress_dialog.set_progress(*value)
            self.sig_progress.emit(*value)
        return value

    def _should_show_dialog(self) -> bool:
        return (
            self.progress_dialog is None
            and self.show_progress_after_ms >= 0
            and not self.ctx.cancelled()
            and self._clock.elapsed() >= self.show_progress_after_ms
        )

    def _open_progress_dialog(self, latest: Progress | None) -> None:
        dialog = JobProgressDialog(self.label, self._live_parent())
        dialog.sig_cancel_requested.connect(self.cancel)
        if latest is not None:
            dialog.set_progress(*latest)
        dialog.show()
        self.progress_dialog = dialog

    def _on_thread_finished(self) -> None:
        thread = self._thread
        if thread is None:  # already finished by wait()
            return
        thread.wait()  # finished is emitted just before the thread really ends
        self._thread = None
        self._timer.stop()
        self._flush_progress()  # the last value, without opening a dialog now
        self._close_progress_dialog()
        _ACTIVE.discard(self)
        try:
            self._deliver(thread.result, thread.error)
        finally:
            self.sig_finished.emit()

    def _close_progress_dialog(self) -> None:
        dialog, self.progress_dialog = self.progress_dialog, None
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.finish()

    def _deliver(self, result: Any, error: BaseException | None) -> None:
        if self._discarded:
            self.state = "discarded"
        elif error is None:
            self.state, self.result = "succeeded", result
            for callback in self._on_success:
                callback(result)
            self.sig_succeeded.emit(result)
        elif isinstance(error, Cancelled):
            self.state = "cancelled"
            for cancelled_cb in self._on_cancelled:
                cancelled_cb()
            self.sig_cancelled.emit()
        else:
            self._deliver_failure(error)

    def _deliver_failure(self, error: BaseException) -> None:
        error = as_user_error(error, self.label)  # a damaged/full/locked database: a message, not a traceback
        self.state, self.error = "failed", error
        if not isinstance(error, CxdeskError):
            log.error("后台任务「%s」出错\n%s", self.label, format_traceback(error))
        for callback in self._on_failure:
            callback(error)
        if not self._on_failure:
            self._show_failure(error)
        self.sig_failed.emit(error)

    def _show_failure(self, error: BaseException) -> None:
        parent = self._live_parent()
        if isinstance(error, CxdeskError):
            self.error_dialog = show_warning(parent, f"{self.label}未完成", str(error))
        else:
            summary = f"{self.label}时发生意外错误：{type(error).__name__}: {error}"
            self.error_dialog = show_error_dialog(parent, summary, format_traceback(error))

    def _live_parent(self) -> QWidget | None:
        """The parent widget, unless Qt has already deleted it (window closing)."""
        widget = self._parent_widget
        return widget if widget is not None and shiboken6.isValid(widget) else None


class JobRunner(QObject):
    """The running jobs of one window, keyed by owner (usually a page key).

    Each owner runs one job at a time: starting a new one discards the old
    one (cancelled, no callbacks), as Orange's ``ConcurrentMixin.start``
    does. :meth:`shutdown` cancels everything and waits, for window close.
    """

    sig_job_started = Signal(object)
    sig_job_finished = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._by_owner: dict[str, Job] = {}
        self._jobs: set[Job] = set()

    def start(self, owner: str, job: Job) -> Job:
        """Run ``job`` for ``owner``, replacing that owner's running job."""
        old = self._by_owner.get(owner)
        if old is not None and old.is_running():
            old.discard()
        self._by_owner[owner] = job
        self._jobs.add(job)
        job.sig_finished.connect(lambda: self._forget(job))
        job.run()
        self.sig_job_started.emit(job)
        return job

    def current(self, owner: str) -> Job | None:
        """The owner's job while it is running."""
        job = self._by_owner.get(owner)
        return job if job is not None and job.is_running() else None

    def running(self) -> list[Job]:
        return [job for job in self._jobs if job.is_running()]

    def cancel(self, owner: str) -> None:
        job = self.current(owner)
        if job is not None:
            job.cancel()

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Cancel every job and wait for it; True when all have ended."""
        jobs = self.running()
        for job in jobs:
            job.discard()
        return all([job.wait(timeout_ms) for job in jobs])

    def _forget(self, job: Job) -> None:
        self._jobs.discard(job)
        self._by_owner = {k: v for k, v in self._by_owner.items() if v is not job}
        self.sig_job_finished.emit(job)
