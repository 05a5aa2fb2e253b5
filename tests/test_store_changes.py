"""Hearing changes made elsewhere (issue 20.3): the store's ChangeWatcher on both engines, and the window
that refreshes its pages from them without wiping what the user is typing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cxdesk.ops import FLAGS, RISK_SCORES, run_op, triage
from cxdesk.store import Store, open_store
from cxdesk.store.changes import PAYLOAD_LIMIT, ChangeWatcher, announce, payload_of
from cxdesk.store.risk_queue import FlagFilter
from test_risk_queue_store import flagged, template  # noqa: F401  (fixtures: the flagged store, a copy per test)
from test_ui_risk import window  # noqa: F401  (fixture)
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)

ROOT = Path(__file__).resolve().parent.parent
WAIT = 10.0  # seconds a PostgreSQL watcher may wait for a notification to arrive (never reached when it works)


def _external_note(path: Path, flag_ids: tuple[int, ...], note: str) -> None:
    """A colleague's program writes a note on its own connection to the file."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.executemany("UPDATE risk_flags SET note = ? WHERE id = ?", [(note, i) for i in flag_ids])
    finally:
        conn.close()


# --- SQLite ----------------------------------------------------------------------------------------


def test_sqlite_another_connections_commit_is_heard_once(store: Store) -> None:
    with ChangeWatcher(store.path) as watcher:
        assert not watcher.poll()  # nothing since the watcher was made
        store.counts()
        store.shops.all()
        assert not watcher.poll()  # reads change nothing
        with store.transaction():
            store.shops.get_or_create("taobao", "甲店")
        changes = watcher.poll_changes()
        assert len(changes) == 1 and changes[0].kinds is None  # SQLite only says "something changed"
        assert not watcher.poll()  # heard once
        with store.transaction():
            store.shops.get_or_create("jd", "乙店")
        watcher.skip()  # the caller's own write: forgotten
        assert not watcher.poll()


def test_sqlite_announce_sends_nothing(store: Store) -> None:
    assert announce(store, "triage_flags", [FLAGS], {FLAGS: [1]}) is False


def test_payload_fits_the_server_limit_by_dropping_ids() -> None:
    small = json.loads(payload_of("triage_flags", [FLAGS, RISK_SCORES], {FLAGS: [3, 4]}))
    assert small["kinds"] == [FLAGS, RISK_SCORES] and small["ids"] == {FLAGS: [3, 4]}
    big = payload_of("triage_flags", [FLAGS, RISK_SCORES], {FLAGS: range(100_000, 200_000), RISK_SCORES: [1]})
    assert len(big.encode()) <= PAYLOAD_LIMIT
    body = json.loads(big)
    assert body["kinds"] == [FLAGS, RISK_SCORES] and body["ids"] == {RISK_SCORES: [1]}  # the big list went


# --- PostgreSQL ------------------------------------------------------------------------------------


@pytest.fixture
def flagged_pg(flagged: Store, pg_url: str) -> str:  # noqa: F811
    """The flagged store copied into a fresh team database."""
    from cxdesk.store.copy import copy_store

    with open_store(pg_url) as dst:
        assert copy_store(flagged, dst).ok
    return pg_url


def test_pg_a_triage_on_one_store_is_heard_on_another_connection(flagged_pg: str) -> None:
    pytest.importorskip("psycopg")
    with open_store(flagged_pg) as store, ChangeWatcher(flagged_pg, ignore_own_process=False) as watcher:
        ids = store.risk_queue.ids(FlagFilter())[:2]
        assert not watcher.poll()
        run_op(triage.set_status, store, ids, "已处理", handler="组长小王")
        changes = watcher.poll_changes(timeout=WAIT)
        assert [c.op for c in changes] == ["triage_flags"]
        assert changes[0].kinds == {FLAGS, RISK_SCORES} and changes[0].ids[FLAGS] == tuple(ids)
        assert not watcher.poll()  # heard once
        store.counts()
        assert not watcher.poll()  # reads send nothing


