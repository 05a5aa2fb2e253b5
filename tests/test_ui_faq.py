"""常见问题 page: list, sort, search, product filter, detail, curation that survives analysis, open session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cxdesk.analysis.engine import analyze
from cxdesk.ops import ANSWERS, FAQ
from cxdesk.store import Store, open_store
from cxdesk.tasks import TaskContext
from _demo_cache import copy_db
from ui.app import create_main_window
from ui.main_window import MainWindow
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)

SHIP = ["什么时候发货", "什么时候能发货呀", "啥时候发货呢", "今天能发货吗", "下单后多久发货", "几天发货"]
INVOICE = [
    "可以开发票吗",
    "能开增值税发票吗",
    "发票怎么开",
    "开个发票可以吗",
    "电子发票在哪里下载",
    "发票抬头写公司可以吗",
]
ADDRESS = [
    "地址可以修改吗",
    "收货地址填错了能改吗",
    "能帮我改一下地址吗",
    "怎么修改收货地址",
    "地址写错了怎么办",
    "改地址可以吗",
]
END = datetime(2024, 5, 14, 10, 0, 0)
PRODUCT = "保温杯 316不锈钢"


def _sessions(store: Store, specs: list[tuple], prefix: str) -> None:
    """specs: (buyer, question, answer, time)."""
    sessions = []
    for i, (buyer, question, answer, at) in enumerate(specs):
        lines = [("buyer", question), ("agent", answer), ("buyer", "好的谢谢")]
        sessions.append(
            {
                "session_key": f"{prefix}{i}",
                "source_session_id": f"SRC-{prefix}{i}",
                "buyer_nick": buyer,
                "messages": [
                    {
                        "msg_hash": j + 1,
                        "seq": j,
                        "role": role,
                        "sender": "店:小美" if role == "agent" else buyer,
                        "sent_at": (at + timedelta(seconds=30 * j)).strftime("%Y-%m-%d %H:%M:%S"),
                        "content": text,
                    }
                    for j, (role, text) in enumerate(lines)
                ],
            }
        )
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "测试小店")
        store.chats.insert_sessions(shop.id, None, sessions)


def _fill_faq_store(store: Store) -> None:
    """Shipping questions rising (8 this week, 3 the week before), invoices flat, addresses old; some about a product."""
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "测试小店")
        store.reviews.insert_many(
            shop.id, None, [{"review_key": "r1", "product_id": "7777777", "product_title": PRODUCT, "content": "好"}]
        )
    specs = [(f"p{i}", SHIP[i % 6], "亲，48小时内发货哦", END - timedelta(days=i % 5)) for i in range(8)]
    specs += [(f"q{i}", SHIP[i % 6], "不清楚，等通知吧", END - timedelta(days=8 + i)) for i in range(3)]
    specs += [(f"r{i}", INVOICE[i % 6], "可以开电子发票", END - timedelta(days=i)) for i in range(4)]
    specs += [(f"s{i}", INVOICE[i % 6], "可以开电子发票", END - timedelta(days=8 + i)) for i in range(4)]
    specs += [(f"t{i}", ADDRESS[i % 6], "发货前可以改", END - timedelta(days=20 + i)) for i in range(12)]
    specs += [(f"u{i}", f"保温杯{INVOICE[i]}", "可以的", END - timedelta(days=2)) for i in range(3)]
    _sessions(store, specs, "a")
    analyze(TaskContext(), store.path, workers=1)


@pytest.fixture(scope="module")
def faq_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The analysed FAQ store, built once per module (its dates are fixed); tests get copies."""
    base = tmp_path_factory.mktemp("faq_template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CXDESK_DATA_DIR", str(base / "data"))
        with open_store(base / "faq.sqlite3") as store:
            _fill_faq_store(store)
    return base / "faq.sqlite3"


@pytest.fixture
def faq_store(faq_template: Path, tmp_path: Path) -> Iterator[Store]:
    with open_store(copy_db(faq_template, tmp_path / "faq.sqlite3")) as store:
        yield store


@pytest.fixture
def window(qtbot, faq_store: Store) -> MainWindow:
    w = create_main_window(faq_store)
    qtbot.addWidget(w)
    w.resize(1366, 728)
    w.show()
    return w


def _show(qtbot, window: MainWindow):
    page = window.pages["faq"]
    with qtbot.waitSignal(page.sig_detail_loaded, timeout=10_000):
        window.show_page("faq")
    return page


def _row(page, question: str) -> int:
    cid = page.repo._conn.execute("SELECT cluster_id FROM faq_members WHERE question = ?", (question,)).fetchone()[0]
    return page.model.row_of(cid)


def _labels(page) -> list[str]:
    return [c.label for c in page.model.clusters]


def _wait_loaded(qtbot, page, action) -> None:
    with qtbot.waitSignal(page.sig_loaded, timeout=10_000):
        action()


