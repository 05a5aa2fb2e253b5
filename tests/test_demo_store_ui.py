"""The demo in the app: the user's store starts empty, the demo opens from its own file, 清除演示数据."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

import ui.app as app_module
from cxdesk.paths import default_db_path, demo_db_path
from cxdesk.store import Store, open_store
from cxdesk.tasks import TaskContext
from store_helpers import add_review
from ui.app import create_main_window
from ui.main_window import MainWindow
from ui.pages.overview import DEMO_MIXED_BANNER, DEMO_ONLY_BANNER, DEMO_STORE_BANNER
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"


class _FakeSummary:
    def describe(self) -> str:
        return "已生成合成的演示数据：测试小店。"


@pytest.fixture
def fake_builder(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Replace the demo build (covered for real in test_demo.py) by one synthetic review; the paths built."""
    import cxdesk.demo as demo_module

    built: list[Path] = []

    def build(ctx: TaskContext, db_path: Path, *, seed: int) -> _FakeSummary:
        built.append(Path(db_path))
        with open_store(db_path) as store:
            add_review(store, synthetic=True)
            with store.transaction():
                store.meta.set(demo_module.DEMO_BUILT_KEY, str(seed))
        return _FakeSummary()

    monkeypatch.setattr(demo_module, "build_demo", build)
    return built


@pytest.fixture
def analyses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record the analysis runs a window asks for instead of running them (the engine has its own tests)."""
    asked: list[Path] = []
    monkeypatch.setattr(MainWindow, "run_analysis", lambda self: asked.append(self.store.path))
    return asked


_shown: list[MainWindow] = []


@pytest.fixture(autouse=True)
def _close_windows() -> object:
    """Close the windows a test made (switching deletes the replaced ones, so qtbot.addWidget cannot)."""
    import shiboken6

    yield
    for window in _shown:
        if shiboken6.isValid(window):
            window.close()
            window.store.close()
    _shown.clear()
    app_module._windows.clear()


def _adopt(qtbot, window: MainWindow) -> MainWindow:
    _shown.append(window)
    return window


def test_first_start_opens_the_demo_and_keeps_the_users_store_empty(
    qtbot, monkeypatch: pytest.MonkeyPatch, fake_builder: list[Path], analyses: list[Path]
) -> None:
    """The README's first command: the demo's own database opens (built in the background), labelled;
    the user's store stays empty and offers 查看演示数据 / 导入数据 on its welcome page."""
    seen: dict[str, object] = {}

    def fake_exec(*_args) -> int:
        window = _adopt(qtbot, app_module._windows[-1])
        overview = window.pages["overview"]
        seen.update(
            path=window.store.path,
            page=window.current_page_key(),
            demo=window.is_demo,
            welcome=overview.panels.currentWidget() is overview.welcome_panel,
            buttons=(overview.demo_button.text(), overview.import_button.text()),
            visible=overview.demo_button.isVisible(),
            jobs=[j.label for j in window.jobs.running()],
            title=window.windowTitle(),
        )
        with qtbot.waitSignal(window.jobs.sig_job_finished, timeout=20_000, check_params_cb=lambda *a: True):
            pass
        qtbot.waitUntil(lambda: app_module._windows[-1] is not window, timeout=20_000)
        demo = _adopt(qtbot, app_module._windows[-1])
        seen.update(demo_window=(demo.is_demo, demo.store.path, "演示数据（合成" in demo.windowTitle()))
        for job in demo.jobs.running():  # the background integrity check, if any
            job.wait()
        return 0

    monkeypatch.setattr(app_module, "setup_logging", lambda: None)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert app_module.run() == 0
    assert seen["path"] == default_db_path() and seen["demo"] is False
    assert seen["page"] == "overview" and seen["welcome"] and seen["visible"]
    assert seen["buttons"] == ("查看演示数据", "导入数据")
    assert "生成演示数据" in seen["jobs"]  # type: ignore[operator]
    assert "演示" not in str(seen["title"])
    assert seen["demo_window"] == (True, demo_db_path(), True) and fake_builder == [demo_db_path()]
    with open_store(default_db_path()) as store:
        assert store.is_empty() and not store.batches.all()


