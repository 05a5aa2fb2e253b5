"""Two people triaging the same risk flags never lose each other's work (issue 20.3, optimistic locking).

Every triage write adds one to ``risk_flags.version``; a triage naming the versions its screen read is
refused, writing nothing, when someone else's write came first, and the refusal says who changed what.
The store tests run on a SQLite file and on PostgreSQL (the same small analysed store, copied to the
server); the two-process test has two Python processes triage the same five flags at once on each engine
and checks that every write they were told was saved is there. The 风险 page test shows the refusal
and the queue reloaded.

Run as a script (``python tests/test_triage_conflict.py worker …``) this file is one of those processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from cxdesk.errors import TriageConflictError
from cxdesk.ops import run_op, triage
from cxdesk.store import Store, open_store
from cxdesk.store.risk_queue import FlagFilter, conflict_message
from test_risk_queue_store import flagged, template  # noqa: F401  (fixtures: the flagged store, a copy per test)

HERE = Path(__file__).resolve().parent
ROUNDS = 8  # writes each process gets saved in the two-process test
STATUS_CYCLE = ("处理中", "已处理", "误报", "待处理")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, template: Path, tmp_path: Path) -> str:  # noqa: F811
    """Where the small analysed store is: a SQLite file, or a PostgreSQL database it was copied to."""
    if request.param == "sqlite":
        path = tmp_path / "risk.sqlite3"
        path.write_bytes(template.read_bytes())
        return str(path)
    pytest.importorskip("psycopg")
    from cxdesk.store.copy import copy_store

    pg_url = request.getfixturevalue("pg_url")
    with open_store(template, mode="ro") as src, open_store(pg_url) as dst:
        assert copy_store(src, dst).ok
    return pg_url


@pytest.fixture
def store(url: str):
    s = open_store(url)
    yield s
    s.close()


def _biggest_item(store: Store):
    """The queue item with the most flags (a session with several rules)."""
    return max(store.risk_queue.item_page(FlagFilter(statuses=())), key=lambda f: len(f.flag_ids))


def _state(store: Store, ids) -> dict[int, tuple]:
    rows = store.conn.execute(
        "SELECT id, status, note, handler, handled_at, version, changed_by FROM risk_flags ORDER BY id"
    ).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows if r[0] in set(ids)}


def _scores(store: Store) -> list[tuple]:
    return [tuple(r) for r in store.conn.execute("SELECT * FROM risk_scores ORDER BY target_type, target_id")]


# --- one process, both engines -------------------------------------------------------------------


def test_the_queue_reads_each_flags_version(store: Store) -> None:
    item = _biggest_item(store)
    assert len(item.flag_ids) >= 2
    assert item.versions == store.risk_queue.versions(item.flag_ids) == dict.fromkeys(item.flag_ids, 0)
    run_op(triage.set_note, store, item.flag_ids[:1], "先看一下", handler="小李")
    again = next(f for f in store.risk_queue.item_page(FlagFilter(statuses=())) if f.id == item.id)
    assert again.versions == {i: (1 if i == item.flag_ids[0] else 0) for i in item.flag_ids}
    assert store.risk_queue.flag(item.flag_ids[0]).version == 1


def test_the_version_read_is_accepted_and_bumped(store: Store) -> None:
    item = _biggest_item(store)
    changes = run_op(triage.set_status, store, item.flag_ids, "处理中", handler="小李", expected=item.versions)
    assert changes.value == dict.fromkeys(item.flag_ids, 1)
    # The next write expects what the last one returned, as the page does.
    changes = run_op(triage.set_note, store, item.flag_ids, "已电话安抚", handler="小李", expected=changes.value)
    assert changes.value == dict.fromkeys(item.flag_ids, 2)
    for status, note, handler, handled_at, version, changed_by in _state(store, item.flag_ids).values():
        assert (status, note, handler, version, changed_by) == ("处理中", "已电话安抚", "小李", 2, "小李")
        assert handled_at


def test_a_stale_version_is_refused_saying_who_changed_what(store: Store) -> None:
    item = _biggest_item(store)
    seen = item.versions  # what 小李's screen read
    # 组长小王, on another PC, notes and closes the item first.
    done = run_op(triage.set_note, store, item.flag_ids, "已电话安抚，补发一件", handler="组长小王", expected=seen)
    run_op(triage.set_status, store, item.flag_ids, "已处理", handler="组长小王", expected=done.value)
    before, scores = _state(store, item.flag_ids), _scores(store)
    with pytest.raises(TriageConflictError) as refused:
        run_op(triage.set_status, store, item.flag_ids, "误报", handler="小李", expected=seen)
    message = str(refused.value)
    assert "组长小王" in message and "“已处理”" in message and "备注：已电话安抚，补发一件" in message
    assert "你的修改没有保存" in message and "小李" not in message
    assert datetime.now().strftime("%H:") in message or datetime.now().strftime("%m-%d") in message
    assert set(refused.value.flag_ids) == set(item.flag_ids)
    # Nothing of 小李's triage was written: statuses, notes, versions and the risk scores are 组长小王's.
    assert _state(store, item.flag_ids) == before and _scores(store) == scores
    with pytest.raises(TriageConflictError):
        run_op(triage.set_note, store, item.flag_ids, "误报吧", handler="小李", expected=seen)
    assert _state(store, item.flag_ids) == before


def test_one_changed_flag_of_an_item_refuses_the_whole_item(store: Store) -> None:
    item = _biggest_item(store)
    seen = item.versions
    first, *others = sorted(item.flag_ids)
    last = max(item.flag_ids)
    # Someone (no name given) marked only the item's last flag: the earlier flags would be written first.
    run_op(triage.set_status, store, [last], "已处理", expected={last: seen[last]})
    before, scores = _state(store, item.flag_ids), _scores(store)
    with pytest.raises(TriageConflictError) as refused:
        run_op(triage.set_status, store, item.flag_ids, "误报", handler="小李", expected=seen)
    assert refused.value.flag_ids == (last,) and "“已处理”" in str(refused.value)
    assert _state(store, item.flag_ids) == before and _scores(store) == scores
    assert before[first][0] == "待处理" and before[first][4] == 0  # the earlier flag was not written


def test_a_deleted_flag_is_refused_as_gone(store: Store) -> None:
    item = _biggest_item(store)
    gone = item.flag_ids[0]
    with store.transaction():
        store.conn.execute("DELETE FROM risk_flags WHERE id = ?", (gone,))
    with pytest.raises(TriageConflictError) as refused:
        run_op(triage.set_status, store, item.flag_ids, "已处理", expected=item.versions)
    assert "已不在数据库中" in str(refused.value) and refused.value.flag_ids == (gone,)
    assert {v[0] for v in _state(store, item.flag_ids).values()} == {"待处理"}


def test_without_versions_the_old_behaviour_stays(store: Store) -> None:
    """The CLI, 会话's status menu and a bulk change of a whole filter write without a check, and still count."""
    item = _biggest_item(store)
    run_op(triage.set_status, store, item.flag_ids, "处理中", handler="组长小王")
    changes = run_op(triage.set_status_matching, store, FlagFilter(statuses=("处理中",)), "已处理")
    assert changes.value == dict.fromkeys(item.flag_ids, 2)
    assert {v[:3] for v in _state(store, item.flag_ids).values()} == {("已处理", None, "组长小王")}
    with pytest.raises(ValueError):  # versions for some of the flags only: a caller's mistake, not a conflict
        run_op(triage.set_status, store, item.flag_ids, "误报", expected={item.flag_ids[0]: 2})


