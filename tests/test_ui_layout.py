"""Layout at the default window size (issue 17, point 6): nothing cut, the lists' text readable.

One small analysed store (two shops, two sessions with risks, one review;
no FAQ yet, so 常见问题 shows its empty state), one window at 1200×700,
every page shown in turn and checked by :func:`ui.layout_check.find_problems`
(buttons whose text or menu arrow does not fit, labels running past their
parent, narrow columns cutting 「中 43」, a list with a text column that
scrolls sideways, a main list's text column below its minimum), then the
cases the issue named one by one. ``python -m ui.layout_check`` renders the
same checks to PNGs at more sizes and scales.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication

from cxdesk.store import Store
from store_helpers import add_review
from test_ui_risk import flagged, template  # noqa: F401, F811  (the risk page's analysed store, reused)
from ui.app import create_main_window
from ui.layout_check import find_problems, text_columns
from ui.main_window import MainWindow
from ui.models.session_list_model import COLUMN_KEYS
from ui.pages.faq import NO_FAQ_WITH_DATA
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)
from ui.workers import active_jobs

SIZE = (1200, 700)  # MainWindow.DEFAULT_SIZE


@pytest.fixture
def window(qtbot, flagged: Store) -> MainWindow:  # noqa: F811  (the fixture imported above)
    w = create_main_window(flagged)
    qtbot.addWidget(w)
    w.resize(*SIZE)
    w.show()
    return w


def _show(qtbot, window: MainWindow, key: str):
    window.show_page(key)
    qtbot.waitUntil(lambda: not active_jobs(), timeout=30_000)
    for _ in range(3):
        QApplication.processEvents()
    return window.pages[key]


def test_no_page_cuts_text_at_default_size(qtbot, window: MainWindow) -> None:
    problems = []
    for key in window.page_keys():
        _show(qtbot, window, key)
        problems += [str(p) for p in find_problems(window, key)]
    assert problems == []


def test_review_text_column_is_readable(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window, "reviews")
    assert page.model.rowCount() == 1
    [(column, width)] = text_columns(page.view)
    assert page.model.headerData(column, page.view.horizontalHeader().orientation()) == "内容"
    assert width >= 300  # ~22 characters, not 8
    # Widening the window gives the optional columns (店铺, SKU) back.
    hidden = page.column_keeper.hidden()
    window.resize(1920, 1000)
    _show(qtbot, window, "reviews")
    assert hidden and page.column_keeper.hidden() == []
    assert text_columns(page.view)[0][1] >= 300


def test_session_risk_column_and_status_button_fit(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window, "sessions")
    view = page.view
    risk = COLUMN_KEYS.index("risk")
    right = view.columnViewportPosition(risk) + view.columnWidth(risk)
    assert view.columnViewportPosition(risk) >= 0 and right <= view.viewport().width()
    view.selectRow(0)
    qtbot.waitUntil(lambda: page.detail.session_id is not None, timeout=30_000)
    button = page.detail.status_button  # 「设置状态」 with its menu arrow beside the text, not over it
    assert button.isVisible() and button.width() >= button.sizeHint().width()
    assert not [p for p in find_problems(window, "sessions") if p.kind == "菜单箭头压住文字"]


def test_faq_empty_state_wraps_inside_the_window(qtbot, store: Store) -> None:
    add_review(store)  # data, but no chats: 常见问题 says what to do, in its empty state
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    page = _show(qtbot, window, "faq")
    assert page.stack.currentWidget() is page.empty_state
    label = page.empty_state.how_to_label
    assert label.text() == NO_FAQ_WITH_DATA and label.wordWrap()
    rect = QRect(label.mapTo(window, QPoint(0, 0)), label.size())
    assert window.rect().contains(rect)
    # The whole sentence is laid out: its wrapped height fits the label's width.
    assert label.height() >= label.heightForWidth(label.width())


def test_the_first_window_fits_a_scaled_laptop_screen() -> None:
    from PySide6.QtCore import QSize

    from ui.main_window import DEFAULT_SIZE, default_size

    assert default_size(None) == DEFAULT_SIZE
    assert default_size(QSize(1920, 1040)) == DEFAULT_SIZE
    small = default_size(QSize(1093, 584))  # 1366×768 at 125 %, taskbar taken off
    assert small.width() <= 1093 and small.height() <= 584 and small.width() > 1000