def test_list_fills_sorted_by_size_and_trend_with_rising_marked(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window)
    assert page.stack.currentIndex() == 1
    sizes = [c.size for c in page.model.clusters]
    assert len(sizes) >= 3 and sizes == sorted(sizes, reverse=True)
    ship = page.model.cluster(_row(page, SHIP[0]))
    assert ship.rising and (ship.current, ship.previous) == (8, 3)
    assert page.model.index(_row(page, SHIP[0]), 4).data().startswith("↑ 急升")
    assert not page.model.cluster(_row(page, ADDRESS[0])).rising
    _wait_loaded(qtbot, page, lambda: page.filter_bar.set_sort("trend"))
    assert page.model.clusters[0].id == ship.id
    _wait_loaded(qtbot, page, lambda: page.model.sort(1))  # a click on 次数 sorts by size again
    assert page.filter_bar.sort.currentData() == "size"
    assert [c.size for c in page.model.clusters] == sorted(sizes, reverse=True)
    # The first cluster is open with its wordings, questions and (later) answers.
    assert page.detail.label_edit.text() == page.model.clusters[0].label
    assert page.detail.variants.count() >= 1 and page.detail.question_model.rowCount() >= 1
    assert "次提问" in page.detail.stats.text()


def test_search_and_product_filter_narrow_the_list(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window)
    everything = len(page.model.clusters)
    _wait_loaded(qtbot, page, lambda: page.filter_bar.search.setText("发票"))
    found = page.model.clusters
    assert 1 <= len(found) < everything
    assert all(
        "发票" in c.label or "发票" in "".join(c.keywords) or page.repo.questions(c.id, search="发票") for c in found
    )
    _wait_loaded(qtbot, page, lambda: page.filter_bar.search.clear())
    assert len(page.model.clusters) == everything
    box = page.filter_bar.product
    assert box.findData(PRODUCT) > 0
    _wait_loaded(qtbot, page, lambda: box.setCurrentIndex(box.findData(PRODUCT)))
    assert sum(c.size for c in page.model.clusters) == 3 < sum(c.size for c in page.repo.list_clusters())