def test_an_older_store_gets_version_zero(tmp_path: Path) -> None:
    import sqlite3

    from cxdesk.store.migrations import CURRENT_VERSION, MIGRATIONS

    path = tmp_path / "v8.sqlite3"
    conn = sqlite3.connect(path)
    for version, script in enumerate(MIGRATIONS[:8], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    conn.execute("INSERT INTO meta VALUES ('app', 'cxdesk')")
    conn.execute(
        "INSERT INTO risk_flags(target_type, target_id, rule_id, category, level, status, handler, rules_version) "
        "VALUES ('review', 1, 'r', '差评', '高', '已处理', '组长小王', 'v1')"
    )
    conn.commit()
    conn.close()
    with open_store(path) as store:
        assert store.schema_version == CURRENT_VERSION
        row = store.conn.execute("SELECT status, handler, version, changed_by, changed_at FROM risk_flags").fetchone()
        assert tuple(row) == ("已处理", "组长小王", 0, None, None)


def test_the_message_names_the_day_when_not_today_and_shortens_a_long_note() -> None:
    now = datetime(2026, 12, 7, 10, 0)
    today = conflict_message([(1, "已处理", "已电话安抚", "组长小王", "2026-12-07 09:12:30")], 1, now)
    assert today == "这条风险已被 组长小王 在 09:12 改为“已处理”（备注：已电话安抚），你的修改没有保存。"
    earlier = conflict_message([(1, "误报", "很" * 50, None, "2026-12-05 18:01:00")], 3, now)
    assert earlier.startswith("这条风险已被同事在 12-05 18:01 改为“误报”（备注：" + "很" * 30 + "…）")
    assert earlier.endswith("…），同一行共 3 条风险已被改过，你的修改没有保存。")


# --- two processes at once ---------------------------------------------------------------------------


def _worker(url: str, ids: list[int], name: str, rounds: int, go: Path, out: Path) -> None:
    """One person triaging ``ids`` together ``rounds`` times: read them, write a note (appending ``name``
    and a count to the note read) or a status with the versions read, and on a refusal read again."""
    with open_store(url) as store:
        repo = store.risk_queue
        out.with_suffix(".ready").touch()
        deadline = time.monotonic() + 60
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.002)
        saved: list[dict] = []
        refused = 0
        while len(saved) < rounds and refused < 50 * rounds:
            flags = [repo.flag(i) for i in ids]
            expected = {f.id: f.version for f in flags}
            try:
                if len(saved) % 2 == 0:
                    marker = f"{name}{len(saved)}"
                    note = f"{flags[0].note or ''} {marker}".strip()
                    changes = run_op(triage.set_note, store, ids, note, handler=name, expected=expected)
                    saved.append({"kind": "note", "value": marker, "versions": changes.value})
                else:
                    status = STATUS_CYCLE[len(saved) // 2 % len(STATUS_CYCLE)]
                    changes = run_op(triage.set_status, store, ids, status, handler=name, expected=expected)
                    saved.append({"kind": "status", "value": status, "versions": changes.value})
            except TriageConflictError:
                refused += 1
        out.write_text(json.dumps({"saved": saved, "refused": refused}), encoding="utf-8")


def test_two_processes_triaging_the_same_flags_lose_nothing(url: str, tmp_path: Path) -> None:
    with open_store(url) as store:
        ids = sorted(store.risk_queue.ids(FlagFilter(statuses=())))[:5]
        assert len(ids) == 5 and set(store.risk_queue.versions(ids).values()) == {0}
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE)])}
    outs = {name: tmp_path / f"{name}.json" for name in ("甲", "乙")}
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "worker", url, json.dumps(ids), name, str(ROUNDS), str(go), str(out)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, out in outs.items()
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(o.with_suffix(".ready").exists() for o in outs.values()):
            assert all(p.poll() is None for p in procs), [p.communicate()[1] for p in procs]
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.01)
        go.touch()  # both start triaging at once
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    reports = {name: json.loads(out.read_text(encoding="utf-8")) for name, out in outs.items()}
    writes = [(name, w) for name, r in reports.items() for w in r["saved"]]
    assert all(len(r["saved"]) == ROUNDS for r in reports.values())
    # Each saved write made every flag one version newer than the write before it: no two saved
    # writes read the same state, so none was built on a state another write had already replaced.
    by_version = {}
    for name, w in writes:
        versions = {int(k): v for k, v in w["versions"].items()}
        assert set(versions) == set(ids) and len(set(versions.values())) == 1
        by_version[versions[ids[0]]] = (name, w)
    assert sorted(by_version) == list(range(1, len(writes) + 1))
    ordered = [by_version[v] for v in sorted(by_version)]
    notes = [w["value"] for _, w in ordered if w["kind"] == "note"]
    last_status = next(w["value"] for _, w in reversed(ordered) if w["kind"] == "status")
    last_name = ordered[-1][0]
    with open_store(url) as store:
        final = _state(store, ids)
        # Every note either process was told was saved is in the notes, in the order they were saved.
        assert {v[1] for v in final.values()} == {" ".join(notes)}
        assert {(v[0], v[2], v[4], v[5]) for v in final.values()} == {(last_status, last_name, len(writes), last_name)}
        # The risk scores are those of the final statuses: scoring them afresh changes nothing.
        scores = _scores(store)
        from cxdesk.analysis.risk import rescore_flagged

        with store.transaction():
            rescore_flagged(store, ids)
        assert _scores(store) == scores
    engine = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"{engine}: {len(writes)} writes saved, {sum(r['refused'] for r in reports.values())} refused")


