"""设置: users add, edit and delete their own risk rules (bad rules are refused in the dialog) and set the
capability weights; every change is an operation on the window's writer (cxdesk.ops.rules / weights)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from cxdesk.analysis.capability_config import load_config, user_config_path
from cxdesk.analysis.risk_rules import load_pack, read_user_rules
from cxdesk.ops import RULES, WEIGHTS
from cxdesk.ops import weights as weight_ops
from cxdesk.store import Store
from ui.app import create_main_window
from ui.main_window import MainWindow
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)
from ui.widgets.user_rule_dialog import UserRuleDialog


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


def _announced(window: MainWindow) -> list[tuple]:
    """(operation, kinds, origin) of every operation the writer announces from now on."""
    seen: list[tuple] = []
    window.ops.sig_op_done.connect(lambda changes, origin: seen.append((changes.op, set(changes.kinds), origin)))
    return seen


def _row_of(page, rule_id: str) -> int:
    return next(i for i in range(page.rule_stats.rowCount()) if page.rule_stats.stat(i).rule_id == rule_id)


def test_add_a_rule_through_the_dialog_then_edit_and_delete_it(window, page, monkeypatch):
    attempts = []
    announced = _announced(window)

    def fill(dialog: UserRuleDialog) -> bool:
        dialog.name_edit.setText("发错颜色")
        dialog.category_box.setCurrentText("质量/假货")
        dialog.words_edit.setPlainText("好")  # one character: refused, the dialog stays open
        dialog.save()
        attempts.append(dialog.error_label.text())
        assert not dialog.result()
        dialog.words_edit.setPlainText("发错颜色\n颜色发错")
        dialog.exclude_edit.setText("没有发错颜色")
        dialog.save()
        return dialog.result() == UserRuleDialog.DialogCode.Accepted

    page.run_dialog = fill
    assert not page.edit_rule_button.isEnabled()
    page.add_rule_button.click()
    assert "至少两个字" in attempts[0]
    assert [r["words"] for r in read_user_rules()] == [["发错颜色", "颜色发错"]]
    assert announced == [("save_user_rule", {RULES}, "settings")]  # the refused attempt announced nothing
    assert "user.发错颜色" in load_pack().rules
    row = _row_of(page, "user.发错颜色")  # listed with 0 hits before any analysis
    assert page.rule_stats.stat(row).hits == 0
    page.rules_view.selectRow(row)
    assert page.edit_rule_button.isEnabled() and page.delete_rule_button.isEnabled()

    def edit(dialog: UserRuleDialog) -> bool:
        assert dialog.name_edit.isReadOnly() and dialog.name_edit.text() == "发错颜色"
        dialog.level_box.setCurrentText("高")
        dialog.save()
        return True

    page.run_dialog = edit
    page.edit_rule_button.click()
    assert read_user_rules()[0]["level"] == "高"
    page.rules_view.selectRow(_row_of(page, "user.发错颜色"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.delete_rule_button.click()
    assert read_user_rules() == []
    assert [op for op, _kinds, _origin in announced] == ["save_user_rule", "save_user_rule", "delete_user_rule"]
    assert window.statusBar().currentMessage() == "已删除自定义规则「user.发错颜色」"
    assert all(page.rule_stats.stat(i).rule_id != "user.发错颜色" for i in range(page.rule_stats.rowCount()))


def test_built_in_rules_cannot_be_edited_here(page):
    page.rules_view.selectRow(0)
    assert not page.rule_stats.stat(0).rule_id.startswith("user.")
    assert not page.edit_rule_button.isEnabled() and not page.delete_rule_button.isEnabled()


def test_weights_are_saved_through_the_writer_and_other_changes_reload_them(window, page):
    announced = _announced(window)
    widget = page.weights_widget
    widget.boxes["speed"].setValue(50)
    assert widget.save()
    assert load_config()["weights"]["speed"] == 50 and "已保存到" in widget.message.text()
    for box in widget.boxes.values():
        box.setValue(0)
    assert not widget.save() and "不能全部为 0" in widget.message.text()
    assert announced == [("save_weights", {WEIGHTS}, "settings")]
    # The same operation from elsewhere (origin ""): the page shows the new weights.
    weights = {key: 10.0 for key in widget.boxes}
    window.ops.run(None, weight_ops.save, weights, label="保存权重")
    assert window.ops.wait_idle()
    assert widget.weights() == weights
    widget.reset()
    assert window.ops.wait_idle() and announced[-1] == ("reset_weights", {WEIGHTS}, "settings")
    assert user_config_path().exists() and widget.boxes["speed"].value() == 25


def test_an_edit_after_the_window_closed_is_refused_not_stuck(window, page):
    window.ops.shutdown()
    page.weights_widget.boxes["speed"].setValue(40)
    assert not page.weights_widget.save()
    assert "窗口正在关闭" in page.weights_widget.message.text() and not user_config_path().exists()
