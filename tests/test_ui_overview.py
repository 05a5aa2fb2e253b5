"""总览 in the window: tiles and chart elements open the page behind them with the matching filter."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from cxdesk.store import Store
from cxdesk.store.voc import VocFilter
from ui.app import create_main_window
from ui.main_window import MainWindow
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)

from tests.test_dashboard import _flag, _reviews


@pytest.fixture(params=["gui_thread", "background"])
def window(request, qtbot, monkeypatch, store: Store) -> MainWindow:
    """The window on a small store; ``background``: as on a big one, the figures read and drawn in jobs."""
    if request.param == "background":
        monkeypatch.setattr("ui.pages.overview.BACKGROUND_MIN_ROWS", 0)
        monkeypatch.setattr("ui.pages.overview_view.load_dashboard", _not_on_the_gui_thread)
    ids = _reviews(
        store,
        "小店",
        [
            ("2024-06-01 09:00:00", 5, "正面", 0.9),
            ("2024-06-30 10:00:00", 1, "负面", 0.1),
            ("2024-05-20 08:00:00", 2, "负面", 0.2),
        ],
    )
    _flag(store, ids[1], "高")
    w = create_main_window(store)
    qtbot.addWidget(w)
    w.resize(1366, 728)
    w.show()
    return w


def _not_on_the_gui_thread(*_args):
    raise AssertionError("a big store's dashboard is read in a job, never on the GUI thread")


def test_dashboard_shows_the_period_against_the_previous_one(qtbot, window: MainWindow) -> None:
    dash = window.pages["overview"].dashboard
    qtbot.waitUntil(dash.is_loaded)
    assert dash.filter_bar.filter().date_to == date(2024, 6, 30)  # presets end at the newest data
    tile = dash.tile("reviews")
    assert tile.value_label.text() == "2" and tile.delta_label.text() == "较上期 +100%"
    assert dash.tile("risk_high").value_label.text() == "1"
    assert dash.tile("faq").value_label.text() == "常见问题尚未分析"
    assert dash.sentiment_chart.figure is not None and dash.risk_chart.figure is not None
    assert "2024-06-01 至 2024-06-30" in dash.period_label.text()


def test_negative_tile_opens_the_reviews_with_that_filter(qtbot, window: MainWindow) -> None:
    dash = window.pages["overview"].dashboard
    qtbot.waitUntil(dash.is_loaded)
    qtbot.mouseClick(dash.tile("negative"), Qt.MouseButton.LeftButton)
    assert window.current_page_key() == "reviews"
    flt = window.pages["reviews"].filter_bar.filter()
    assert flt == VocFilter(date_from=date(2024, 6, 1), date_to=date(2024, 6, 30), polarity="负面")


def test_risk_tile_and_risk_bar_open_the_risk_queue(qtbot, window: MainWindow) -> None:
    dash = window.pages["overview"].dashboard
    qtbot.waitUntil(dash.is_loaded)
    with qtbot.waitSignal(window.pages["risk"].sig_loaded):  # 风险 queries its queue in the background
        dash.tile("risk_high").activate()
    assert window.current_page_key() == "risk"
    flt = window.pages["risk"].filter_bar.filter()
    assert flt.levels == ("高",) and flt.date_from == "2024-06-01" and flt.date_to == "2024-06-30"
    assert window.pages["risk"].model.rowCount() == 1
    window.show_page("overview")
    dash.risk_chart.sig_picked.emit("risk:2024-06-30:高")
    flt = window.pages["risk"].filter_bar.filter()
    assert window.current_page_key() == "risk" and (flt.date_from, flt.date_to) == ("2024-06-30", "2024-06-30")


def test_a_shop_filter_survives_the_reviews_page_first_load(qtbot, window: MainWindow, store: Store) -> None:
    shop_id = store.shops.all()[0].id
    assert window.open_page("reviews", filter=VocFilter(shop_id=shop_id, date_from=date(2024, 6, 1)))
    assert window.pages["reviews"].filter_bar.filter().shop_id == shop_id
    assert not window.open_page("nope")


def test_changing_the_period_reloads(qtbot, window: MainWindow) -> None:
    dash = window.pages["overview"].dashboard
    qtbot.waitUntil(dash.is_loaded)
    dash.filter_bar.set_period(90)
    qtbot.waitUntil(dash.is_loaded)
    assert dash.data.filter.days == 90 and dash.tile("reviews").value_label.text() == "3"
    assert dash.data.bucket == "week"


def test_export_report_writes_the_file(qtbot, window: MainWindow, tmp_path: Path) -> None:
    from cxdesk.reports.build import ReportParams

    overview = window.pages["overview"]
    qtbot.waitUntil(overview.dashboard.is_loaded)
    out = tmp_path / "周报.html"
    window.hide()  # no message box
    with qtbot.waitSignal(overview.sig_report_written, timeout=60_000):
        overview.start_report(ReportParams(date(2024, 6, 1), date(2024, 6, 30), out))
    qtbot.waitUntil(lambda: overview.dashboard.export_button.isEnabled())
    assert out.exists() and "评价与客服报告" in out.read_text("utf-8")
    assert overview.last_report.masked


def test_charts_wait_while_the_user_is_on_another_page(qtbot, store: Store) -> None:
    """Leaving 总览 before its charts are drawn (the window opens on it) leaves them undrawn until it is shown
    again: ~0.2 s of matplotlib nobody would see."""
    _reviews(store, "小店", [("2024-06-01 09:00:00", 5, "正面", 0.9), ("2024-06-30 10:00:00", 1, "负面", 0.1)])
    w = create_main_window(store)
    qtbot.addWidget(w)
    w.show()
    w.show_page("sessions")  # before the charts' turn of the event loop
    dash = w.pages["overview"].dashboard
    qtbot.wait(100)
    assert dash.data is not None and dash.sentiment_chart.figure is None and not dash.is_loaded()
    w.show_page("overview")
    qtbot.waitUntil(dash.is_loaded)
    assert dash.sentiment_chart.figure is not None and dash.risk_chart.figure is not None
