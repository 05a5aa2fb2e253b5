"""评价分析 page on the analysed demo shop: counts, filters, chart clicks, detail, aspect panels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from cxdesk.analysis.star_drivers import drivers_for
from cxdesk.errors import CxdeskError
from cxdesk.store import Store, open_store
from cxdesk.store.voc import VocFilter
from store_helpers import add_review
from ui.pages.base import PageContext
from ui.pages.reviews import DRIVER_BAD_RATINGS, NOT_ANALYSED, SHIFT_TAB, ReviewsPage
from ui.pages.reviews_voc._panels import ASPECTS_NOT_RUN, DRIVER_TAB, DRIVERS_NOT_RUN
from ui.pages.reviews_voc._shifts import SHIFT_NOT_RUN
from ui.widgets.review_detail import POLARITY_BACKGROUND
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)
from ui.operations import OpRunner
from ui.workers import JobRunner

LOAD_TIMEOUT = 30_000


@pytest.fixture
def demo_store(analysed_demo_db: Path) -> Store:
    """A private copy of the analysed demo shop (built and analysed once per run: tests/_demo_cache.py)."""
    store = open_store(analysed_demo_db)
    yield store
    store.close()


def _page(qtbot, store: Store) -> ReviewsPage:
    ctx = PageContext(store, JobRunner(), navigate=lambda key: None, ops=OpRunner(store.path))
    page = ReviewsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 760)
    return page


def _load(qtbot, page: ReviewsPage, trigger: Callable[[], None]) -> None:
    """Run ``trigger`` and wait for the three background jobs (list, charts, emerging complaints)."""
    with qtbot.waitSignals([page.sig_loaded, page.sig_charts_loaded, page.sig_emerging_loaded], timeout=LOAD_TIMEOUT):
        trigger()


@pytest.fixture
def page(qtbot, demo_store: Store) -> ReviewsPage:
    page = _page(qtbot, demo_store)
    _load(qtbot, page, page.show)
    return page


@pytest.fixture
def bare_store(demo_store: Store) -> Store:
    """The demo shop as it is before the aspect stage (whether or not ``analyze`` runs it)."""
    with demo_store.transaction() as conn:
        conn.execute("DELETE FROM review_aspects")
        conn.execute("DELETE FROM review_text_state")
    return demo_store


@pytest.fixture
def bare_page(qtbot, bare_store: Store) -> ReviewsPage:
    page = _page(qtbot, bare_store)
    _load(qtbot, page, page.show)
    return page


def _all_rows(qtbot, page: ReviewsPage) -> list:
    """Scroll to the end: every further page is loaded in the background, one at a time."""
    while page.model.canFetchMore():
        with qtbot.waitSignal(page.model.sig_rows_arrived, timeout=LOAD_TIMEOUT):
            page.model.fetchMore()
            assert page.model.loading and not page.model.canFetchMore()  # asked once, not per scroll event
    return [page.model.review(i) for i in range(page.model.rowCount())]


def test_page_shows_every_demo_review(qtbot, page: ReviewsPage) -> None:
    assert page.model.total == 1500
    assert page.count_label.text() == "全部 1,500 条评价"
    assert page.model.rowCount() < 1500  # lazy: one page so far
    assert len(_all_rows(qtbot, page)) == 1500
    assert not page.notice.isVisible()
    assert page.emerging_panel.period_label.text()  # computed, even if nothing rose


def test_sorting_reloads_in_sql_order(qtbot, page: ReviewsPage) -> None:
    rating_column = 4
    with qtbot.waitSignal(page.sig_loaded, timeout=LOAD_TIMEOUT):
        page.view.sortByColumn(rating_column, Qt.SortOrder.AscendingOrder)
    assert page.model.sort_key == ("rating", False)
    ratings = [row.rating for row in _all_rows(qtbot, page)]
    assert len(ratings) == 1500 and ratings == sorted(ratings)


def test_rating_filter_matches_the_store(qtbot, page: ReviewsPage, demo_store: Store) -> None:
    expected = demo_store.conn.execute("SELECT COUNT(*) FROM reviews WHERE rating IN (1, 2)").fetchone()[0]
    page.filter_bar.rating_buttons[1].setChecked(True)
    _load(qtbot, page, lambda: page.filter_bar.rating_buttons[2].setChecked(True))  # debounced: one query
    assert page.model.total == expected > 0
    assert {row.rating for row in _all_rows(qtbot, page)} == {1, 2}
    assert page.count_label.text() == f"筛选出 {expected:,} 条评价（共 1,500 条）"


def _click_artist(canvas, gid: str) -> None:
    """Press the mouse on the centre of the artist with ``gid`` (matplotlib's own pick path)."""
    from matplotlib.backend_bases import MouseButton, MouseEvent

    canvas.draw()
    artist = next(a for ax in canvas.figure.axes for a in ax.patches if a.get_gid() == gid)
    box = artist.get_window_extent()
    x, y = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    MouseEvent("button_press_event", canvas, x, y, button=MouseButton.LEFT)._process()


def test_clicking_the_one_star_bar_filters_the_list(qtbot, page: ReviewsPage, demo_store: Store) -> None:
    canvas = page.charts.rating_chart.canvas
    _load(qtbot, page, lambda: _click_artist(canvas, "rating:1"))
    assert page.filter_bar.filter().ratings == (1,)
    assert page.filter_bar.rating_buttons[1].isChecked()
    assert page.model.total == demo_store.voc.count(VocFilter(ratings=(1,))) == 80
    assert {row.rating for row in _all_rows(qtbot, page)} == {1}


def test_clicking_a_week_filters_to_that_week(qtbot, page: ReviewsPage) -> None:
    first_week = page.chart_data.trend[3]
    canvas = page.charts.trend_chart.canvas
    _load(qtbot, page, lambda: _click_artist(canvas, f"week:{first_week.week_start.isoformat()}"))
    flt = page.filter_bar.filter()
    assert flt.date_from == first_week.week_start and (flt.date_to - flt.date_from).days == 6
    assert all(
        flt.date_from.isoformat() <= row.created_at[:10] <= flt.date_to.isoformat() for row in _all_rows(qtbot, page)
    )


def test_selecting_a_review_shows_its_text_and_reply(page: ReviewsPage, demo_store: Store) -> None:
    row_no = next(i for i in range(page.model.rowCount()) if page.model.review(i).has_reply)
    review = page.model.review(row_no)
    page.select_row(row_no)
    shown = page.detail.toPlainText()
    reply = demo_store.conn.execute("SELECT seller_reply FROM reviews WHERE id = ?", (review.id,)).fetchone()[0]
    assert review.content.split("\n")[0] in shown
    assert "商家回复" in shown and reply in shown


def _visible_note(widget: QWidget) -> bool:
    return widget.isVisibleTo(widget.window())


def test_aspect_panels_are_honest_then_show_bars(qtbot, bare_page: ReviewsPage, bare_store: Store) -> None:
    page, demo_store = bare_page, bare_store
    charts = page.charts
    charts.setCurrentIndex(1)
    assert charts.aspect_stack.currentWidget() is charts.aspect_note
    assert charts.heat_stack.currentWidget() is charts.heat_note
    assert charts.aspect_note.text() == ASPECTS_NOT_RUN and "方面分析尚未运行" in ASPECTS_NOT_RUN
    assert page.emerging.kind == "keyword"
    ids = [r[0] for r in demo_store.conn.execute("SELECT id FROM reviews ORDER BY id LIMIT 6")]
    with demo_store.transaction() as conn:
        for n, review_id in enumerate(ids):
            conn.execute(
                "INSERT INTO review_aspects(review_id, aspect, opinion, polarity, span_start, span_end, "
                "rules_version) VALUES (?, ?, NULL, ?, 0, 2, 'test')",
                (review_id, "物流" if n % 2 else "质量", "负面" if n < 3 else "正面"),
            )
    _load(qtbot, page, page.refresh)
    assert charts.aspect_stack.currentWidget() is charts.aspect_chart
    assert charts.heat_stack.currentWidget() is charts.heat_view
    gids = {a.get_gid() for ax in charts.aspect_chart.figure.axes for a in ax.patches}
    assert {"aspect:物流:负面", "aspect:质量:正面"} <= gids
    assert page.emerging.kind == "aspect"
    _load(qtbot, page, lambda: _click_artist(charts.aspect_chart.canvas, "aspect:质量:负面"))
    assert page.model.total == 2  # reviews 1 and 3 of the six carry a negative 质量 mention
    page.select_row(0)
    assert "质量" in page.detail.toPlainText()  # the aspect chip under the text
    _load(qtbot, page, lambda: charts.heat_view.clicked.emit(charts.heat_model.index(0, 0)))
    assert page.filter_bar.filter().product is not None and page.filter_bar.filter().polarity is None


def test_driver_tab_loads_when_opened_and_clicks_filter(qtbot, page: ReviewsPage, demo_store: Store) -> None:
    charts = page.charts
    assert page.drivers is None  # not computed while the tab is closed
    with qtbot.waitSignal(page.sig_drivers_loaded, timeout=LOAD_TIMEOUT):
        charts.setCurrentIndex(DRIVER_TAB)
    assert page.drivers == drivers_for(demo_store.voc, VocFilter())
    assert charts.driver_stack.currentWidget() is charts.driver_view
    assert charts.driver_model.rowCount() == len(page.drivers.drivers) > 0
    assert "条差评" in charts.driver_summary.text()
    top = page.drivers.towards_bad()[0]
    row = page.drivers.drivers.index(top)
    assert charts.driver_model.index(row, 2).data() == top.ratio_text()
    # A complaint row lists the 差评 that make it; the drivers themselves are not computed again.
    with qtbot.assertNotEmitted(page.sig_drivers_loaded, wait=200):
        _load(qtbot, page, lambda: charts.driver_view.clicked.emit(charts.driver_model.index(row, 0)))
    flt = page.filter_bar.filter()
    assert (flt.aspect, flt.polarity, flt.ratings) == (top.aspect, "负面", DRIVER_BAD_RATINGS)
    assert page.model.total == top.bad_with
    # A shop is another comparison: computed again, for that shop only.
    shop = demo_store.shops.all()[0]
    with qtbot.waitSignal(page.sig_drivers_loaded, timeout=LOAD_TIMEOUT):
        page.filter_bar.set_filter(flt.changed(shop_id=shop.id))
    assert page.drivers == drivers_for(demo_store.voc, VocFilter(shop_id=shop.id))
    assert page.drivers.n_bad < drivers_for(demo_store.voc, VocFilter()).n_bad


def test_driver_tab_says_why_when_the_computation_fails(qtbot, page: ReviewsPage, monkeypatch) -> None:
    import ui.pages.reviews as reviews_module

    def broken(ctx, db_path, flt):
        raise CxdeskError("数据库被锁定")

    monkeypatch.setattr(reviews_module, "load_drivers", broken)
    with qtbot.waitSignal(page.sig_drivers_loaded, timeout=LOAD_TIMEOUT):
        page.charts.setCurrentIndex(DRIVER_TAB)
    assert page.charts.driver_note.text() == "差评原因没有算出来：数据库被锁定"
    assert page.charts.driver_stack.currentWidget() is page.charts.driver_note
    monkeypatch.undo()  # opened again, it tries again
    page.charts.setCurrentIndex(0)
    with qtbot.waitSignal(page.sig_drivers_loaded, timeout=LOAD_TIMEOUT):
        page.charts.setCurrentIndex(DRIVER_TAB)
    assert page.drivers is not None and page.charts.driver_stack.currentWidget() is page.charts.driver_view


def test_driver_tab_before_the_aspect_stage(qtbot, bare_page: ReviewsPage) -> None:
    with qtbot.waitSignal(bare_page.sig_drivers_loaded, timeout=LOAD_TIMEOUT):
        bare_page.charts.setCurrentIndex(DRIVER_TAB)
    charts = bare_page.charts
    assert bare_page.drivers is None
    assert charts.driver_stack.currentWidget() is charts.driver_note and charts.driver_note.text() == DRIVERS_NOT_RUN


def test_empty_store_shows_the_empty_state(qtbot, store: Store) -> None:
    page = _page(qtbot, store)
    page.show()
    assert page.stack.currentWidget() is page.empty_state
    assert page.empty_state.title_label.text() == "还没有评价分析结果"


def test_unanalysed_reviews_say_so(qtbot, store: Store) -> None:
    add_review(store)
    page = _page(qtbot, store)
    _load(qtbot, page, page.show)
    assert page.notice.isVisible() and page.notice.text() == NOT_ANALYSED
    assert "尚未分析，点左下角「分析数据」" in NOT_ANALYSED
    assert page.model.total == 1
    assert page.model.data(page.model.index(0, 5)) == "未分析"


def _mark_shifts(store: Store, how_many: int) -> list[tuple[int, str]]:
    """What the aspect stage writes for 追评 shifts: text state for every review, an append clause each.

    Returns (review id, 追评 text) of the shifted reviews.
    """
    rows = store.conn.execute(
        "SELECT id, append_content FROM reviews WHERE length(COALESCE(append_content, '')) >= 6 ORDER BY id LIMIT ?",
        (how_many,),
    ).fetchall()
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO review_text_state(review_id, rules_version, content_hash, shift) "
            "SELECT id, 'test', 'h', 0 FROM reviews"
        )
        for review_id, _text in rows:
            conn.execute(
                "UPDATE review_text_state SET shift = 1, append_label = '负面', append_score = 0.05 "
                "WHERE review_id = ?",
                (review_id,),
            )
            conn.execute(
                "INSERT INTO review_aspects(review_id, aspect, opinion, polarity, span_start, span_end, "
                "rules_version, part, clause_start, clause_end) "
                "VALUES (?, '质量', NULL, '负面', 2, 4, 'test', 'append', 0, 6)",
                (review_id,),
            )
    return [(r[0], r[1]) for r in rows]