def test_demo_opens_from_its_own_file_labelled_and_never_mixes_with_own_data(
    qtbot, fake_builder: list[Path], analyses: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    own = _adopt(qtbot, create_main_window(open_store(default_db_path())))
    own.show()
    assert own.demo_switch_button.text() == "查看演示数据"
    with qtbot.waitSignal(own.jobs.sig_job_finished, timeout=20_000):
        own.pages["overview"].demo_button.click()
    assert fake_builder == [demo_db_path()]
    demo = _adopt(qtbot, app_module._windows[-1])
    assert demo is not own and demo.is_demo and demo.store.path == demo_db_path()
    assert analyses == [demo_db_path()]
    # Labelled: title, banner with 返回我的数据, status bar.
    assert "演示数据（合成" in demo.windowTitle()
    overview = demo.pages["overview"]
    assert overview.panels.currentWidget() is overview.summary_panel
    assert overview.synthetic_banner.isVisible() and overview.synthetic_banner.text() == DEMO_STORE_BANNER
    assert overview.banner_button.text() == "返回我的数据"
    assert demo.synthetic_label.isVisible() and demo.demo_switch_button.text() == "返回我的数据"
    assert overview.demo_summary_label.text() == _FakeSummary().describe()
    with open_store(default_db_path()) as store:  # the user's store got nothing
        assert store.is_empty() and not store.batches.all()

    # 导入 while the demo is open asks first; staying keeps the demo and the page shown.
    monkeypatch.setattr(MainWindow, "ask_switch_for_import", lambda self: False)
    demo.show_page("import")
    assert app_module._windows[-1] is demo and demo.current_page_key() == "overview"
    assert demo.nav.currentRow() == demo.page_keys().index("overview")
    # Switching goes to the user's store, on 导入.
    monkeypatch.setattr(MainWindow, "ask_switch_for_import", lambda self: True)
    demo.show_page("import")
    back = _adopt(qtbot, app_module._windows[-1])
    assert back is not demo and not back.is_demo and back.store.path == default_db_path()
    assert back.current_page_key() == "import" and "演示" not in back.windowTitle()

    # The demo is built once: opening it again only switches.
    back.demo_switch_button.click()
    again = _adopt(qtbot, app_module._windows[-1])
    assert again.is_demo and fake_builder == [demo_db_path()]
    # 返回我的数据 from the banner.
    again.pages["overview"].banner_button.click()
    assert _adopt(qtbot, app_module._windows[-1]).store.path == default_db_path()


def _store_with_demo_and_own_reviews(path: Path) -> Store:
    from cxdesk.importers import import_file

    store = open_store(path)
    # What an older version put in on a first start (any export loaded as synthetic stands for it here).
    import_file(
        TaskContext(), store, FIXTURES / "orders.csv", kind="orders", platform="taobao", shop="演示小店", synthetic=True
    )
    import_file(
        TaskContext(), store, FIXTURES / "seller_reviews.csv", kind="reviews", platform="taobao", shop="我的小店"
    )
    return store


def test_clear_demo_from_the_banner_keeps_the_users_rows(
    qtbot, db_path: Path, analyses: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store_with_demo_and_own_reviews(db_path)
    own_rows = store.conn.execute(
        "SELECT review_key, content FROM reviews WHERE batch_id = (SELECT MAX(id) FROM import_batches)"
    ).fetchall()
    window = _adopt(qtbot, create_main_window(store))
    window.show()
    overview = window.pages["overview"]
    assert overview.synthetic_banner.isVisible() and overview.synthetic_banner.text() == DEMO_MIXED_BANNER
    assert overview.banner_button.text() == "清除演示数据…"
    asked: list[tuple[int, int]] = []

    monkeypatch.setattr(
        type(overview), "confirm_clear_demo", lambda self, rows, own: asked.append((rows, own)) or False
    )
    assert overview.clear_demo() is False  # said no: nothing changes
    demo_rows = store.counts().orders
    assert store.batches.any_synthetic() and demo_rows > 0 and asked == [(demo_rows, 1)]

    monkeypatch.setattr(type(overview), "confirm_clear_demo", lambda self, rows, own: True)
    with qtbot.waitSignal(window.ops.sig_op_done, timeout=20_000) as done:
        overview.banner_button.click()
    assert done.args[0].op == "demo_clear" and done.args[1] == "overview"
    assert window.ops.wait_idle() and overview.banner_button.isEnabled()
    assert not store.batches.any_synthetic() and store.counts().orders == 0
    assert sorted(store.conn.execute("SELECT review_key, content FROM reviews").fetchall()) == sorted(own_rows)
    assert not overview.banner_frame.isVisible() and not window.synthetic_label.isVisible()
    assert "已清除演示数据" in window.statusBar().currentMessage()
    assert analyses == [store.path]
    store.close()


def test_a_store_holding_only_the_demo_offers_to_clear_it(qtbot, store: Store) -> None:
    add_review(store, synthetic=True)
    window = _adopt(qtbot, create_main_window(store))
    window.show()
    overview = window.pages["overview"]
    assert overview.synthetic_banner.text() == DEMO_ONLY_BANNER
    assert overview.synthetic_banner.text().startswith("当前为演示数据（合成），仅供体验")
    assert overview.banner_button.text() == "清除演示数据…" and not window.is_demo


def test_back_from_the_demo_returns_to_the_store_that_was_open(
    qtbot, db_path: Path, fake_builder: list[Path], analyses: list[Path]
) -> None:
    """``--db OTHER``, then 查看演示数据 and 返回我的数据 (the button under the page list): back on OTHER."""
    first = _adopt(qtbot, create_main_window(open_store(db_path)))
    first.show()
    with qtbot.waitSignal(first.jobs.sig_job_finished, timeout=20_000):
        first.demo_switch_button.click()
    demo = _adopt(qtbot, app_module._windows[-1])
    assert demo.is_demo and demo.demo_switch_button.text() == "返回我的数据"
    demo.demo_switch_button.click()
    back = _adopt(qtbot, app_module._windows[-1])
    assert back.store.path == db_path and not back.is_demo and back.current_page_key() == "overview"
    assert not default_db_path().exists()
