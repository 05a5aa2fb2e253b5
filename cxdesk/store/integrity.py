"""Is the database file whole? A time-bounded ``PRAGMA quick_check`` at open.

``quick_check`` reads every page of every table and index (~1.7 s per GB
from the page cache, ~20 s per GB from a cold disk), so opening does not run
it blindly every time:

- It runs on the read-only inspection connection and stops after
  :data:`CHECK_BUDGET_S` seconds (a progress handler interrupts it). A check
  that finished with no problem makes the file *verified*; one that ran out
  of time without finding a problem leaves it *partly checked* (logged; the
  GUI then finishes the check in the background, see ``ui.app``).
- A verified file's state (size and modification time of the file and its
  ``-wal``) is remembered in ``store-checks.json`` in the data folder; the
  next open with the same state skips the check. When the last store this
  process opened on a verified file closes, the new state is remembered
  too: cxdesk's own writes go through SQLite and cannot damage the file.
- While this process holds a store open on a path, further opens of that
  path (the GUI's background jobs) skip the check.

Whatever the check misses (a page damaged after it ran) still ends in a
clear message: every ``sqlite3.DatabaseError`` goes through
:func:`cxdesk.store.failures.user_error`, which also forgets remembered
checks so the next open looks again.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("cxdesk")

CHECK_BUDGET_S = 1.5  # longest a check may add to opening a store (a 1 GB store from the page cache: ~1.7 s)
CHECKS_FILE = "store-checks.json"
_MAX_PROBLEMS = 5  # quick_check may list thousands of damaged cells; the message names a few

_lock = threading.Lock()
_open_counts: dict[str, int] = {}  # path -> stores this process holds open on it
_session_trust: dict[str, str] = {}  # path -> "verified" / "partial" for the stores now open
_partial_states: dict[str, list[int]] = {}  # path -> state when last closed after a partial check
_damaged: dict[str, str] = {}  # path -> what a check running while it was open found (see mark_damaged)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`quick_check`: ``complete`` is False when time ran out first."""

    complete: bool
    problems: tuple[str, ...]
    seconds: float


def quick_check(
    conn: sqlite3.Connection, budget_s: float | None = CHECK_BUDGET_S, stop: Callable[[], bool] | None = None
) -> CheckResult:
    """``PRAGMA quick_check`` on ``conn``, stopped after ``budget_s`` seconds (``None``: none) or when ``stop()``."""
    start = time.monotonic()
    deadline = start + budget_s if budget_s is not None else float("inf")
    if budget_s is not None or stop is not None:
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline or (stop is not None and stop())), 1000)
    try:
        rows = [str(r[0]) for r in conn.execute(f"PRAGMA quick_check({_MAX_PROBLEMS})")]
    except sqlite3.DatabaseError as exc:  # some damage stops the check itself
        if "interrupted" in str(exc):
            return CheckResult(False, (), time.monotonic() - start)
        return CheckResult(True, (str(exc),), time.monotonic() - start)
    finally:
        conn.set_progress_handler(None, 0)
    problems = tuple(r for r in rows if r != "ok")
    return CheckResult(True, problems, time.monotonic() - start)


def file_state(path: Path) -> list[int]:
    """Size and modification time (ns) of the database and of its ``-wal`` (an empty one counts as none)."""
    state: list[int] = []
    for p in (path, Path(f"{path}-wal")):
        try:
            st = p.stat()
        except OSError:
            state += [0, 0]
            continue
        state += [st.st_size, st.st_mtime_ns] if st.st_size else [0, 0]
    return state


def _key(path: Path) -> str:
    return os.path.normcase(str(Path(path).resolve()))


def _checks_file() -> Path | None:
    from cxdesk.paths import data_dir

    try:
        return data_dir() / CHECKS_FILE
    except OSError:
        return None


def _read_checks() -> dict[str, list[int]]:
    file = _checks_file()
    try:
        data = json.loads(file.read_text(encoding="utf-8")) if file is not None else {}
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, list)} if isinstance(data, dict) else {}


def _write_checks(data: dict[str, list[int]]) -> None:
    file = _checks_file()
    if file is None:
        return
    tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, file)
    except OSError as exc:  # a read-only or full data folder only costs a re-check next time
        log.info("无法记录数据库检查结果：%s", exc)
        tmp.unlink(missing_ok=True)


