"""One import or analysis at a time on a team store (issue 20.3): the advisory lock, the refusal that says
who runs what and how far, and the lock freed however the run ends (also when its process is killed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

from cxdesk.errors import Cancelled, CxdeskError
from cxdesk.ops import imports, run_op
from cxdesk.ops.analyze import analyze
from cxdesk.store import open_store
from cxdesk.store.pg.locks import (
    APP_NAME_LIMIT,
    HOST,
    WORK_LOCK,
    WorkBusyError,
    app_name,
    current_holder,
    parse_app_name,
    work_lock,
)
from cxdesk.tasks import NullContext, TaskContext
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)

pytest.importorskip("psycopg")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "import"
COLLEAGUE = "王芳"


def _as_role(url: str, role: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, f"{quote(role)}@{parts.hostname}:{parts.port}", parts.path, "", ""))


@pytest.fixture
def colleague(pg_cluster, pg_url: str):
    """A connection of another person's role, as her program would hold the lock while it analyses."""
    import psycopg

    with psycopg.connect(pg_cluster.admin_url, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (COLLEAGUE,)).fetchone() is None:
            admin.execute(f'CREATE ROLE "{COLLEAGUE}" LOGIN')
    with psycopg.connect(
        _as_role(pg_url, COLLEAGUE), autocommit=True, application_name="cxdesk:analyze:37:0912:FRONT-PC"
    ) as conn:
        yield conn


def _import(store) -> object:
    return run_op(imports.import_file, store, FIXTURES / "seller_reviews.csv", kind="reviews", platform="taobao")


def test_an_import_is_refused_while_a_colleague_analyses_and_runs_after(pg_url: str, colleague) -> None:
    assert colleague.execute("SELECT pg_try_advisory_lock(%s)", (WORK_LOCK,)).fetchone()[0]
    with open_store(pg_url) as store:
        with pytest.raises(WorkBusyError) as refused:
            _import(store)
        message = str(refused.value)
        assert (
            message
            == f"同事 {COLLEAGUE}（FRONT-PC）正在分析数据（已完成 37%，开始于 09:12）。请等它完成后再导入或分析。"
        )
        assert isinstance(refused.value, CxdeskError)  # shown as an ordinary operation error
        assert store.counts().reviews == 0 and store.batches.all() == []  # nothing was written
        with pytest.raises(WorkBusyError, match="正在分析数据"):
            run_op(analyze, store)
        colleague.execute("SELECT pg_advisory_unlock(%s)", (WORK_LOCK,))
        assert _import(store).value.rows_added > 0
        assert current_holder(pg_url) is None  # released when the import ended


def test_a_copy_into_or_out_of_the_team_store_waits_for_a_colleagues_analysis(
    pg_url: str, colleague, store, tmp_path: Path
) -> None:
    """store copy holds the same lock: nothing is written while a colleague analyses, on either side."""
    from cxdesk.ops import store_copy

    _import(store)  # a SQLite store with rows
    lock, unlock = (f"SELECT pg_{verb}(%s)" for verb in ("try_advisory_lock", "advisory_unlock"))
    assert colleague.execute(lock, (WORK_LOCK,)).fetchone()[0]
    with open_store(pg_url) as team:
        with pytest.raises(WorkBusyError, match=f"同事 {COLLEAGUE}（FRONT-PC）正在分析数据"):
            run_op(store_copy.copy, team, store)
        assert team.counts().reviews == 0 and current_holder(pg_url).user == COLLEAGUE
        colleague.execute(unlock, (WORK_LOCK,))
        assert run_op(store_copy.copy, team, store).value.ok and team.counts().reviews > 0
        assert current_holder(pg_url) is None  # released when the copy ended
        assert colleague.execute(lock, (WORK_LOCK,)).fetchone()[0]
        with open_store(tmp_path / "back.sqlite3") as back:
            with pytest.raises(WorkBusyError, match="正在分析数据"):
                run_op(store_copy.copy, back, team)
            assert back.counts().reviews == 0


def test_others_see_who_imports_and_how_far(pg_url: str) -> None:
    seen = []

    def look(done: int, total: int, message: str) -> None:
        if not seen:
            seen.append(current_holder(pg_url))  # what another PC's status bar would read

    with open_store(pg_url) as store:
        run_op(imports.import_file, store, FIXTURES / "seller_reviews.csv", ctx=TaskContext(look), kind="reviews")
    holder = seen[0]
    assert holder is not None and holder.what == "import" and holder.host == HOST and holder.own
    assert holder.percent is not None and holder.started is not None
    assert current_holder(pg_url) is None