def test_pg_own_process_is_ignored_and_another_process_is_heard(pg_url: str) -> None:
    pytest.importorskip("psycopg")
    with open_store(pg_url) as store, ChangeWatcher(pg_url) as watcher:
        assert announce(store, "flag_note", [FLAGS], {FLAGS: [7]})
        assert watcher.poll_changes(timeout=1.0) == []  # this process's own change: the window has reloaded
        code = (
            "from cxdesk.store import open_store\n"
            "from cxdesk.store.changes import announce\n"
            f"with open_store({pg_url!r}) as s:\n"
            "    assert announce(s, 'flag_note', ['flags'], {'flags': [8]})\n"
        )
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        changes = watcher.poll_changes(timeout=WAIT)
        assert [(c.op, c.kinds, dict(c.ids)) for c in changes] == [("flag_note", {FLAGS}, {FLAGS: (8,)})]


def test_pg_a_dropped_watcher_reconnects_and_reports_a_change(pg_url: str) -> None:
    pytest.importorskip("psycopg")
    import psycopg

    with ChangeWatcher(pg_url) as watcher, psycopg.connect(pg_url, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (watcher.backend_pid,))
        assert watcher.poll_changes(timeout=1.0) == []  # the connection broke: nothing known yet
        changes = watcher.poll_changes()
        assert [c.kinds for c in changes] == [None]  # reopened: what happened meanwhile is unknown
        assert not watcher.poll()


def test_pg_the_windows_own_operations_reach_the_others(qtbot, flagged_pg: str) -> None:
    """The window's writer runs a note; its ChangeWatch tells the other PCs, and does not hear itself."""
    from ui.change_watch import ChangeWatch
    from ui.operations import OpRunner
    from ui.workers import JobRunner

    with open_store(flagged_pg) as store, ChangeWatcher(flagged_pg, ignore_own_process=False) as other:
        ids = store.risk_queue.ids(FlagFilter())[:1]
        ops = OpRunner(Path("."))
        ops.db_path = flagged_pg  # as ui.app does for a team store
        watch = ChangeWatch(store, ops, JobRunner())
        try:
            ops.run(None, triage.set_note, ids, "已电话联系买家", label="保存备注")
            assert ops.wait_idle()
            changes = other.poll_changes(timeout=WAIT)
            assert [(c.op, c.kinds, dict(c.ids)) for c in changes] == [("flag_note", {FLAGS}, {FLAGS: tuple(ids)})]
            assert watch.poll_now() is None  # its own operation is not news to the window
        finally:
            watch.close()
            ops.shutdown()


# --- the window ------------------------------------------------------------------------------------


# ``window``: test_ui_risk's (the window on the flagged store, 风险 shown and loaded).


def test_window_reloads_the_risk_page_after_an_external_commit(qtbot, window, flagged: Store) -> None:  # noqa: F811
    from ui.change_watch import NOTE_FILE

    page = window.pages["risk"]
    first = page.model.flag(0)
    assert page.detail.note_edit.text() != "同事：已电话联系买家"
    assert window.change_watch.poll_now() is None  # nothing happened yet
    _external_note(Path(flagged.path), first.flag_ids, "同事：已电话联系买家")
    with qtbot.waitSignal(page.sig_loaded):
        changes = window.change_watch.poll_now()
    assert changes is not None and changes.touches(FLAGS)
    assert window.statusBar().currentMessage() == NOTE_FILE
    row = next(i for i in range(page.model.rowCount()) if page.model.flag(i).flag_ids == first.flag_ids)
    assert page.model.flag(row).note == "同事：已电话联系买家"
    assert window.change_watch.poll_now() is None  # the reload itself wrote nothing: no second refresh


