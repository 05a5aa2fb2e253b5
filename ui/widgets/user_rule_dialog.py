"""Dialog to add or edit one of the user's own risk rules (设置 → 风险规则).

The dialog only collects the fields; saving is the operation
:func:`cxdesk.ops.rules.save_user_rule` on the window's writer, which checks them
(:func:`cxdesk.analysis.risk_rules.save_user_rule`: levels, roles, patterns RE2 cannot
run or that match empty text, single characters); the dialog waits for it, shows its
message and stays open on a refusal.
Patterns are entered one per line (a pattern may itself hold "," or "、", as in
``退.{0,3}钱``). Editing a stored rule the analysis skips (已停用) shows why.
"""

from __future__ import annotations

import re

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from cxdesk.analysis.risk_rules import LEVELS, USER_RULE_PREFIX, user_rule_problem
from cxdesk.errors import CxdeskError
from cxdesk.ops import rules
from ui.operations import OpRunner
from ui.widgets.settings_ops import run_and_wait

ROLE_LABELS = {"buyer": "买家消息", "agent": "客服消息", "review": "评价"}
_SPLIT = re.compile(r"[\n、，,;；]+")


def _words(text: str) -> list[str]:
    return [w.strip() for w in _SPLIT.split(text) if w.strip()]


def _lines(text: str) -> list[str]:
    """Patterns: one per line (only the line break separates them; spaces at either end dropped)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _items(rule: dict, key: str) -> list[str]:
    """A stored list field as texts (a hand-edited file may hold a single text or numbers)."""
    value = rule.get(key) or []
    return [str(value)] if isinstance(value, str) else [str(x) for x in value] if isinstance(value, list) else []


class UserRuleDialog(QDialog):
    def __init__(
        self,
        categories: list[str],
        rule: dict | None = None,
        parent: QWidget | None = None,
        *,
        ops: OpRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.ops = ops  # the window's writer (None: on its own, the operation runs here)
        self.setWindowTitle("编辑自定义风险规则" if rule else "添加自定义风险规则")
        self.saved_id: str | None = None
        rule = rule or {}
        self.name_edit = QLineEdit(str(rule.get("id", "")).removeprefix(USER_RULE_PREFIX), self)
        self.name_edit.setPlaceholderText("如：发错颜色")
        self.name_edit.setReadOnly(bool(rule))  # the id keys the flags already raised
        self.category_box = QComboBox(self)
        self.category_box.setEditable(True)
        self.category_box.addItems(categories)
        self.category_box.setCurrentText(str(rule.get("category") or (categories[0] if categories else "其他")))
        self.level_box = QComboBox(self)
        self.level_box.addItems(list(LEVELS))
        self.level_box.setCurrentText(str(rule.get("level", "中")))
        roles_row = QWidget(self)
        roles_layout = QHBoxLayout(roles_row)
        roles_layout.setContentsMargins(0, 0, 0, 0)
        self.role_checks: dict[str, QCheckBox] = {}
        for role, label in ROLE_LABELS.items():
            check = QCheckBox(label, roles_row)
            check.setChecked(role in (_items(rule, "applies_to") if rule else ["buyer"]))
            self.role_checks[role] = check
            roles_layout.addWidget(check)
        roles_layout.addStretch(1)
        self.words_edit = QPlainTextEdit("\n".join(_items(rule, "words")), self)
        self.words_edit.setPlaceholderText("一行一个，或用顿号分开；至少两个字")
        self.words_edit.setFixedHeight(80)
        self.exclude_edit = QLineEdit("、".join(_items(rule, "exclude")), self)
        self.exclude_edit.setPlaceholderText("包含触发词但不算风险的说法，如：没有发错颜色")
        self.patterns_edit = QPlainTextEdit("\n".join(_items(rule, "patterns")), self)
        self.patterns_edit.setPlaceholderText("可不填；正则表达式（RE2 语法），一行一个，如：退.{0,3}钱")
        self.patterns_edit.setFixedHeight(56)
        self.negatable_check = QCheckBox("触发词前有「不/没/不会」等否定词时不算（如「不会给差评」）", self)
        self.negatable_check.setChecked(bool(rule.get("negatable", True)))
        self.error_label = QLabel("", self)
        self.error_label.setObjectName("ruleError")
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.setWordWrap(True)
        problem = user_rule_problem(str(rule["id"])) if rule.get("id") else None
        if problem:
            self.error_label.setText(f"这条规则已停用，分析时没有使用：{problem}。改正后保存即可恢复。")
        form = QFormLayout()
        form.addRow("规则名称：", self.name_edit)
        form.addRow("风险类别：", self.category_box)
        form.addRow("风险等级：", self.level_box)
        form.addRow("检查对象：", roles_row)
        form.addRow("触发词：", self.words_edit)
        form.addRow("排除说法：", self.exclude_edit)
        form.addRow("正则（可选）：", self.patterns_edit)
        form.addRow("", self.negatable_check)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(QLabel("保存后，下次「分析数据」时按新规则重新检查全部消息和评价。", self))
        layout.addWidget(buttons)
        self.resize(520, 0)

    def rule(self) -> dict:
        return {
            "id": self.name_edit.text().strip(),
            "category": self.category_box.currentText().strip() or "其他",
            "level": self.level_box.currentText(),
            "applies_to": [r for r, c in self.role_checks.items() if c.isChecked()],
            "words": _words(self.words_edit.toPlainText()),
            "exclude": _words(self.exclude_edit.text()),
            "patterns": _lines(self.patterns_edit.toPlainText()),
            "negatable": self.negatable_check.isChecked(),
        }

    def save(self) -> None:
        rule = self.rule()
        if not rule["applies_to"]:
            self.error_label.setText("请至少选择一个检查对象")
            return
        try:
            changes = run_and_wait(self.ops, self, rules.save_user_rule, rule, label="保存自定义规则")
        except CxdeskError as exc:  # RuleError: the reason the rule is refused
            self.error_label.setText(str(exc))
            return
        self.saved_id = changes.value.id
        self.accept()