def test_the_lock_goes_when_the_run_fails_or_is_cancelled(pg_url: str) -> None:
    class CancelAtOnce(NullContext):
        def cancelled(self) -> bool:
            return True

        def check(self) -> None:
            raise Cancelled()

    with open_store(pg_url) as store:
        with pytest.raises(CxdeskError):
            _import_broken(store)
        assert current_holder(pg_url) is None
        with pytest.raises(Cancelled), work_lock(store, "analyze", CancelAtOnce()) as ctx:
            ctx.check()
        assert current_holder(pg_url) is None
        with work_lock(store, "import", NullContext()), work_lock(store, "analyze", NullContext()):
            assert current_holder(pg_url).what == "import"  # nested in one run: the one lock
        assert current_holder(pg_url) is None


def _import_broken(store) -> None:
    run_op(imports.import_file, store, FIXTURES / "empty.csv", kind="reviews", platform="taobao")


def test_a_killed_program_frees_the_lock(pg_url: str) -> None:
    code = (
        "import sys, time\n"
        "from cxdesk.store import open_store\n"
        "from cxdesk.store.pg.locks import work_lock\n"
        "from cxdesk.tasks import NullContext\n"
        f"with open_store({pg_url!r}) as s, work_lock(s, 'import', NullContext()):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(600)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env) as proc:
        try:
            assert proc.stdout.readline().strip() == "held"
            with open_store(pg_url) as store:
                with pytest.raises(WorkBusyError, match="这台电脑上的另一个 cxdesk 窗口或命令正在导入数据"):
                    _import(store)
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                deadline = (
                    time.monotonic() + 30
                )  # the server notices the dead session at once; wait, never assert on time
                while current_holder(pg_url) is not None and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert _import(store).value.rows_added > 0
        finally:
            if proc.poll() is None:
                proc.kill()


def test_sqlite_runs_without_the_lock(store) -> None:
    ctx = NullContext()
    with work_lock(store, "import", ctx) as used:
        assert used is ctx  # the file's own write lock queues the writers, as before


def test_the_application_name_stays_within_the_server_limit() -> None:
    from datetime import datetime

    name = app_name("analyze", 37, datetime(2026, 12, 7, 9, 12))
    assert name.isascii() and len(name.encode()) <= APP_NAME_LIMIT
    assert parse_app_name(name)[:3] == ("analyze", 37, "09:12")
    assert parse_app_name("psql") is None


def test_the_window_shows_the_refusal_and_the_colleagues_progress(qtbot, pg_url: str, colleague) -> None:
    """The GUI side without the whole window: its writer (an OpRunner on the team store) and its ChangeWatch."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.change_watch import ChangeWatch
    from ui.operations import OpRunner
    from ui.workers import JobRunner

    assert colleague.execute("SELECT pg_try_advisory_lock(%s)", (WORK_LOCK,)).fetchone()[0]
    with open_store(pg_url) as store:
        ops = OpRunner(Path("."))
        ops.db_path = pg_url  # as ui.app does for a team store
        jobs = JobRunner()
        watch = ChangeWatch(store, ops, jobs)
        try:
            with qtbot.waitSignal(watch.sig_work, timeout=10_000) as shown:
                watch.start()  # asks once at the start who is importing or analysing
            assert shown.args == [f"{COLLEAGUE} 正在分析数据（37%）…"]
            ops.run(None, analyze, label="分析数据")
            assert ops.wait_idle()
            boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
            assert [(b.windowTitle(), b.text()) for b in boxes] == [
                (
                    "分析数据未完成",
                    f"同事 {COLLEAGUE}（FRONT-PC）正在分析数据（已完成 37%，开始于 09:12）。请等它完成后再导入或分析。",
                )
            ]
            for box in boxes:
                box.close()
            colleague.execute("SELECT pg_advisory_unlock(%s)", (WORK_LOCK,))
            with qtbot.waitSignal(watch.sig_work, timeout=10_000) as cleared:
                watch.check_work()
            assert cleared.args == [""]
        finally:
            watch.close()
            jobs.shutdown()
            ops.shutdown()


def test_a_run_of_several_files_publishes_how_far_the_whole_run_is(pg_url: str, monkeypatch) -> None:
    from cxdesk.importers import detect
    from cxdesk.store.pg import locks

    monkeypatch.setattr(locks, "REPORT_EVERY", 0.0)  # publish every report (the real pace is once a second)
    files = [(FIXTURES / "seller_reviews.csv", "reviews"), (FIXTURES / "qianniu_export.csv", "chats")]
    tasks = [imports.FileTask(p, detect(p), kind, "taobao", "我的小店", None) for p, kind in files]
    seen: dict[str, list[int]] = {"（1/2）": [], "（2/2）": []}

    def look(done: int, total: int, message: str) -> None:
        holder = current_holder(pg_url)
        seen[message[:5]].append(holder.percent)

    with open_store(pg_url) as store:
        result = run_op(imports.import_files, store, tasks, ctx=TaskContext(look)).value
    assert [o.status for o in result.outcomes] == ["done", "done"]
    assert seen["（1/2）"] and max(seen["（1/2）"]) <= 50
    assert seen["（2/2）"] and min(seen["（2/2）"]) >= 50  # the second file is the second half of the run
