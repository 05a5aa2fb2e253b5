"""设置 → 买家个人数据: the dialog 「删除买家数据」 previews a buyer's data by nick and deletes it on the writer.

The store is tests/test_buyer_data.py's (the demo shop's first rows, the chats under two shops, analysed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from cxdesk.ops import BUYERS, CHATS
from cxdesk.store import Store, open_store
from test_buyer_data import OTHER_SHOP, SHOP, _all_nicks, _chat_buyer, _review_buyer, analysed_db  # noqa: F401
from ui.app import create_main_window
from ui.main_window import MainWindow
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)
from ui.widgets.buyer_data_dialog import BuyerDataDialog

pytestmark = pytest.mark.both_engines  # the dialog on SQLite and on a team store (tests/conftest.py)


@pytest.fixture
def store(analysed_db: Path, on_engine):  # noqa: F811  (the fixture imported above)
    with open_store(on_engine(analysed_db)) as s:
        yield s


@pytest.fixture
def window(qtbot, store: Store) -> MainWindow:
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    window.show_page("settings")
    return window


@pytest.fixture
def page(window: MainWindow):
    return window.pages["settings"]


def _answer_confirmation(monkeypatch: pytest.MonkeyPatch, button: str) -> list[str]:
    """The confirmation box is answered with ``button`` (「删除」 or 「取消」); returns the texts it showed."""
    shown: list[str] = []

    def answer(box: QMessageBox) -> int:
        shown.append(f"{box.text()}\n{box.informativeText()}")
        next(b for b in box.buttons() if b.text() == button).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    return shown


def _rows_of(store: Store, nick: str) -> tuple[int, int, int]:
    """(reviews, chat sessions, orders) the store holds under ``nick``."""
    q = store.conn.execute
    return (
        q("SELECT COUNT(*) FROM reviews WHERE buyer_nick = ?", (nick,)).fetchone()[0],
        q("SELECT COUNT(*) FROM chat_sessions WHERE buyer_nick = ?", (nick,)).fetchone()[0],
        q("SELECT COUNT(*) FROM orders WHERE buyer_nick = ?", (nick,)).fetchone()[0],
    )


def _preview(qtbot, dialog: BuyerDataDialog, nick: str, shop_id: int | None = None) -> str:
    dialog.nick_edit.setText(nick)
    dialog.shop_box.setCurrentIndex(dialog.shop_box.findData(shop_id))
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.preview_job is not None and not dialog.preview_job.is_running())
    return dialog.result_label.text()


def test_settings_deletes_a_buyers_data_and_keeps_everyone_elses(window, page, store, qtbot, monkeypatch):
    nick, other = _chat_buyer(store), _review_buyer(store)
    assert nick != other
    expected = store.buyer_data.preview(nick)
    others_before = _rows_of(store, other)
    assert _rows_of(store, nick)[1] >= 2 and others_before[0] > 0 and others_before[2] > 0
    confirmation = _answer_confirmation(monkeypatch, "删除")
    announced: list[tuple] = []
    window.ops.sig_op_done.connect(lambda changes, origin: announced.append((changes.op, set(changes.kinds), origin)))
    seen: dict[str, str] = {}

    def drive(dialog: BuyerDataDialog) -> bool:
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "删除买家数据"
        assert [dialog.shop_box.itemText(i).split("（")[0] for i in range(dialog.shop_box.count())] == [
            "所有店铺",
            SHOP,
            OTHER_SHOP,
        ]
        assert not dialog.delete_button.isEnabled()  # nothing previewed yet
        seen["preview"] = _preview(qtbot, dialog, f"  {nick} ")  # spaces around a pasted nick are dropped
        assert dialog.delete_button.isEnabled()
        dialog.delete_button.click()
        assert window.ops.wait_idle()
        seen["result"] = dialog.result_label.text()
        assert not dialog.delete_button.isEnabled()  # nothing left to delete until the next preview
        dialog.close_button.click()
        return False

    page.run_dialog = drive
    assert page.buyer_data_button.isEnabled()
    page.buyer_data_button.click()

    assert f"所有店铺中买家“{nick}”的数据，将删除" in seen["preview"]
    assert all(line in seen["preview"] for line in expected.lines()) and SHOP in seen["preview"]
    assert "无法恢复" in confirmation[0] and "不会先做备份（备份会保留这些数据）" in confirmation[0]
    assert seen["result"].startswith(f"已删除所有店铺中买家“{nick}”的数据")
    assert f"聊天消息 {expected.messages:,}" in seen["result"]
    assert _rows_of(store, nick) == (0, 0, 0) and store.buyer_data.preview(nick).is_empty
    assert _rows_of(store, other) == others_before
    [(op, kinds, origin)] = announced
    assert op == "buyer_delete" and {BUYERS, CHATS} <= kinds and origin != page.key  # 设置 re-reads its rule counts
    assert window.statusBar().currentMessage().startswith(f"已删除所有店铺中买家“{nick}”的数据")


def test_an_unknown_nick_or_a_refused_confirmation_deletes_nothing(window, page, store, qtbot, monkeypatch):
    nick = _chat_buyer(store)
    shop_id = store.shops.get_or_create("taobao", OTHER_SHOP).id
    before = store.counts()
    confirmation = _answer_confirmation(monkeypatch, "取消")

    def drive(dialog: BuyerDataDialog) -> bool:
        qtbot.addWidget(dialog)
        dialog.preview_button.click()  # no nick: said at once, nothing counted
        assert dialog.error_label.text() == "请输入买家昵称。" and dialog.preview_job is None
        text = _preview(qtbot, dialog, "从没来过的买家")
        assert text.startswith("没有找到买家“从没来过的买家”的数据（所有店铺）")
        assert not dialog.delete_button.isEnabled()
        # Exact match only: part of a real nick, or more than it, finds nothing.
        assert nick[:-1] not in _all_nicks(store)
        assert _preview(qtbot, dialog, nick[:-1]).startswith("没有找到")
        assert _preview(qtbot, dialog, nick + "x").startswith("没有找到")
        # One shop: the counts of that shop only.
        text = _preview(qtbot, dialog, nick, shop_id)
        counts = store.buyer_data.preview(nick, shop_id)
        assert dialog.previewed == counts and f"会话 {counts.sessions:,}" in text
        assert dialog.delete_button.isEnabled()
        dialog.nick_edit.setText(nick + "x")  # another nick: the preview no longer applies
        assert not dialog.delete_button.isEnabled() and "请重新点「查看」" in dialog.result_label.text()
        _preview(qtbot, dialog, nick, shop_id)
        dialog.delete_button.click()  # answered 取消
        assert not window.ops.is_busy() and dialog.delete_button.isEnabled()
        dialog.close_button.click()
        return False

    page.run_dialog = drive
    page.buyer_data_button.click()
    assert len(confirmation) == 1 and f"店铺「{OTHER_SHOP}（淘宝/天猫）」" in confirmation[0]
    assert store.counts() == before


def test_a_read_only_store_offers_no_deletion(qtbot, analysed_db: Path, tmp_path: Path):  # noqa: F811
    db = tmp_path / "ro.sqlite3"
    shutil.copy(analysed_db, db)
    with open_store(db, read_only=True) as read_only:
        window = create_main_window(read_only)
        qtbot.addWidget(window)
        page = window.pages["settings"]
        assert not page.buyer_data_button.isEnabled() and "只读" in page.buyer_data_button.toolTip()
        window.ops.shutdown()
