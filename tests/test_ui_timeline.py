"""The 买家时间线 dialog: typed items, the sessions before a review one click away, details per item."""

from __future__ import annotations

import pytest

from cxdesk.errors import CxdeskError
from test_timeline import NICK, build_buyer
from ui.models.timeline_model import ITEM_ROLE, KIND_STYLE
from ui.widgets.customer_timeline import CustomerTimelineDialog


@pytest.fixture
def opened():
    return []


@pytest.fixture
def dialog(qtbot, store, opened):
    ids = build_buyer(store)
    d = CustomerTimelineDialog.for_target(
        store, "review", ids["review"], open_session=lambda sid, mid: opened.append((sid, mid))
    )
    qtbot.addWidget(d)
    d.ids = ids
    return d


def test_opened_from_a_review_shows_the_buyer_and_the_sessions_before_it(dialog):
    assert dialog.buyer_nick == NICK and dialog.model.rowCount() == 11
    assert "评价之前 30 天内的咨询" in dialog.banner.text()
    assert "甲店:阿强" in dialog.banner.text() and "甲店:小美" in dialog.banner.text()
    assert dialog.note.isVisibleTo(dialog) and "脱敏" in dialog.note.text()
    current = dialog.model.item(dialog.list.currentIndex().row())
    assert current.kind == "review" and current.review_id == dialog.ids["review"]
    assert dialog.detail_stack.currentWidget() is dialog.review_view
    assert "12315" in dialog.review_view.toPlainText()


def test_banner_link_opens_the_session(dialog, opened):
    dialog.banner.linkActivated.emit(f"session:{dialog.ids['before1']}")
    assert opened == [(dialog.ids["before1"], None)]
    assert dialog.model.item(dialog.list.currentIndex().row()).session_id == dialog.ids["before1"]


def test_a_flag_on_a_message_opens_the_session_at_that_message(dialog, opened):
    row = next(
        r
        for r in range(dialog.model.rowCount())
        if dialog.model.item(r).kind == "flag" and dialog.model.item(r).message_id
    )
    dialog.list.setCurrentIndex(dialog.model.index(row))
    text = dialog.detail.toPlainText()
    assert "等级：高" in text and "投诉/监管威胁" in text and "待处理" in text
    assert dialog.open_button.isEnabled()
    dialog.open_button.click()
    assert opened == [(dialog.ids["before2"], dialog.ids["message"])]


def test_items_are_typed_by_icon_and_the_scope_can_widen(dialog):
    kinds = {dialog.model.index(r).data(ITEM_ROLE).kind for r in range(dialog.model.rowCount())}
    assert kinds == set(KIND_STYLE)
    assert not dialog.model.index(0).data(1).isNull()  # DecorationRole: the badge icon
    dialog.scope.setCurrentIndex(dialog.scope.findData(None))
    assert dialog.model.rowCount() == 12  # + the other shop's session
    order_row = next(r for r in range(dialog.model.rowCount()) if dialog.model.item(r).kind == "order")
    dialog.list.setCurrentIndex(dialog.model.index(order_row))
    assert not dialog.open_button.isEnabled() and "3201" in dialog.detail.toPlainText()


def test_for_target_without_a_buyer_raises(qtbot, store):
    build_buyer(store)
    with pytest.raises(CxdeskError, match="买家"):
        CustomerTimelineDialog.for_target(store, "review", 9999)


def test_session_without_review_has_no_banner(qtbot, store, opened):
    ids = build_buyer(store)
    d = CustomerTimelineDialog.for_target(store, "session", ids["after"], open_session=lambda *a: opened.append(a))
    qtbot.addWidget(d)
    assert not d.banner.isVisibleTo(d)
    session_row = d.model.row_of("session", ids["after"])
    d.list.doubleClicked.emit(d.model.index(session_row))
    assert opened == [(ids["after"], None)]
