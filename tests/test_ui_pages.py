"""Pages: 总览 on empty and filled stores, honest empty states, 设置, app start-up."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

from cxdesk.paths import data_dir
from cxdesk.store import Store, open_store
from ui.app import create_main_window
from ui.main_window import MainWindow
from store_helpers import add_review
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)
from ui.widgets.error_dialog import ErrorDialog

EMPTY_STATE_TITLES = {}
# Digits that are part of a metric's name, not a figure.
ALLOWED_DIGIT_PHRASES = ("3分钟",)


@pytest.fixture
def window(qtbot, store: Store) -> MainWindow:
    w = create_main_window(store)
    qtbot.addWidget(w)
    w.show()
    return w


def test_empty_overview_offers_demo_and_import(window: MainWindow) -> None:
    overview = window.pages["overview"]
    assert overview.panels.currentWidget() is overview.welcome_panel
    assert overview.demo_button.text() == "查看演示数据" and overview.demo_button.isVisible()
    overview.import_button.click()
    assert window.current_page_key() == "import"


def test_overview_shows_real_counts(qtbot, store: Store) -> None:
    add_review(store)
    w = create_main_window(store)
    qtbot.addWidget(w)
    w.show()
    overview = w.pages["overview"]
    assert overview.panels.currentWidget() is overview.summary_panel
    assert overview.cards["reviews"].value_label.text() == "1"
    assert overview.cards["shops"].value_label.text() == "1"
    assert overview.cards["chat_messages"].value_label.text() == "0"
    assert "测试小店（淘宝/天猫）" in overview.shops_label.text()
    assert not overview.synthetic_banner.isVisible()


def test_overview_marks_synthetic_data(qtbot, store: Store) -> None:
    add_review(store, synthetic=True)
    w = create_main_window(store)
    qtbot.addWidget(w)
    w.show()
    banner = w.pages["overview"].synthetic_banner
    assert banner.isVisible() and "当前为演示数据（合成），仅供体验" in banner.text()


# Opening the demo (its own database), clearing a demo from a user's store: tests/test_demo_store_ui.py.


def _label_texts(widget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel)]


@pytest.mark.parametrize("with_data", [False, True])
def test_pages_under_construction_show_no_figures(qtbot, store: Store, with_data: bool) -> None:
    if with_data:
        add_review(store)
    w = create_main_window(store)
    qtbot.addWidget(w)
    w.show()
    for key, title in EMPTY_STATE_TITLES.items():
        w.show_page(key)
        page = w.pages[key]
        assert page.empty_state.title_label.text() == title
        assert page.empty_state.title_label.isVisible()
        for text in _label_texts(page):
            for phrase in ALLOWED_DIGIT_PHRASES:
                text = text.replace(phrase, "")
            assert not re.search(r"\d", text), f"{key}: {text!r}"
        # With data, the page says the feature is what is missing, not the data.
        how_to = page.empty_state.how_to_label.text()
        assert ("还在开发中" in how_to) == with_data, how_to
        assert page.action_button.isVisible() == (not with_data)


def test_empty_state_button_goes_to_import(window: MainWindow) -> None:
    window.show_page("risk")
    window.pages["risk"].action_button.click()
    assert window.current_page_key() == "import"


def test_settings_page_shows_paths_and_opens_folders(window: MainWindow, store: Store) -> None:
    page = window.pages["settings"]
    texts = _label_texts(page)
    assert str(store.path) in texts
    assert str(store.schema_version) in texts
    opened: list[QUrl] = []
    page.open_url = opened.append
    page.findChild(QPushButton, "open_data").click()
    assert opened == [QUrl.fromLocalFile(str(data_dir()))]


def test_run_refuses_a_bad_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import ui.app as app_module

    bad = tmp_path / "not-a-db.sqlite3"
    bad.write_text("这不是数据库", encoding="utf-8")
    shown: list[str] = []
    monkeypatch.setattr(app_module, "setup_logging", lambda: None)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert app_module.run(str(bad)) == 1
    assert shown and "不是 cxdesk 数据库文件" in shown[0]
    assert bad.read_text(encoding="utf-8") == "这不是数据库"


def test_global_excepthook_logs_and_shows_dialog(
    qtbot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import threading

    import ui.app as app_module

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    app_module.install_excepthook()
    try:
        raise RuntimeError("未捕获的测试异常")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    relay = app_module._relay
    qtbot.waitUntil(lambda: relay.dialog is not None and relay.dialog.isVisible(), timeout=2000)
    dialog = relay.dialog
    assert isinstance(dialog, ErrorDialog)
    assert "未捕获的测试异常" in dialog.details_edit.toPlainText()
    assert "未处理的异常" in caplog.text
    dialog.close()


def test_chart_widget_sets_up_cjk_font(qtbot) -> None:
    from matplotlib.figure import Figure

    from cxdesk.fonts import CJK_FAMILY
    from ui.widgets.chart_widget import ChartWidget

    figure = Figure(figsize=(3, 2))
    figure.add_subplot().bar(["好评", "差评"], [3, 1])
    chart = ChartWidget(figure)
    qtbot.addWidget(chart)
    import matplotlib

    assert matplotlib.rcParams["font.sans-serif"][0] == CJK_FAMILY
    assert chart.canvas is not None and chart.toolbar is not None


def test_screenshot_script_renders_every_page(tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    from ui.screenshot import render

    written = render(tmp_path / "shots", tmp_path / "shot.sqlite3")
    assert [p.stem for p in written] == [
        "overview",
        "import",
        "reviews",
        "sessions",
        "risk",
        "faq",
        "agents",
        "settings",
    ]
    image = QImage(str(written[0]))
    assert (image.width(), image.height()) == (1280, 800)


def test_settings_page_shows_the_active_sentiment_model_per_shop(qtbot, analysed_demo_db: Path) -> None:
    with open_store(analysed_demo_db) as store:
        w = create_main_window(store)
        qtbot.addWidget(w)
        text = w.pages["settings"].models_label.text()
        w.close()
    assert text.startswith("内置模型 sentiment-v1")
    assert text.count("本店校准模型") == 2 and "准确率" in text and "%" in text
