"""Long-running jobs without Qt: progress callbacks, cancel tokens, process pools.

A *job* is a plain function ``job(ctx, ...) -> result``. It reports progress
with ``ctx.progress(done, total, message)`` and calls ``ctx.check()`` between
chunks, which raises :class:`cxdesk.errors.Cancelled` once cancel was asked
for. The CLI, the tests and the GUI's background helper all drive jobs through
this one protocol, so no job knows who is running it.

CPU-bound Python (jieba, snownlp) holds the GIL, so a thread cannot keep the
GUI responsive while it runs: :func:`map_in_processes` spreads chunks over a
spawn-context process pool and keeps the coordinating thread free.

Every child process this package starts calls :func:`exit_with_parent` first,
so a killed app or CLI (SIGKILL, Task Manager, a crash) leaves no worker
running on: the child notices its parent is gone within a moment and exits.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from cxdesk.errors import Cancelled

T = TypeVar("T")
R = TypeVar("R")

ProgressCallback = Callable[[int, int, str], None]


class JobContext(Protocol):
    """What a job may ask of whoever runs it."""

    def progress(self, done: int, total: int, message: str = "") -> None: ...

    def cancelled(self) -> bool: ...

    def check(self) -> None: ...


@dataclass
class CancelToken:
    """A thread-safe flag that a UI or a signal handler sets to stop a job."""

    _event: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


class TaskContext:
    """The standard :class:`JobContext`: forwards progress, answers cancel.

    ``on_progress`` is called from the job's thread; GUI callers must not
    touch widgets from it (the Qt helper only stores the latest value and
    polls it from the GUI thread).
    """

    def __init__(
        self,
        on_progress: ProgressCallback | None = None,
        token: CancelToken | None = None,
    ) -> None:
        self._on_progress = on_progress
        self.token = token or CancelToken()

    def progress(self, done: int, total: int, message: str = "") -> None:
        if self._on_progress is not None:
            self._on_progress(done, total, message)

    def cancelled(self) -> bool:
        return self.token.is_set()

    def check(self) -> None:
        if self.token.is_set():
            raise Cancelled()

    def cancel(self) -> None:
        self.token.cancel()


class NullContext(TaskContext):
    """A context for calls that nobody watches (tests, scripts)."""


def chunked(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """Split a sequence into consecutive slices of at most ``size`` items."""
    if size <= 0:
        raise ValueError("chunk size must be positive")
    return [items[i : i + size] for i in range(0, len(items), size)]


# --- process pools -----------------------------------------------------------

# Set in each worker process by _init_worker: lets a long chunk stop early.
_worker_cancel_event: Any = None


def worker_cancelled() -> bool:
    """True inside a pool worker once the coordinating job was cancelled."""
    return bool(_worker_cancel_event is not None and _worker_cancel_event.is_set())


# Windows waits on at most 63 handles at once and ProcessPoolExecutor refuses more than 61
# workers there (WINDOWS_MAX_WORKERS); each analysis worker also holds its own model copy
# (~80 MB) and spawning one costs about a second in the frozen program. A shop owner's PC gains
# little past 8 workers while memory and start-up keep growing, so 8 is the cap everywhere.
WINDOWS_MAX_WORKERS = 61
MAX_POOL_WORKERS = 8

# Exit status of a child that stopped because its parent died (never seen by the dead parent;
# it tells the case apart in a debugger or in a test).
ORPHAN_EXIT_CODE = 75


def exit_with_parent(*, kernel_signal: bool = True) -> None:
    """In a child process: exit at once (``os._exit``) as soon as the parent process is gone.

    Call it first thing in every child this package starts. A daemon thread waits on
    ``multiprocessing.parent_process().sentinel`` (a process handle on Windows, the pipe
    the parent keeps open on POSIX), which fires however the parent ended, SIGKILL
    included. On Linux ``kernel_signal`` also asks the kernel for SIGKILL when the parent
    dies (``PR_SET_PDEATHSIG``), which works even while this process is stuck in C code
    holding the GIL; the kernel sends it when the *thread* that started this child ends,
    so the child must be started and reaped by one thread (pools and the import reader
    are). Outside a multiprocessing child (no parent process known) it does nothing.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    if kernel_signal and sys.platform.startswith("linux"):
        _ask_kernel_for_parent_death_signal(parent.pid)
    watchdog = threading.Thread(target=_exit_when_gone, args=(parent,), name="cxdesk-parent-watchdog", daemon=True)
    watchdog.start()


def _exit_when_gone(parent: Any) -> None:
    parent.join()  # waits on the parent's sentinel: returns only once the parent has ended
    os._exit(ORPHAN_EXIT_CODE)