def _remember(key: str, state: list[int]) -> None:
    data = {k: v for k, v in _read_checks().items() if os.path.exists(k)}  # forget files that are gone
    data[key] = state
    _write_checks(data)


def forget_checks(path: Path | None = None) -> None:
    """Forget remembered checks (of ``path``, or of every file): the next open checks again.

    Forgetting one path (after a restore replaced it) also lifts a damage mark on it.
    """
    with _lock:
        if path is None:
            _partial_states.clear()
            _session_trust.update({k: "partial" for k in _session_trust})
            data: dict[str, list[int]] = {}
        else:
            key = _key(path)
            _partial_states.pop(key, None)
            _damaged.pop(key, None)
            data = _read_checks()
            data.pop(key, None)
        _write_checks(data)


def check_at_open(path: Path, conn: sqlite3.Connection, budget_s: float | None = CHECK_BUDGET_S) -> CheckResult | None:
    """Check ``path`` through the read-only ``conn`` unless a check can be trusted; ``None`` if skipped.

    The caller refuses the file when the result lists problems.
    """
    key, state = _key(path), file_state(path)
    with _lock:
        if key in _damaged:
            return CheckResult(True, (_damaged[key],), 0.0)
        if _open_counts.get(key):
            return None
        if _read_checks().get(key) == state:
            _session_trust[key] = "verified"
            return None
        if _partial_states.get(key) == state:
            _session_trust[key] = "partial"
            return None
    result = quick_check(conn, budget_s)
    if result.problems:
        forget_checks(path)
        return result
    with _lock:
        _session_trust[key] = "verified" if result.complete else "partial"
        if result.complete:
            _remember(key, state)
    if not result.complete:
        log.info(
            "数据库“%s”较大，打开时只检查了 %.1f 秒内能读到的部分；其余部分在使用中出错时会提示。", path, result.seconds
        )
    return result


def is_verified(path: Path) -> bool:
    """Whether the open stores on ``path`` were verified whole (not only partly checked)."""
    with _lock:
        return _session_trust.get(_key(path)) == "verified"


def mark_verified(path: Path, state: list[int]) -> None:
    """A complete check made elsewhere (the GUI's background check) found ``path`` whole in ``state``."""
    key = _key(path)
    with _lock:
        if _open_counts.get(key):
            _session_trust[key] = "verified"
        if file_state(path) == state:
            _remember(key, state)


def mark_damaged(path: Path, problem: str) -> None:
    """A background check found ``path`` damaged while stores are open: refuse every later open in this process."""
    key = _key(path)
    with _lock:
        _damaged[key] = problem
        _session_trust.pop(key, None)
    data = _read_checks()
    if data.pop(key, None) is not None:
        _write_checks(data)


def is_open_here(path: Path) -> bool:
    """Whether this process holds a store open on ``path``."""
    with _lock:
        return bool(_open_counts.get(_key(path)))


def store_opened(path: Path) -> None:
    with _lock:
        key = _key(path)
        _open_counts[key] = _open_counts.get(key, 0) + 1


def store_closed(path: Path) -> None:
    """The last store on ``path`` closing records the file's new state under the session's trust."""
    key = _key(path)
    with _lock:
        count = _open_counts.get(key, 0) - 1
        if count > 0:
            _open_counts[key] = count
            return
        _open_counts.pop(key, None)
        trust = _session_trust.pop(key, None)
        state = file_state(path)
        if trust == "verified":
            _remember(key, state)
        elif trust == "partial":
            _partial_states[key] = state


def full_check_job(ctx, path: str | Path) -> tuple[CheckResult, list[int]]:
    """Job (the GUI after a partial check at open): the whole check, cancellable; (result, file state checked).

    Reads through its own read-only connection, so the window stays usable.
    """
    from cxdesk.store._schema import open_read_only

    path = Path(path)
    state = file_state(path)
    ctx.progress(0, 0, "正在检查数据库是否完整")
    conn = open_read_only(path)
    try:
        result = quick_check(conn, budget_s=None, stop=ctx.cancelled)
    finally:
        conn.close()
    ctx.check()
    return result, state
