"""设置: users add, edit and delete their own risk rules; bad rules are refused in the dialog."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from cxdesk.analysis.risk_rules import load_pack, read_user_rules
from cxdesk.store import Store
from ui.app import create_main_window
from ui.main_window import MainWindow
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)
from ui.widgets.user_rule_dialog import UserRuleDialog


@pytest.fixture
def page(qtbot, store: Store):
    window: MainWindow = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    window.show_page("settings")
    return window.pages["settings"]


def _row_of(page, rule_id: str) -> int:
    return next(i for i in range(page.rule_stats.rowCount()) if page.rule_stats.stat(i).rule_id == rule_id)


def test_add_a_rule_through_the_dialog_then_edit_and_delete_it(page, monkeypatch):
    attempts = []

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
    assert all(page.rule_stats.stat(i).rule_id != "user.发错颜色" for i in range(page.rule_stats.rowCount()))


def test_built_in_rules_cannot_be_edited_here(page):
    page.rules_view.selectRow(0)
    assert not page.rule_stats.stat(0).rule_id.startswith("user.")
    assert not page.edit_rule_button.isEnabled() and not page.delete_rule_button.isEnabled()