# --- the 风险 page ----------------------------------------------------------------------------------


@pytest.fixture
def window(qtbot, flagged: Store):  # noqa: F811
    from ui.app import create_main_window

    w = create_main_window(flagged)
    qtbot.addWidget(w)
    w.resize(1366, 728)
    w.show()
    with qtbot.waitSignal(w.pages["risk"].sig_loaded):
        w.show_page("risk")
    return w


def test_the_page_shows_who_changed_it_and_reloads(qtbot, window, flagged: Store, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtCore import Qt

    from ui.widgets import error_dialog

    page = window.pages["risk"]
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(error_dialog, "show_warning", lambda parent, title, text: shown.append((title, text)))
    item = page.model.flag(0)
    # 组长小王 closes the item from another PC (another connection to the same store) after the page read it.
    with open_store(flagged.path) as other:
        run_op(triage.set_note, other, item.flag_ids, "已电话安抚", handler="组长小王", expected=item.versions)
    page.queue.go_to(0)
    page.queue.view.setFocus()
    with qtbot.waitSignal(page.sig_loaded):  # refused: the page says so and shows the store again
        qtbot.keyClick(page.queue.view, Qt.Key.Key_F)
        assert window.ops.wait_idle()
    assert len(shown) == 1
    title, text = shown[0]
    assert "组长小王" in text and "备注：已电话安抚" in text and "已为你刷新" in text and "没有保存" in text
    assert {flagged.risk_queue.flag(i).status for i in item.flag_ids} == {"待处理"}
    row = page.model.row_of(item.id)
    assert page.model.flag(row).note == "已电话安抚" and page.model.data(page.model.index(row, 2)) == "待处理"
    # Now the page has read 组长小王's note: the same key is saved.
    page.queue.go_to(row)
    page.queue.view.setFocus()
    qtbot.keyClick(page.queue.view, Qt.Key.Key_P)
    assert window.ops.wait_idle()
    assert {flagged.risk_queue.flag(i).status for i in item.flag_ids} == {"处理中"} and len(shown) == 1


def test_a_refused_note_stays_in_the_note_box(qtbot, window, flagged: Store, monkeypatch) -> None:
    from ui.widgets import error_dialog

    page = window.pages["risk"]
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(error_dialog, "show_warning", lambda parent, title, text: shown.append((title, text)))
    item = page.model.flag(0)
    page.queue.go_to(0)
    with open_store(flagged.path) as other:
        run_op(triage.set_status, other, item.flag_ids, "处理中", handler="组长小王", expected=item.versions)
    page.detail.note_edit.setText("买家同意退货退款")
    with qtbot.waitSignal(page.sig_loaded):
        page.save_note(page.detail.note_edit.text())
        assert window.ops.wait_idle()
    assert len(shown) == 1 and "组长小王" in shown[0][1] and "“处理中”" in shown[0][1]
    assert "买家同意退货退款" in shown[0][1]  # the user is told their note is still there
    assert {flagged.risk_queue.flag(i).note for i in item.flag_ids} == {None}  # not written
    # The reload opened the same item, with 组长小王's status and the unsaved note back in the box.
    assert page.detail.flag.id == item.id and page.detail.flag.status == "处理中"
    assert page.detail.note_edit.text() == "买家同意退货退款"


def test_quick_keys_on_one_row_do_not_refuse_each_other(qtbot, window, flagged: Store, monkeypatch) -> None:
    """P then H then a note on the same row before the first write is done: each is saved after the one
    before it, expecting the version that one made, and none is taken for someone else's change."""
    import threading

    from PySide6.QtCore import Qt

    from ui.widgets import error_dialog

    page = window.pages["risk"]
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(error_dialog, "show_warning", lambda parent, title, text: shown.append((title, text)))
    release = threading.Event()
    real = triage.set_status

    def held(store, ctx, *args, **kwargs):
        release.wait(10)  # the writer is busy with the first write meanwhile
        return real(store, ctx, *args, **kwargs)

    monkeypatch.setattr(triage, "set_status", held)
    item = page.model.flag(0)
    page.queue.go_to(0)
    page.queue.view.setFocus()
    qtbot.keyClick(page.queue.view, Qt.Key.Key_P)
    page.queue.go_to(0)
    page.queue.view.setFocus()
    qtbot.keyClick(page.queue.view, Qt.Key.Key_H)
    page.queue.go_to(0)
    assert page.detail.flag.id == item.id
    page.save_note("已补发")
    release.set()
    qtbot.waitUntil(lambda: window.ops.wait_idle() and not page._busy, timeout=10000)
    assert shown == []
    for flag_id in item.flag_ids:
        flag = flagged.risk_queue.flag(flag_id)
        assert (flag.status, flag.note, flag.version) == ("已处理", "已补发", 3)


if __name__ == "__main__" and len(sys.argv) == 8 and sys.argv[1] == "worker":
    _worker(sys.argv[2], json.loads(sys.argv[3]), sys.argv[4], int(sys.argv[5]), Path(sys.argv[6]), Path(sys.argv[7]))