def test_the_first_pre_aggregate_refresh_of_a_new_window_is_not_news(qtbot, flagged: Store, monkeypatch) -> None:  # noqa: F811
    """总览 refreshes stale pre-aggregates as soon as the window builds it, before the change watch exists:
    that write is the window's own too (it used to say 数据刚在别处更新 a second later)."""
    import time

    import ui.pages.overview_view as overview_view
    from cxdesk.store.dashboard import FINGERPRINT_KEY
    from ui.app import create_main_window
    from ui.workers import active_jobs

    refresh = overview_view.refresh_job

    def slow_refresh(ctx, db_path):  # still running when the window has made its change watch (a big store)
        time.sleep(0.5)
        return refresh(ctx, db_path)

    monkeypatch.setattr(overview_view, "refresh_job", slow_refresh)
    assert flagged.meta.get(FINGERPRINT_KEY) is None  # stale: the refresh will write
    window = create_main_window(flagged)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not active_jobs(), timeout=20_000)
    assert flagged.meta.get(FINGERPRINT_KEY) is not None  # it did write
    assert window.change_watch.poll_now() is None
    window.close()


def test_a_background_job_of_the_window_that_writes_is_not_news(qtbot, window, flagged: Store) -> None:  # noqa: F811
    """总览's pre-aggregate refresh writes on a connection of its own, outside the operations: what a job marked
    writes_to_store writes is the window's own (no 已刷新 note, no reload); a job not so marked is heard."""
    from ui.workers import Job

    def write(_ctx, path: str, value: str) -> None:
        conn = sqlite3.connect(path)
        try:
            with conn:
                conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('test.job', ?)", (value,))
        finally:
            conn.close()

    watch = window.change_watch
    watch.poll_now()  # whatever the window's own start-up left
    for value, marked, heard in (("1", True, False), ("2", False, True)):
        job = Job(None, write, str(flagged.path), value, label="写入").without_progress_dialog()
        if marked:
            job.writes_to_store()
        with qtbot.waitSignal(window.jobs.sig_job_finished, timeout=10_000):
            window.jobs.start("test.writer", job)
        assert (watch.poll_now() is not None) == heard


def test_a_colleagues_change_keeps_the_reader_on_their_item(qtbot, window, flagged: Store) -> None:  # noqa: F811
    page = window.pages["risk"]
    assert page.model.rowCount() >= 2
    page.queue.go_to(1)
    reading = page.detail.flag
    assert reading is not None and reading.flag_ids != page.model.flag(0).flag_ids
    _external_note(Path(flagged.path), page.model.flag(0).flag_ids, "同事：已处理另一条")
    with qtbot.waitSignal(page.sig_loaded):
        window.change_watch.poll_now()
    assert page.detail.flag is not None and page.detail.flag.flag_ids == reading.flag_ids  # not back on row 0


def test_window_waits_while_the_user_types_a_note(qtbot, window, flagged: Store) -> None:  # noqa: F811
    from ui.change_watch import NOTE_DEFERRED

    page = window.pages["risk"]
    shown = page.detail.flag
    assert shown is not None
    box = page.detail.note_edit
    box.setFocus()
    box.clear()
    qtbot.keyClicks(box, "call back 10:00")
    loads = []
    page.sig_loaded.connect(lambda: loads.append(1))
    _external_note(Path(flagged.path), shown.flag_ids, "同事写的备注")
    assert window.change_watch.poll_now() is not None
    assert NOTE_DEFERRED in window.statusBar().currentMessage()
    window._flush_deferred()
    qtbot.wait(50)
    assert loads == [] and box.text() == "call back 10:00"  # not reloaded under the user's fingers
    assert page.detail.flag is shown
    page.queue.view.setFocus()  # the user leaves the box
    with qtbot.waitSignal(page.sig_loaded):
        window._flush_deferred()
    assert any(page.model.flag(i).note == "同事写的备注" for i in range(page.model.rowCount()))


def test_window_does_not_hear_its_own_operations(qtbot, window, flagged: Store) -> None:  # noqa: F811
    page = window.pages["risk"]
    ids = list(page.model.flag(0).flag_ids)
    window.ops.run(window, triage.set_note, ids, "自己写的", label="保存备注")
    assert window.ops.wait_idle()
    assert window.change_watch.poll_now() is None  # the window's own writer: skipped, not news
