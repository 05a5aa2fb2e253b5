"""The database file itself: damage, folders, full disks, read-only files, stale runs, backups and restore.

Issue 14, classes 4, 7 (folder as --db, full disk) and 10 (stale runs,
read-only stores), plus the automatic backups and restoring one from 设置.
Stores are written through cxdesk's own repositories (what an import does),
then damaged, filled or locked the way a user's disk would.
"""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from cxdesk.cli import main
from cxdesk.errors import ReadOnlyStoreError, StoreError
from cxdesk.importers import undo_batch
from cxdesk.store import CURRENT_VERSION, open_store
from cxdesk.store import integrity
from cxdesk.store.backups import create_backup, list_backups, restore_backup
from cxdesk.store.failures import CorruptStoreError, StoreBusyError, StoreFullError, user_error
from cxdesk.store.migrations import MIGRATIONS
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse: no background job may outlive a test)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
PAGE = 4096


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _make_store(path: Path, batches: int = 1, per_batch: int = 400) -> Path:
    """A store with ``batches`` review batches of ``per_batch`` rows each, closed (WAL checkpointed)."""
    with open_store(path) as store, store.transaction():
        shop = store.shops.get_or_create("taobao", "测试小店")
        for b in range(batches):
            batch = store.batches.create(
                kind="reviews", file_name=f"r{b}.csv", file_sha256=f"{b:064d}", shop_id=shop.id
            )
            store.reviews.insert_many(
                shop.id,
                batch,
                [
                    {
                        "review_key": f"{b}-{i}",
                        "content": f"第{b}批第{i}条评价：质量很好，物流很快，客服耐心。" * 2,
                        "rating": 1 + i % 5,
                        "created_at": "2024-05-01 10:00:00",
                    }
                    for i in range(per_batch)
                ],
            )
    return path


