"""The main window: navigation, status bar, remembered state, close waits for jobs."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSize, Qt

from cxdesk.ops import BATCHES, REVIEWS, SHOPS, OpChanges
from cxdesk.store import Store, open_store
from cxdesk.tasks import TaskContext
from ui.app import create_main_window
from ui.main_window import MainWindow
from ui.settings import CURRENT_PAGE, SETTINGS_VERSION, SETTINGS_VERSION_KEY, UiSettings, settings_path
from store_helpers import add_review
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)
from ui.workers import Job

NAV_TITLES = ["总览", "导入", "评价分析", "会话", "风险", "常见问题", "客服绩效", "设置"]


def add_review_op(store: Store, ctx: object) -> OpChanges:
    """An operation (on the window's writer) that imports one review."""
    add_review(store)
    return OpChanges.of("test_import", SHOPS, BATCHES, REVIEWS, summary="已导入 1 条评价")


def make_window(qtbot, store: Store) -> MainWindow:
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    return window


def test_navigation_has_the_eight_pages_in_order(qtbot, store: Store) -> None:
    window = make_window(qtbot, store)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles == NAV_TITLES
    assert window.stack.count() == len(NAV_TITLES)


def test_clicking_an_entry_switches_the_page(qtbot, store: Store) -> None:
    window = make_window(qtbot, store)
    for row, title in enumerate(NAV_TITLES):
        item = window.nav.item(row)
        rect = window.nav.visualItemRect(item)
        qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert window.stack.currentIndex() == row
        assert window.stack.currentWidget().title == title


def test_status_bar_shows_db_path_and_counts(qtbot, store: Store) -> None:
    window = make_window(qtbot, store)
    assert str(store.path) in window.db_label.text()
    assert window.counts_label.text() == "评价 0 · 消息 0 · 会话 0"
    assert not window.synthetic_label.isVisible()
    window.ops.run(window, add_review_op, label="导入")
    assert window.ops.wait_idle()
    assert window.counts_label.text() == "评价 1 · 消息 0 · 会话 0"
    assert window.statusBar().currentMessage() == "已导入 1 条评价"
    assert not window.synthetic_label.isVisible()


def test_status_bar_marks_synthetic_data(qtbot, store: Store) -> None:
    add_review(store, synthetic=True)
    window = make_window(qtbot, store)
    assert window.synthetic_label.isVisible()
    assert window.synthetic_label.text() == "演示数据（合成）"


def test_an_operation_reaches_the_pages_that_show_what_it_changed(qtbot, store: Store, monkeypatch) -> None:
    window = make_window(qtbot, store)
    assert not hasattr(window, "sig_data_changed") and not hasattr(window, "refresh")  # no global refresh
    overview = window.pages["overview"]
    assert overview.panels.currentWidget() is overview.welcome_panel
    window.open_search()
    reloads: list[str] = []
    monkeypatch.setattr(window.search_dialog.panel, "reload_shops", lambda: reloads.append("shops"))
    monkeypatch.setattr(window.pages["import"], "refresh", lambda: reloads.append("import"))
    with qtbot.waitSignal(window.ops.sig_op_done, timeout=5000):
        window.ops.run(window, add_review_op, label="导入")
    assert overview.panels.currentWidget() is overview.summary_panel
    assert reloads == ["shops", "import"]
    # An operation that changed only what the import page does not show leaves it (and the shops) alone.
    reloads.clear()
    with qtbot.waitSignal(window.ops.sig_op_done, timeout=5000):
        window.ops.run(window, lambda store, ctx: OpChanges.of("test", REVIEWS), label="测试")
    assert reloads == []


def test_geometry_and_page_persist_across_reopen(qtbot, db_path: Path) -> None:
    with open_store(db_path) as store:
        window = make_window(qtbot, store)
        window.resize(760, 540)  # within the 800x600 offscreen screen: restore clamps
        window.show_page("risk")
        window.close()
    assert settings_path().exists()
    with open_store(db_path) as store:
        again = make_window(qtbot, store)
        assert again.size() == QSize(760, 540)
        assert again.current_page_key() == "risk"
        assert again.stack.currentWidget().title == "风险"


def test_settings_are_versioned_and_typed(qtbot) -> None:
    settings = UiSettings()
    assert SETTINGS_VERSION_KEY.get(settings) == SETTINGS_VERSION
    assert CURRENT_PAGE.get(settings) == "overview"
    settings.qsettings.setValue(SETTINGS_VERSION_KEY.key, "not a number")
    assert SETTINGS_VERSION_KEY.get(settings) == 0  # unreadable -> default


def slow_until_cancelled(ctx: TaskContext) -> None:
    while True:
        ctx.check()
        time.sleep(0.02)


def test_closing_cancels_and_waits_for_jobs(qtbot, store: Store) -> None:
    window = make_window(qtbot, store)
    called: list[str] = []
    job = Job(window, slow_until_cancelled, label="长任务").on_cancelled(lambda: called.append("x"))
    window.jobs.start("overview", job)
    assert window.jobs.running() == [job]
    window.close()
    assert not job.is_running()
    assert job.state == "discarded" and called == []


def test_startup_does_not_import_heavy_libraries(tmp_path: Path) -> None:
    """Building the whole window must not pay for matplotlib (0.6 s), pandas (1 s), scikit-learn,
    snownlp or jieba: pages load them when they first load data."""
    import subprocess
    import sys

    code = (
        "import os, sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from cxdesk.store import open_store\n"
        "from ui.app import create_main_window\n"
        "app = QApplication([])\n"
        f"store = open_store({str(tmp_path / 'x.sqlite3')!r})\n"
        "w = create_main_window(store)\n"
        "heavy = ('matplotlib', 'pandas', 'sklearn', 'snownlp', 'jieba')\n"
        "print('LOADED ' + ' '.join(m for m in heavy if m in sys.modules))\n"
        "w.jobs.shutdown(); store.close()\n"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "LOADED", out.stdout + out.stderr


def test_analyze_button_runs_the_engine_in_the_background(qtbot, store: Store) -> None:
    add_review(store)
    window = make_window(qtbot, store)
    with qtbot.waitSignal(window.ops.sig_op_done, timeout=60_000) as done:
        qtbot.mouseClick(window.analyze_button, Qt.MouseButton.LeftButton)
        assert not window.analyze_button.isEnabled()
    assert done.args[0].op == "analyze" and done.args[1] == "window"
    assert window.ops.wait_idle()
    assert window.analyze_button.isEnabled()
    assert store.results.sentiment_counts("review") == {"正面": 1}
    assert "分析完成" in window.statusBar().currentMessage()


def test_an_import_is_followed_by_analysis(qtbot, store: Store) -> None:
    window = make_window(qtbot, store)
    add_review(store)
    with qtbot.waitSignal(window.ops.sig_op_done, timeout=60_000):
        window.pages["import"].sig_import_finished.emit(object())  # what the wizard emits on success
    assert store.results.sentiment_counts("review") == {"正面": 1}


def test_the_gui_thread_reads_through_a_connection_that_cannot_write(qtbot, store: Store) -> None:
    """Issue 18 point 2: pages read on their own read-only connection; writes go through the one writer."""
    import sqlite3

    import pytest

    window = make_window(qtbot, store)
    page_store = window.pages["risk"].ctx.store
    assert page_store is window.store and page_store.conn is not store.conn
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        with page_store.transaction():
            page_store.conn.execute("INSERT INTO shops(platform, name) VALUES ('taobao', '不该写入')")
    # The writer's operation lands, and the reader sees it at once.
    window.ops.run(window, add_review_op, label="导入")
    assert window.ops.wait_idle(20_000)
    assert page_store.counts().reviews == 1
    assert store.shops.all() and all(s.name != "不该写入" for s in store.shops.all())


def test_a_file_only_operation_does_not_wait_behind_a_long_store_operation(qtbot, store: Store) -> None:
    """设置's edits touch files only: they run beside the writer while an import holds it."""
    import threading

    from cxdesk.ops import WEIGHTS, files_only

    release = threading.Event()
    order: list[str] = []

    def long_import(store: Store, ctx: object) -> OpChanges:
        release.wait(20)
        order.append("import")
        return add_review_op(store, ctx)

    @files_only
    def save_weights(store: object, ctx: object) -> OpChanges:
        order.append(f"weights on {store!r}")
        return OpChanges.of("weights", WEIGHTS)

    window = make_window(qtbot, store)
    done: list[OpChanges] = []
    window.ops.run(window, long_import, label="导入", progress=False)
    window.ops.run(window, save_weights, label="保存权重", on_done=done.append, progress=False)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)  # while the import still holds the writer
    assert order == ["weights on None"] and window.ops.is_busy()
    release.set()
    assert window.ops.wait_idle(20_000)
    assert order == ["weights on None", "import"] and window.store.counts().reviews == 1