def test_answers_ranked_by_count_or_outcome_and_double_click_opens_session(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window)
    ship = page.model.cluster(_row(page, SHIP[0])).id
    with qtbot.waitSignal(page.sig_answers_loaded, timeout=10_000, check_params_cb=lambda cid: cid == ship):
        page.view.selectRow(_row(page, SHIP[0]))
    answers = page.detail.answers
    assert [answers.item(r, 0).text() for r in range(answers.rowCount())] == ["亲，48小时内发货哦", "不清楚，等通知吧"]
    assert answers.item(0, 1).text() == "8"
    with qtbot.waitSignal(page.sig_answers_loaded, timeout=10_000):
        page.detail.by_outcome.setChecked(True)
    assert page.detail.answers_status.text().endswith("按会话结束时的效果排列")
    # Double-click a question: the store's session id and the message id go out.
    view = page.detail.questions
    q = page.detail.question_model.question(1)
    expected = page.repo._conn.execute("SELECT session_id FROM chat_messages WHERE id = ?", (q.message_id,)).fetchone()[
        0
    ]
    rect = view.visualRect(page.detail.question_model.index(1, 1))
    with qtbot.waitSignal(page.sig_open_session) as blocker:
        qtbot.mouseClick(view.viewport(), qtbot_button(), pos=rect.center())
        qtbot.mouseDClick(view.viewport(), qtbot_button(), pos=rect.center())
    assert blocker.args == [expected, q.message_id]
    assert window.current_page_key() == "sessions"


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_curation_changes_the_store_and_survives_analysis(qtbot, window: MainWindow, faq_store: Store) -> None:
    page = _show(qtbot, window)
    repo = page.repo
    answered: list[bool] = []
    page.confirm = lambda _title, _q: answered.append(True) or True
    done: list[tuple] = []  # what the writer announced to every page (会话's FAQ marks hear it too)
    window.ops.sig_op_done.connect(lambda changes, origin: done.append((changes, origin)))
    curated: list[str] = []
    page.sig_curated.connect(curated.append)
    ship = page.model.cluster(_row(page, SHIP[0])).id
    invoice = page.model.cluster(_row(page, INVOICE[0])).id
    address = page.model.cluster(_row(page, ADDRESS[0])).id
    # Rename and save an answer on the open cluster.
    with qtbot.waitSignal(page.sig_detail_loaded, timeout=10_000, check_params_cb=lambda cid: cid == ship):
        page.view.selectRow(_row(page, SHIP[0]))
    page.detail.label_edit.setText("发货时间")
    _wait_loaded(qtbot, page, page.detail.rename_button.click)
    page.detail.answer_edit.setPlainText("现货48小时内发出。")
    assert page.detail.save_button.isEnabled()
    _wait_loaded(qtbot, page, page.detail.save_button.click)
    assert (
        repo.cluster(ship)["label"] == "发货时间" and repo.cluster(ship)["recommended_answer"] == "现货48小时内发出。"
    )
    assert [(c.op, set(c.kinds), c.ids_of(FAQ), origin) for c, origin in done] == [
        ("faq_rename", {FAQ}, (ship,), "faq"),
        ("faq_answer", {ANSWERS}, (ship,), "faq"),
    ]
    assert curated == ["已改名为「发货时间」", "已保存推荐回答"] and not page.detail.save_button.isEnabled()
    assert window.statusBar().currentMessage() == "已保存推荐回答"
    # Pin the address cluster: it comes first.
    with qtbot.waitSignal(page.sig_detail_loaded, timeout=10_000, check_params_cb=lambda cid: cid == address):
        page.view.selectRow(_row(page, ADDRESS[0]))
    assert page.pin_button.text() == "置顶"
    with qtbot.waitSignal(page.sig_detail_loaded, timeout=10_000, check_params_cb=lambda cid: cid == address):
        page.pin_button.click()
    assert repo.cluster(address)["pinned"] == 1 and page.model.clusters[0].id == address
    assert page.pin_button.text() == "取消置顶" and "【置顶】" in page.detail.stats.text()
    # Split two questions of the address cluster into a new one.
    page.detail.select_questions([0, 1])
    moved = page.detail.selected_message_ids()
    assert len(moved) == 2
    page.ask_text = lambda _t, _p, _d: "改地址（拆出）"
    _wait_loaded(qtbot, page, page.detail.split_new_button.click)
    new = page.repo._conn.execute("SELECT id FROM faq_clusters WHERE label = '改地址（拆出）'").fetchone()[0]
    assert {q.message_id for q in repo.questions(new)} == set(moved)
    # Merge the invoice cluster into the shipping one (both selected; shipping is bigger).
    page.view.clearSelection()
    from PySide6.QtCore import QItemSelectionModel

    sel = page.view.selectionModel()
    for cid in (ship, invoice):
        sel.select(
            page.model.index(page.model.row_of(cid), 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    assert page.merge_button.isEnabled()
    _wait_loaded(qtbot, page, page.merge_button.click)
    assert repo.cluster(invoice) is None and answered
    assert done[-1][0].op == "faq_merge" and done[-1][0].ids_of(FAQ) == (ship, invoice)
    assert page.detail.cluster_id == ship  # the merged cluster is selected
    # Hide the split cluster (after the confirmation): gone from the list, back with 「显示已隐藏」.
    page.view.selectRow(page.model.row_of(new))
    n_confirm = len(answered)
    _wait_loaded(qtbot, page, page.hide_button.click)
    assert len(answered) == n_confirm + 1 and repo.cluster(new)["hidden"] == 1 and page.model.row_of(new) < 0

    # New questions arrive and analysis runs again: every choice stays.
    _sessions(
        faq_store,
        [
            ("n1", "请问什么时候发货啊", "48小时内", END + timedelta(days=1)),
            ("n2", "可以开发票吗", "可以", END + timedelta(days=1)),
        ],
        "n",
    )
    analyze(TaskContext(), faq_store.path, workers=1)
    _wait_loaded(qtbot, page, page.refresh)
    c = repo.cluster(ship)
    assert c["label"] == "发货时间" and c["recommended_answer"] == "现货48小时内发出。"
    assert repo.cluster(address)["pinned"] == 1 and page.model.clusters[0].id == address
    assert repo.cluster(invoice) is None and repo.cluster(new)["hidden"] == 1
    assert {q.message_id for q in repo.questions(new)} == set(moved)
    members = {q.question for q in repo.questions(ship, limit=1000)}
    assert "可以开发票吗" in members  # the merged-in wording still lands in the merged cluster
    _wait_loaded(qtbot, page, lambda: page.filter_bar.show_hidden.setChecked(True))
    assert page.model.row_of(new) >= 0


def test_split_to_existing_cluster_and_cancel_changes_nothing(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window)
    repo = page.repo
    ship = page.model.cluster(_row(page, SHIP[0])).id
    invoice = page.model.cluster(_row(page, INVOICE[0])).id
    with qtbot.waitSignal(page.sig_detail_loaded, timeout=10_000, check_params_cb=lambda cid: cid == invoice):
        page.view.selectRow(_row(page, INVOICE[0]))
    page.detail.select_questions([0])
    moved = page.detail.selected_message_ids()
    page.ask_choice = lambda _t, _p, _items: None  # cancelled
    done: list[str] = []
    window.ops.sig_op_done.connect(lambda changes, _origin: done.append(changes.op))
    page.detail.split_to_button.click()
    assert window.ops.wait_idle() and done == []  # no operation was queued
    assert all(q.message_id not in moved for q in repo.questions(ship, limit=1000))

    def pick(_t: str, _p: str, items: list[str]) -> int:
        return next(i for i, text in enumerate(items) if text.startswith(repo.cluster(ship)["label"]))

    page.ask_choice = pick
    _wait_loaded(qtbot, page, page.detail.split_to_button.click)
    assert window.ops.wait_idle() and done == ["faq_move"]
    assert set(moved) <= {q.message_id for q in repo.questions(ship, limit=1000)}


def test_a_refused_curation_says_why_and_changes_nothing(qtbot, window: MainWindow, faq_store: Store) -> None:
    from PySide6.QtWidgets import QMessageBox

    from cxdesk.ops import faq as faq_ops
    from cxdesk.ops import run_op

    page = _show(qtbot, window)
    ship = page.model.cluster(_row(page, SHIP[0])).id
    invoice = page.model.cluster(_row(page, INVOICE[0])).id
    with qtbot.waitSignal(page.sig_detail_loaded, timeout=10_000, check_params_cb=lambda cid: cid == invoice):
        page.view.selectRow(_row(page, INVOICE[0]))
    run_op(faq_ops.merge, faq_store, ship, [invoice])  # meanwhile, elsewhere: the shown cluster is merged away
    label = page.repo.cluster(ship)["label"]
    done: list[str] = []
    window.ops.sig_op_done.connect(lambda changes, _origin: done.append(changes.op))
    page.rename("发票问题")
    assert window.ops.wait_idle() and done == []
    boxes = [b for b in page.findChildren(QMessageBox) if b.isVisible()]
    assert [b.windowTitle() for b in boxes] == ["问题改名未完成"] and "已不存在" in boxes[0].text()
    assert page.repo.cluster(invoice) is None and page.repo.cluster(ship)["label"] == label
    boxes[0].close()


def test_open_cluster_clears_filters_and_selects_it(qtbot, window: MainWindow) -> None:
    page = _show(qtbot, window)
    _wait_loaded(qtbot, page, lambda: page.filter_bar.search.setText("发票"))
    address = page.repo._conn.execute(
        "SELECT cluster_id FROM faq_members WHERE question = ?", (ADDRESS[0],)
    ).fetchone()[0]
    assert page.model.row_of(address) < 0
    with qtbot.waitSignal(page.sig_detail_loaded, timeout=10_000, check_params_cb=lambda cid: cid == address):
        window.open_faq_cluster(address)
    assert page.filter_bar.search.text() == "" and page.detail.cluster_id == address


def test_empty_store_shows_the_empty_state(qtbot, store: Store) -> None:
    w = create_main_window(store)
    qtbot.addWidget(w)
    w.show()
    w.show_page("faq")
    page = w.pages["faq"]
    assert page.stack.currentIndex() == 0 and page.empty_state.isVisible()


def test_chart_module_is_qt_free_and_draws_lines(tmp_path: Path) -> None:
    from ui.pages.faq_view._figures import short_label, timeline_figure

    fig = timeline_figure(
        [("2024-19", 1, 3), ("2024-20", 1, 5), ("2024-20", 2, 1)], {1: "什么时候发货（发货 / 今天）", 2: "可以开发票吗"}
    )
    lines = fig.axes[0].get_lines()
    assert [list(line.get_ydata()) for line in lines] == [[3, 5], [0, 1]]
    assert short_label("什么时候发货（发货 / 今天）") == "什么时候发货"
    import ui.pages.faq_view._figures as mod

    assert "PySide6" not in Path(mod.__file__).read_text(encoding="utf-8")


def test_shop_filter_shows_one_shops_questions(qtbot, faq_store: Store) -> None:
    """Issue 17, point 10: with two shops, the shop box keeps their clusters apart."""
    with faq_store.transaction():  # the address questions come from a second shop
        other = faq_store.shops.get_or_create("jd", "京东小店")
        faq_store.conn.execute("UPDATE chat_sessions SET shop_id = ? WHERE buyer_nick LIKE 't%'", (other.id,))
    w = create_main_window(faq_store)
    qtbot.addWidget(w)
    w.resize(1366, 728)
    w.show()
    page = _show(qtbot, w)
    box = page.filter_bar.shop
    assert box.isVisible() and box.count() == 3 and box.itemText(2) == "京东小店（京东）"
    _wait_loaded(qtbot, page, lambda: box.setCurrentIndex(box.findData(other.id)))
    assert sum(c.size for c in page.model.clusters) == 12  # the 12 address questions only
    assert all(q.question in ADDRESS for c in page.model.clusters for q in page.repo.questions(c.id))
    _wait_loaded(qtbot, page, lambda: box.setCurrentIndex(0))
    assert sum(c.size for c in page.model.clusters) > 12