def _damage_middle_page(path: Path) -> int:
    """Overwrite the start of a reviews leaf page well past page 1; returns its number."""
    conn = sqlite3.connect(path)
    pages = [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name='reviews' AND pagetype='leaf'")]
    total = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    page = pages[len(pages) // 2]
    assert 4 < page < total
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * PAGE)
        fh.write(b"\xde\xad\xbe\xef" * 64)
    return page


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {
            t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("shops", "import_batches", "reviews", "orders", "chat_messages")
        }
    finally:
        conn.close()


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    db = _make_store(tmp_path / "shop.sqlite3")
    _damage_middle_page(db)
    return db


# --- class 4: a store damaged in the middle ------------------------------------------------------


def test_middle_page_damage_is_refused_in_every_mode_and_the_file_never_changes(damaged: Path) -> None:
    before = _sha(damaged)
    for mode in ("rw", "ro", "auto"):
        with pytest.raises(CorruptStoreError, match="已损坏") as err:
            open_store(damaged, mode)
        assert "backup restore" in str(err.value) and "设置 → 数据库备份" in str(err.value)
    assert _sha(damaged) == before


def test_cli_refuses_a_damaged_store_with_a_message_and_exit_1(damaged: Path, capsys) -> None:
    before = _sha(damaged)
    for argv in (
        ["stats", "--db", str(damaged)],
        ["import", str(FIXTURES / "seller_reviews.csv"), "--db", str(damaged)],
        ["export", "reviews", "--db", str(damaged), "--out", str(damaged.parent / "r.csv")],
    ):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "已损坏" in err and "不会写入或修改" in err and "backup list" in err
        assert "Traceback" not in err
    assert _sha(damaged) == before
    assert not (damaged.parent / "r.csv").exists()


def test_damage_the_open_check_did_not_see_still_ends_in_a_message(tmp_path: Path, capsys) -> None:
    """A page damaged after the last check (same size and time): the query fails, the CLI says why."""
    db = _make_store(tmp_path / "shop.sqlite3")
    with open_store(db):
        pass  # checked whole and remembered
    stat = db.stat()
    _damage_middle_page(db)
    os.utime(db, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert main(["export", "reviews", "--db", str(db), "--out", str(tmp_path / "r.csv")]) == 1
    err = capsys.readouterr().err
    assert "已损坏" in err and "Traceback" not in err
    with pytest.raises(CorruptStoreError):  # the remembered check was forgotten: the next open looks again
        open_store(db)


def test_quick_check_is_bounded_in_time(tmp_path: Path) -> None:
    db = _make_store(tmp_path / "shop.sqlite3", per_batch=2000)
    conn = sqlite3.connect(db)
    try:
        assert integrity.quick_check(conn, budget_s=None).complete
        cut = integrity.quick_check(conn, budget_s=0.0)
    finally:
        conn.close()
    assert not cut.complete and not cut.problems and cut.seconds < 0.5


# --- class 7: a folder as --db, a full disk ----------------------------------------------------


def test_a_folder_as_db_is_refused_and_left_empty(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "shopdata"
    folder.mkdir()
    with pytest.raises(StoreError, match="是一个文件夹"):
        open_store(folder)
    assert main(["stats", "--db", str(folder)]) == 1
    assert main(["import", str(FIXTURES / "seller_reviews.csv"), "--db", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.count("是一个文件夹") == 2 and "Traceback" not in err
    assert list(folder.iterdir()) == []


def test_full_disk_during_an_import_rolls_back_with_a_message(tmp_path: Path, monkeypatch, capsys) -> None:
    import cxdesk.store as store_pkg

    db = _make_store(tmp_path / "shop.sqlite3", per_batch=50)
    before = _counts(db)
    real_open = store_pkg.open_connection

    def no_room(path, mode="rw", **kw):  # SQLite answers SQLITE_FULL as soon as the file would grow
        conn, reason, read_only = real_open(path, mode, **kw)
        conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        return conn, reason, read_only

    monkeypatch.setattr(store_pkg, "open_connection", no_room)
    assert main(["import", str(FIXTURES.parent / "kill" / "reviews_a.csv"), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "磁盘空间不足" in err and "已全部撤回" in err and "Traceback" not in err
    monkeypatch.undo()
    assert _counts(db) == before
    with open_store(db) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_out_of_space_oserror_is_a_message(monkeypatch, tmp_path: Path, capsys) -> None:
    from cxdesk.cli import cmd_stats

    def fail(_args):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x"))

    monkeypatch.setattr(cmd_stats, "run", fail)  # the parser is built per call and picks this up
    assert main(["stats", "--db", str(tmp_path / "s.sqlite3")]) == 1
    err = capsys.readouterr().err
    assert "磁盘空间不足" in err and "Traceback" not in err
    assert isinstance(user_error(OSError(errno.ENOSPC, "No space left on device")), StoreFullError)
    assert user_error(sqlite3.OperationalError("no such column: x")) is None  # a bug stays a bug


# --- class 10: stale runs, read-only stores --------------------------------------------------------


def test_runs_left_running_by_a_killed_process_are_marked_interrupted(tmp_path: Path) -> None:
    db = _make_store(tmp_path / "shop.sqlite3", per_batch=5)
    with open_store(db) as store:
        stale = store.results.start_run("sentiment.review", "v1")
        with open_store(db):  # a second open while this process holds the store: its own run is left alone
            pass
        assert store.conn.execute("SELECT status FROM analysis_runs WHERE id=?", (stale,)).fetchone()[0] == "running"
    # the process "died" without finish_run; the next start marks the run
    with open_store(db) as store:
        status, note, finished = store.conn.execute(
            "SELECT status, note, finished_at FROM analysis_runs WHERE id=?", (stale,)
        ).fetchone()
    assert status == "failed" and "中断" in note and finished


def _pretend_read_only(monkeypatch, db: Path) -> None:
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: False if mode == os.W_OK and Path(p) == db else real(p, mode, **kw)
    )


def test_read_only_file_stats_and_export_work_import_is_refused(tmp_path: Path, monkeypatch, capsys) -> None:
    db = _make_store(tmp_path / "shop.sqlite3", per_batch=20)
    before = _sha(db)
    _pretend_read_only(monkeypatch, db)
    assert main(["stats", "--db", str(db), "--json"]) == 0
    out = capsys.readouterr()
    assert '"reviews": 20' in out.out and "只读" in out.err
    assert main(["export", "reviews", "--db", str(db), "--out", str(tmp_path / "r.csv")]) == 0
    assert (tmp_path / "r.csv").stat().st_size > 0
    capsys.readouterr()
    assert main(["import", str(FIXTURES / "seller_reviews.csv"), "--db", str(db)]) == 1
    assert main(["import", "--undo", "1", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.count("只读") >= 2 and "Traceback" not in err
    assert _sha(db) == before
    assert list_backups(db) == []


def test_read_only_open_never_writes_and_refuses_old_or_missing_files(tmp_path: Path) -> None:
    db = _make_store(tmp_path / "shop.sqlite3", per_batch=5)
    before = _sha(db)
    with open_store(db, read_only=True) as store:
        assert store.read_only and store.counts().reviews == 5
        with pytest.raises(ReadOnlyStoreError, match="不能修改"), store.transaction():
            pass
        with pytest.raises(sqlite3.OperationalError):
            store.conn.execute("DELETE FROM reviews")
    assert _sha(db) == before
    with pytest.raises(StoreError, match="不存在"):
        open_store(tmp_path / "missing.sqlite3", "ro")
    old = _v1_store(tmp_path / "old.sqlite3")
    with pytest.raises(ReadOnlyStoreError, match="旧版"):
        open_store(old, "ro")


def test_read_only_folder_falls_back_to_immutable(tmp_path: Path, monkeypatch) -> None:
    """SQLite cannot make the -shm of a WAL file in a read-only folder; the store still opens (root ignores modes)."""
    from cxdesk.store import _schema

    db = _make_store(tmp_path / "shop.sqlite3", per_batch=5)
    real_connect = sqlite3.connect
    uris: list[str] = []

    def connect(target, *args, **kwargs):
        uris.append(str(target))
        if kwargs.get("uri") and "immutable=1" not in str(target):
            exc = sqlite3.OperationalError("attempt to write a readonly database")
            exc.sqlite_errorcode = 8  # SQLITE_READONLY, as a read-only folder gives
            raise exc
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(_schema.sqlite3, "connect", connect)
    with open_store(db, "ro") as store:
        assert store.counts().reviews == 5
    assert any("immutable=1" in u for u in uris)


def _v1_store(path: Path) -> Path:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(
        "BEGIN;" + MIGRATIONS[0] + "\nINSERT INTO meta VALUES ('app', 'cxdesk');\nPRAGMA user_version = 1;\nCOMMIT;"
    )
    conn.execute("INSERT INTO shops(platform, name) VALUES ('taobao', '老店')")
    conn.close()
    return path


# --- backups -----------------------------------------------------------------------------------


def test_migration_backs_up_the_old_store_first(tmp_path: Path) -> None:
    db = _v1_store(tmp_path / "old.sqlite3")
    with open_store(db) as store:
        assert store.schema_version == CURRENT_VERSION
    [backup] = list_backups(db)
    assert backup.reason == "migrate-v1" and "升级" in backup.label
    conn = sqlite3.connect(backup.path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT name FROM shops").fetchall() == [("老店",)]
    conn.close()
    assert not Path(f"{backup.path}-wal").exists()


def test_undo_backs_up_first_and_only_three_are_kept(tmp_path: Path) -> None:
    db = _make_store(tmp_path / "shop.sqlite3", batches=5, per_batch=10)
    with open_store(db) as store:
        for batch_id in (1, 2, 3, 4):
            undo_batch(store, batch_id)
    backups = list_backups(db)
    assert [b.reason for b in backups] == ["undo-4", "undo-3", "undo-2"]
    assert backups[0].label == "撤销导入批次 4 前"
    assert len({b.id for b in backups}) == 3
    conn = sqlite3.connect(backups[0].path)  # taken just before batch 4 went: its rows are in it
    assert conn.execute("SELECT COUNT(*) FROM reviews WHERE batch_id=4").fetchone()[0] == 10
    conn.close()


def test_cli_backup_list_and_restore(tmp_path: Path, capsys) -> None:
    db = _make_store(tmp_path / "shop.sqlite3", batches=2, per_batch=10)
    assert main(["import", "--undo", "2", "--db", str(db)]) == 0
    assert _counts(db)["reviews"] == 10
    assert main(["backup", "list", "--db", str(db)]) == 0
    listing = capsys.readouterr().out
    [backup] = list_backups(db)
    assert backup.id in listing and "撤销导入批次 2 前" in listing
    assert main(["backup", "restore", backup.id, "--db", str(db)]) == 0
    assert "已把数据库恢复为" in capsys.readouterr().out
    assert _counts(db)["reviews"] == 20
    assert [b.reason for b in list_backups(db)] == ["restore", "undo-2"]
    assert main(["backup", "restore", "19990101-000000", "--db", str(db)]) == 1
    assert "没有编号为" in capsys.readouterr().err


def test_restore_replaces_a_damaged_store(damaged: Path) -> None:
    good = damaged.with_name("good.sqlite3")
    _make_store(good, per_batch=7)
    folder = damaged.parent / "backups"
    folder.mkdir()
    (folder / f"{damaged.name}.20240101-000000.manual.sqlite3").write_bytes(good.read_bytes())
    result = restore_backup(damaged, "20240101-000000")
    assert result.previous is not None and result.previous.reason == "restore"
    with open_store(damaged) as store:
        assert store.counts().reviews == 7
    with pytest.raises(CorruptStoreError):  # the damaged file was kept, as it was
        open_store(result.previous.path, "ro")


def test_restore_refuses_while_in_use_or_from_a_damaged_backup(tmp_path: Path) -> None:
    db = _make_store(tmp_path / "shop.sqlite3", per_batch=10)
    backup = create_backup(db, "manual")
    other = sqlite3.connect(db)  # another window or command
    other.execute("SELECT COUNT(*) FROM reviews").fetchone()
    try:
        with pytest.raises(StoreBusyError, match="正被另一个"):
            restore_backup(db, backup.id)
    finally:
        other.close()
    _damage_middle_page(backup.path)
    before = _sha(db)
    with pytest.raises(CorruptStoreError, match="备份.*也已损坏"):
        restore_backup(db, backup.id)
    assert _sha(db) == before


# --- the GUI: 设置 → 数据库备份, and database errors as messages -------------------------------------


def test_settings_panel_lists_backups_and_restores_into_a_new_window(qtbot, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QScrollArea

    from ui import app as ui_app
    from ui.screenshot import save_window

    db = tmp_path / "shop.sqlite3"
    store = open_store(db)  # no rows: 总览 shows its welcome, no charts to draw
    store.shops.get_or_create("taobao", "第一家店")
    create_backup(db, "migrate-v6")  # as an upgrade would have left it
    window = ui_app.create_main_window(store)  # not handed to qtbot: the restore deletes it
    window.resize(1280, 800)
    window.show()
    window.show_page("settings")
    panel = window.pages["settings"].backup_panel
    assert panel.table.rowCount() == 1 and panel.table.item(0, 1).text() == "升级数据库结构前（原结构版本 6）"
    job = panel.back_up_now()
    qtbot.waitUntil(lambda: job.state == "succeeded" and panel.table.rowCount() == 2, timeout=5000)
    assert panel.table.item(0, 1).text() == "手动备份" and "已备份" in panel.message.text()
    scroll = window.pages["settings"].findChild(QScrollArea)
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    qtbot.wait(50)
    save_window(window, Path("/tmp/settings-backups.png"))

    store.shops.get_or_create("jd", "后来开的店")  # a change made after the backup
    asked: list[str] = []
    panel.confirm = lambda _parent, _title, text: asked.append(text) or True
    panel.table.selectRow(0)
    assert panel.restore_selected()
    assert "当前数据库会先另存为一个备份" in asked[0]
    qtbot.waitUntil(lambda: bool(ui_app._windows) and ui_app._windows[-1] is not window, timeout=10_000)
    new = ui_app._windows.pop()
    qtbot.addWidget(new)
    try:
        assert [s.name for s in new.store.shops.all()] == ["第一家店"] and new.current_page_key() == "settings"
        rows = new.pages["settings"].backup_panel.table
        assert rows.rowCount() == 3 and rows.item(0, 1).text() == "恢复另一个备份前"
        assert "已把数据库恢复为" in new.statusBar().currentMessage()
    finally:
        new.close()
        new.store.close()
        store.close()


def test_background_job_database_errors_are_warnings_not_tracebacks(qtbot) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ui.workers import Job

    def damaged_read(_ctx):
        raise sqlite3.DatabaseError("database disk image is malformed")

    job = Job(None, damaged_read, label="导出").run()
    qtbot.waitUntil(lambda: job.state == "failed", timeout=5000)
    assert isinstance(job.error, CorruptStoreError)
    assert isinstance(job.error_dialog, QMessageBox) and "已损坏" in job.error_dialog.text()
    job.error_dialog.close()


def test_gui_thread_database_errors_are_warnings_not_tracebacks(qtbot, monkeypatch) -> None:
    import sys
    import threading

    from PySide6.QtWidgets import QMessageBox

    from ui import app as ui_app

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    ui_app.install_excepthook()
    ui_app._relay.dialog = None
    exc = sqlite3.OperationalError("database or disk is full")
    exc.sqlite_errorcode = 13  # SQLITE_FULL
    ui_app._excepthook(type(exc), exc, None)
    qtbot.waitUntil(lambda: ui_app._relay.dialog is not None, timeout=2000)
    box = ui_app._relay.dialog
    assert isinstance(box, QMessageBox) and "磁盘空间不足" in box.text()
    box.close()  # deleted on close: the next error must still get its dialog
    ui_app._excepthook(type(exc), exc, None)
    qtbot.waitUntil(lambda: ui_app._relay.dialog is not box, timeout=2000)
    ui_app._relay.dialog.close()
    ui_app._relay.dialog = None


def test_a_damage_found_while_open_stops_writes(qtbot, tmp_path: Path) -> None:
    """The GUI's background check found damage after a partial check at open: no more writes, anywhere."""
    from PySide6.QtWidgets import QWidget

    from cxdesk.ops import triage
    from ui import app as ui_app
    from ui.operations import OpRunner

    db = _make_store(tmp_path / "shop.sqlite3", per_batch=5)
    with open_store(db) as store:
        window = QWidget()  # stands in for the main window: _checked needs its store and a parent for the box
        window.store = store
        window.ops = OpRunner(db)  # the window's writer
        qtbot.addWidget(window)
        ui_app._checked(
            window, integrity.CheckResult(True, ("On tree page 9 cell 0: bad",), 0.1), integrity.file_state(db)
        )
        assert store.read_only
        failures: list[BaseException] = []
        window.ops.run(None, triage.set_note, [1], "x", label="保存备注", on_failure=failures.append)
        assert window.ops.wait_idle(10_000)
        assert failures and "损坏" in str(failures[0])  # the writer refuses every operation too
        window.ops.shutdown()
        with pytest.raises(sqlite3.OperationalError):
            store.conn.execute("DELETE FROM reviews")
        with pytest.raises(CorruptStoreError, match="page 9"):
            open_store(db)  # a background job's own open is refused too
        box = window.findChild(__import__("PySide6.QtWidgets").QtWidgets.QMessageBox)
        assert box is not None and "不再写入" in box.text()
    integrity.forget_checks(db)