def _ask_kernel_for_parent_death_signal(parent_pid: int | None) -> None:
    """Linux only: SIGKILL this process when its parent dies; best effort (the watchdog stays)."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent_pid is not None and os.getppid() != parent_pid:  # the parent died before prctl ran
        os._exit(ORPHAN_EXIT_CODE)


def _init_worker(cancel_event: Any, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    global _worker_cancel_event
    exit_with_parent()
    _worker_cancel_event = cancel_event
    if initializer is not None:
        initializer(*initargs)


def default_workers() -> int:
    """One worker per core (at most :data:`MAX_POOL_WORKERS`): the GUI thread mostly sleeps."""
    return max(1, min(os.cpu_count() or 1, MAX_POOL_WORKERS, WINDOWS_MAX_WORKERS))


def map_in_processes(
    func: Callable[[T], R],
    chunks: Iterable[T],
    ctx: JobContext,
    *,
    total: int | None = None,
    max_workers: int | None = None,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
    message: str = "",
    on_result: Callable[[int, R], None] | None = None,
) -> list[R]:
    """Run ``func`` over each chunk in a spawn-context process pool.

    Returns the results in chunk order. Progress is the number of chunks done.
    ``on_result(index, result)``, if given, is called in the calling thread as
    each chunk finishes (in completion order), so results can be stored as
    they come and a cancelled run keeps what was finished.
    On cancel, pending chunks are dropped, running ones see
    :func:`worker_cancelled` turn true, and :class:`Cancelled` is raised.

    ``func`` and ``initializer`` must be importable top-level functions of a
    ``cxdesk`` module, and chunks plain picklable data.
    """
    chunk_list = list(chunks)
    n = total if total is not None else len(chunk_list)
    ctx.check()
    if not chunk_list:
        ctx.progress(0, 0, message)
        return []
    mp = multiprocessing.get_context("spawn")
    cancel_event = mp.Event()
    workers = max(1, min(max_workers or default_workers(), len(chunk_list), MAX_POOL_WORKERS))
    results: dict[int, R] = {}
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp,
        initializer=_init_worker,
        initargs=(cancel_event, initializer, initargs),
    ) as pool:
        futures: dict[Future, int] = {pool.submit(func, c): i for i, c in enumerate(chunk_list)}
        pending = set(futures)
        ctx.progress(0, n, message)
        try:
            while pending:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for fut in done:
                    index = futures[fut]
                    results[index] = fut.result()
                    if on_result is not None:
                        on_result(index, results[index])
                if done:
                    ctx.progress(len(results), n, message)
                if ctx.cancelled():
                    raise Cancelled()
        except BaseException:
            cancel_event.set()
            for fut in pending:
                fut.cancel()
            raise
    return [results[i] for i in range(len(chunk_list))]


# --- a CPU-bound demo job, used by tests and the responsiveness benchmark -----


def _spin(seconds: float) -> int:
    """Burn CPU for about ``seconds`` in pure Python; stops early on cancel."""
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        for _ in range(20_000):
            n += 1
        if worker_cancelled():
            break
    return n


def cpu_burn_job(ctx: JobContext, seconds: float = 3.0, chunks: int = 12) -> int:
    """A CPU-bound job of about ``seconds`` wall time on two cores.

    It exists to prove that the background machinery keeps the GUI live
    under real GIL-holding work; ``main.py selftest-jobs`` and the tests run it.
    """
    workers = default_workers()
    per_chunk = seconds * workers / chunks
    results = map_in_processes(_spin, [per_chunk] * chunks, ctx, message="计算中")
    return sum(results)


def run_cli_job(job: Callable[..., R], *args: Any, quiet: bool = False, **kwargs: Any) -> R:
    """Run a job in the foreground with a text progress line on stderr."""
    last = [0.0]

    def show(done: int, total: int, message: str) -> None:
        if quiet:
            return
        now = time.monotonic()
        if now - last[0] < 0.2 and done != total:
            return
        last[0] = now
        stream = sys.stderr
        if stream is None:  # the windowed program on Windows has no console
            return
        pct = f"{100 * done / total:5.1f}%" if total else "     "
        try:
            stream.write(f"\r{pct} {message} {done}/{total}   ")
            if total and done >= total:
                stream.write("\n")
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or console: progress is only a courtesy
            pass

    return job(TaskContext(show), *args, **kwargs)


class SubContext:
    """A slice of a parent job's progress bar for one step of a longer job.

    ``SubContext(ctx, start, span, total)`` maps the step's own
    ``progress(done, step_total)`` onto ``start .. start + span`` of the
    parent's ``total``, and forwards cancel checks.
    """

    def __init__(self, parent: JobContext, start: float, span: float, total: float) -> None:
        self._parent, self._start, self._span, self._total = parent, start, span, total

    def progress(self, done: int, total: int, message: str = "") -> None:
        frac = (done / total) if total else 0.0
        scaled = self._start + self._span * min(max(frac, 0.0), 1.0)
        self._parent.progress(int(round(scaled)), int(self._total), message)

    def cancelled(self) -> bool:
        return self._parent.cancelled()

    def check(self) -> None:
        self._parent.check()