def test_shift_tab_and_filter_before_the_aspect_stage(bare_page: ReviewsPage) -> None:
    page = bare_page
    assert page.list_tabs.tabText(SHIFT_TAB) == "追评转差（未运行）"
    assert page.shift_list.stack.currentWidget() is page.shift_list.note
    assert page.shift_list.note.text() == SHIFT_NOT_RUN and "方面分析尚未运行" in SHIFT_NOT_RUN
    assert not page.filter_bar.shift_check.isEnabled()


def test_shifted_reviews_are_listed_filtered_and_highlighted(qtbot, bare_page: ReviewsPage, bare_store: Store) -> None:
    page = bare_page
    shifted = _mark_shifts(bare_store, 3)
    assert len(shifted) == 3
    _load(qtbot, page, page.refresh)
    assert page.list_tabs.tabText(SHIFT_TAB) == "追评转差（3）"
    assert page.filter_bar.shift_check.isEnabled()
    shifts = page.shift_list.model
    assert shifts.total == 3 and {shifts.shift(i).id for i in range(3)} == {i for i, _ in shifted}
    assert shifts.data(shifts.index(0, 4)) == "负面 0.05"  # the 追评's own sentiment
    assert shifts.data(shifts.index(0, 3)) != "—"  # and its date
    first = shifts.shift(0)
    assert (
        shifts.data(shifts.index(0, 1)).startswith(first.label)
        and shifts.data(shifts.index(0, 0)) == first.created_at[:10]
    )
    # The check box narrows the main list (and the charts) to the same reviews.
    _load(qtbot, page, lambda: page.filter_bar.shift_check.setChecked(True))
    assert page.filter_bar.filter().shift_only
    assert page.model.total == 3 and all(row.shift for row in _all_rows(qtbot, page))
    assert page.model.data(page.model.index(0, 6)).startswith("〔追评转差〕")
    # Selecting a shifted review shows the 追评 with its clause highlighted and the opinion emphasised.
    page.list_tabs.setCurrentIndex(SHIFT_TAB)
    page.shift_list.select_row(0)
    review_id = shifts.shift(0).id
    text = dict(shifted)[review_id]
    shown = page.detail.toPlainText()
    assert "追评" in shown and "负面（0.05）" in shown and "追评转差" in shown
    html = page.detail.toHtml()
    assert text[2:4] in shown and page.detail.detail.id == review_id
    assert _highlight_colour(html, text[2:4]) == POLARITY_BACKGROUND["负面"].lower()


def _highlight_colour(html: str, fragment: str) -> str | None:
    """Background colour of the bold run that holds ``fragment`` in the detail's HTML (Qt rewrites it)."""
    import re

    for style, body in re.findall(r"<span style=\"([^\"]*)\">([^<]*)</span>", html):
        if fragment in body and "font-weight" in style and "underline" in style:
            match = re.search(r"background-color:(#[0-9a-f]{6})", style)
            return match.group(1) if match else None
    return None


def test_filter_bar_wraps_instead_of_widening_the_window(qtbot, page: ReviewsPage) -> None:
    assert page.minimumSizeHint().width() <= 620  # main window (with navigation) must fit 760 px
    page.resize(1200, 760)
    qtbot.wait(10)
    wide = page.filter_bar.height()
    page.resize(640, 760)
    qtbot.wait(10)
    assert page.filter_bar.height() > wide  # another line, nothing clipped
    bar = page.filter_bar
    assert all(bar.rect().contains(w.geometry()) for w in (bar.reset_button, bar.shift_check))
