"""SIGKILL import, undo and analyze at random points: the store stays whole and the next run recovers.

20 kills of real ``python main.py`` processes on small inputs (tests/fixtures/kill: slices of the
demo's synthetic Qianniu chat, review and order exports), drawn from a fixed seed over each
command's measured uninterrupted duration; the machinery and the checks are in
tests/kill_harness.py (bench/kill_bench.py runs 100 and more on the demo store). Also: the
parent-death watchdog of pool workers and of the import reader process.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kill_harness import (
    PROC_READABLE,
    ROOT,
    Scenario,
    Tally,
    children_of,
    cli_env,
    group_members,
    kill_scenario,
    mark_like_a_user,
    measure_reference,
    user_marks,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and process groups are POSIX")

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "kill"
SHOP = "小棉袄童装旗舰店"
SEED = 20241206
KILLS = {"import": 10, "undo": 7, "analyze": 3}  # 20 in all; an analyze run costs the most (~3 s)


def _build_base(db: Path) -> None:
    """chats_a, reviews_a and orders_a imported (batches 1-3) and analysed, then triaged by hand."""
    from cxdesk.analysis.engine import analyze
    from cxdesk.importers import import_file
    from cxdesk.store import open_store
    from cxdesk.tasks import NullContext

    with open_store(db) as store:
        for name in ("chats_a.csv", "reviews_a.csv", "orders_a.csv"):
            import_file(NullContext(), store, FIXTURES / name, shop=SHOP)
    analyze(NullContext(), db, workers=1)
    assert mark_like_a_user(db, batch_id=1) >= 3


def _has_batch(file_name: str, status: str):
    def done(db: Path) -> bool:
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT 1 FROM import_batches WHERE file_name=? AND status=?", (file_name, status)
            ).fetchone()
        conn.close()
        return row is not None

    return done


def _undone(batch_id: int):
    def done(db: Path) -> bool:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT status FROM import_batches WHERE id=?", (batch_id,)).fetchone()
        conn.close()
        return row is not None and row[0] == "undone"

    return done


@pytest.fixture(scope="module")
def kills(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Tally]:
    work = tmp_path_factory.mktemp("kill")
    env = cli_env(work / "data")
    base = work / "base.sqlite3"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CXDESK_DATA_DIR", str(work / "data"))
        _build_base(base)
    imp = measure_reference(
        Scenario(
            "import",
            ["import", "--db", "{db}", "--quiet", "--shop", SHOP, str(FIXTURES / "chats_b.csv")],
            base,
            is_done=_has_batch("chats_b.csv", "done"),
        ),
        work,
        env,
    )
    ana = measure_reference(Scenario("analyze", ["analyze", "--db", "{db}", "--quiet"], imp.reference_db), work, env)
    undo = measure_reference(
        Scenario("undo", ["import", "--db", "{db}", "--undo", "2"], ana.reference_db, is_done=_undone(2)), work, env
    )
    rng = random.Random(SEED)
    out = {}
    for sc in (imp, undo, ana):
        out[sc.name] = kill_scenario(
            sc, KILLS[sc.name], rng, work, env, marks=user_marks(sc.start), chain_length=lambda: 4
        )
    return out


def test_each_command_was_killed_often_enough(kills: dict[str, Tally]) -> None:
    assert {name: t.kills for name, t in kills.items()} == KILLS
    assert sum(t.kills for t in kills.values()) >= 20


def test_killed_commands_leave_a_whole_store(kills: dict[str, Tally]) -> None:
    """Integrity check, all-or-nothing batches, user statuses and notes: after every single kill."""
    problems = [p for t in kills.values() for p in t.problems["store"]]
    assert not problems, "\n".join(problems)
    assert all(t.integrity_failures == 0 for t in kills.values())


def test_next_run_recovers_by_itself(kills: dict[str, Tally]) -> None:
    """Each chain's next uninterrupted run succeeds and ends where an uninterrupted run ends."""
    problems = [p for t in kills.values() for p in t.problems["recovery"]]
    assert not problems, "\n".join(problems)
    assert all(t.recovered == t.chains for t in kills.values())


def test_killed_analyze_leaves_no_run_marked_running(kills: dict[str, Tally]) -> None:
    # The store marks runs a killed process left "running" as interrupted when it is next opened.
    assert kills["analyze"].running_left == 0


@pytest.mark.skipif(not PROC_READABLE, reason="reads processes from /proc (Linux)")
def test_no_process_of_a_killed_command_survives(kills: dict[str, Tally]) -> None:
    problems = [p for t in kills.values() for p in t.problems["processes"]]
    assert not problems, "\n".join(problems)
    assert sum(t.leftover_checks for t in kills.values()) == sum(KILLS.values())


# --- the parent-death watchdog ---------------------------------------------------------------------

_ORPHANS = textwrap.dedent('''
    """A parent with two pool workers (default watchdog) and a child using the portable path alone."""
    import multiprocessing
    import time

    from cxdesk.tasks import TaskContext, _spin, exit_with_parent, map_in_processes


    def portable_only():
        exit_with_parent(kernel_signal=False)  # no PR_SET_PDEATHSIG: the sentinel thread alone
        time.sleep(60)


    if __name__ == "__main__":
        multiprocessing.get_context("spawn").Process(target=portable_only, name="portable-only").start()
        map_in_processes(_spin, [60.0, 60.0], TaskContext(), max_workers=2)
''')


def _is_spawned_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.mark.skipif(not PROC_READABLE, reason="reads processes from /proc (Linux)")
def test_workers_exit_within_two_seconds_of_their_parent_being_killed(tmp_path: Path) -> None:
    script = tmp_path / "orphans.py"
    script.write_text(_ORPHANS, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while len(workers := [p for p in children_of(proc.pid) if _is_spawned_worker(p)]) < 3:
            assert proc.poll() is None and time.monotonic() < deadline, "the workers never started"
            time.sleep(0.05)
        time.sleep(0.5)  # let them reach their initializer (killed earlier, they exit as well)
        os.kill(proc.pid, signal.SIGKILL)  # the parent only
        proc.wait()
        killed_at = time.monotonic()
        while (
            alive := [p for p in group_members(proc.pid) or [] if p in workers]
        ) and time.monotonic() - killed_at < 10.0:  # without the watchdog they wait forever
            time.sleep(0.02)
        assert not alive, f"workers {alive} outlived their killed parent by 10 s"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_reader_process_starts_the_watchdog_first(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing
    import pickle

    import cxdesk.tasks
    from cxdesk.importers._chatproc import _reader_main

    calls = []
    monkeypatch.setattr(cxdesk.tasks, "exit_with_parent", lambda **kw: calls.append(kw))
    theirs, ours = multiprocessing.Pipe(duplex=False)
    _reader_main(ours, None, "no-such-format", 30.0)  # fails at once, after starting the watchdog
    assert calls == [{}]
    assert pickle.loads(theirs.recv_bytes())["t"] == "error"


def test_pool_size_is_capped_for_windows_handle_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    import cxdesk.tasks as tasks

    with monkeypatch.context() as m:
        m.setattr(tasks.os, "cpu_count", lambda: 128)
        assert tasks.default_workers() == tasks.MAX_POOL_WORKERS <= 61
        m.setattr(tasks.os, "cpu_count", lambda: None)
        assert tasks.default_workers() == 1
    # a nonsense --workers value runs with one worker instead of failing
    assert len(tasks.map_in_processes(tasks._spin, [0.01, 0.01], tasks.TaskContext(), max_workers=-3)) == 2
