"""Dialog to edit the review aspect lexicon and its shop-category packs (设置 → 评价方面词表).

Thin: the words live in a :class:`cxdesk.analysis.aspect_lexicon_edit.LexiconDraft`;
it checks every word (the refusal is shown inline). Saving and 恢复内置词表 are the
operations :mod:`cxdesk.ops.lexicon` (the same as ``python main.py lexicon``) on the
window's writer: they write, or delete, the user's copy in the data folder. The user
sees aspects, their words and the category packs, never the JSON. Saving tells them
the next 分析数据 re-reads every review (the aspect stage's version holds the
lexicon's fingerprint).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListView,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cxdesk.analysis.aspect_lexicon_edit import (
    KINDS,
    MAIN,
    LexiconDraft,
    LexiconEditError,
    load_draft,
)
from cxdesk.errors import CxdeskError
from cxdesk.ops import lexicon
from ui.operations import OpRunner
from ui.widgets.settings_ops import run_and_wait

_HINTS = {
    "triggers": "只说明在谈什么，本身不分好坏，如「物流」「尺码」",
    "positive": "说到这个方面并且是夸奖，如「发货快」「很合身」",
    "negative": "说到这个方面并且是抱怨，如「发货慢」「偏小」",
}
_MINE = QColor("#2e7d32")
_ROLE_KEY = Qt.ItemDataRole.UserRole


def _grey(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setStyleSheet("color: #666;")
    return label


class WordColumn(QWidget):
    """One word list of the selected aspect (提示词 / 好评说法 / 差评说法) with add and delete."""

    def __init__(self, kind: str, dialog: AspectLexiconDialog) -> None:
        super().__init__(dialog)
        self.kind = kind
        self.dialog = dialog
        self.setObjectName(f"words_{kind}")
        title = QLabel(KINDS[kind], self)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.list = QListWidget(self)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setFlow(QListView.Flow.LeftToRight)  # words side by side, wrapped: ~3 per row
        self.list.setWrapping(True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setSpacing(3)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("输入新词，按回车添加")
        self.edit.returnPressed.connect(self.add)
        self.add_button = QPushButton("添加", self)
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton("删除所选", self)
        self.remove_button.clicked.connect(self.remove_selected)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(title)
        hint = _grey(_HINTS[kind], self)
        hint.setMinimumHeight(hint.fontMetrics().height() * 2 + 4)  # two lines, aligned across the columns
        hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(hint)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignRight)

    def show_words(self, words: tuple[str, ...], mine: frozenset[str]) -> None:
        self.list.clear()
        for word in words:
            item = QListWidgetItem(word + ("（本店添加）" if word in mine else ""))
            item.setData(_ROLE_KEY, word)
            if word in mine:
                item.setForeground(QBrush(_MINE))
            self.list.addItem(item)

    def words(self) -> list[str]:
        return [self.list.item(i).data(_ROLE_KEY) for i in range(self.list.count())]

    def add(self) -> None:
        if self.dialog.add_word(self.kind, self.edit.text()):
            self.edit.clear()

    def remove_selected(self) -> None:
        self.dialog.remove_words(self.kind, [item.data(_ROLE_KEY) for item in self.list.selectedItems()])


class AspectLexiconDialog(QDialog):
    """Packs on/off, aspects on the left, the selected aspect's three word lists on the right."""

    def __init__(self, parent: QWidget | None = None, *, ops: OpRunner | None = None) -> None:
        super().__init__(parent)
        self.ops = ops  # the window's writer (None: on its own, the operations run here)
        self.setWindowTitle("评价方面词表")
        self.setObjectName("aspectLexiconDialog")
        self.draft: LexiconDraft | None = None
        self.saved = False  # something was saved (or restored) while the dialog was open
        intro = _grey(
            "「评价分析」页用这张词表判断买家每句评价在说哪个方面（如物流、口味），是夸奖还是抱怨。"
            "在左边选一个方面，在右边添加或删除它的词；绿色的词是本店添加的。"
            "保存后，下次「分析数据」时会按新词表重新读取全部评价。",
            self,
        )
        self.packs_box = QGroupBox("店铺类目：按本店卖的东西开启，不卖这类商品就关闭", self)
        self.packs_layout = QVBoxLayout(self.packs_box)
        self.packs_layout.setSpacing(2)
        self.pack_checks: dict[str, QCheckBox] = {}

        self.aspect_list = QListWidget(self)
        self.aspect_list.setObjectName("aspectList")
        self.aspect_list.currentRowChanged.connect(self._show_aspect)
        self.new_aspect_edit = QLineEdit(self)
        self.new_aspect_edit.setPlaceholderText("新方面名称，如：售后")
        self.new_aspect_where = QComboBox(self)
        self.new_aspect_button = QPushButton("新建方面", self)
        self.new_aspect_button.clicked.connect(self.add_aspect)
        self.new_aspect_edit.returnPressed.connect(self.add_aspect)
        self.remove_aspect_button = QPushButton("删除此方面", self)
        self.remove_aspect_button.clicked.connect(self.remove_aspect)
        left = QVBoxLayout()
        left.setSpacing(4)
        left.addWidget(QLabel("方面", self))
        left.addWidget(self.aspect_list, 1)
        left.addWidget(self.remove_aspect_button, 0, Qt.AlignmentFlag.AlignRight)
        left.addWidget(self.new_aspect_edit)
        where_row = QHBoxLayout()
        where_row.addWidget(QLabel("用于：", self))
        where_row.addWidget(self.new_aspect_where, 1)
        where_row.addWidget(self.new_aspect_button)
        left.addLayout(where_row)
        left_box = QWidget(self)
        left_box.setLayout(left)
        left_box.setFixedWidth(280)
        left.setContentsMargins(0, 0, 0, 0)

        self.aspect_title = QLabel("", self)
        self.aspect_title.setObjectName("aspectTitle")
        font = self.aspect_title.font()
        font.setPointSize(font.pointSize() + 2)
        font.setBold(True)
        self.aspect_title.setFont(font)
        self.columns = {kind: WordColumn(kind, self) for kind in KINDS}
        columns = QHBoxLayout()
        columns.setSpacing(12)
        for column in self.columns.values():
            columns.addWidget(column, 1)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.aspect_title)
        right.addLayout(columns, 1)
        middle = QHBoxLayout()
        middle.setSpacing(16)
        middle.addWidget(left_box)
        middle.addLayout(right, 1)

        self.message = QLabel("", self)
        self.message.setObjectName("lexiconMessage")
        self.message.setWordWrap(True)
        self.restore_button = QPushButton("恢复内置词表…", self)
        self.restore_button.clicked.connect(self.restore)
        self.save_button = QPushButton("保存", self)
        self.save_button.setAutoDefault(False)  # Enter adds a word, it never saves
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("关闭", self)
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        column_buttons = [b for c in self.columns.values() for b in (c.add_button, c.remove_button)]
        for button in (self.restore_button, self.new_aspect_button, self.remove_aspect_button, *column_buttons):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addWidget(self.packs_box)
        layout.addLayout(middle, 1)
        layout.addLayout(buttons)
        self.resize(1100, 640)
        self.reload()

    # --- showing -----------------------------------------------------------------------------

    def reload(self, select: tuple[str, str] | None = None) -> None:
        """Read the lexicon again (after opening, restoring defaults)."""
        try:
            self.draft = load_draft()
        except LexiconEditError as exc:
            self.draft = None
            self._say(str(exc), error=True)
            self.setEnabled(True)
            for widget in (self.save_button, self.packs_box, self.aspect_list, self.new_aspect_button):
                widget.setEnabled(False)
            return
        self._fill_packs()
        self._fill_aspects(select)
        notes = list(self.draft.notes)
        if self.draft.rebased:
            notes.append("内置词表已随程序更新，本店的修改已套用到新版本；请点「保存」使之生效。")
        if notes:
            self._say("\n".join(notes), error=bool(self.draft.notes))
        self._update_buttons()

    def _fill_packs(self) -> None:
        for i in reversed(range(self.packs_layout.count())):
            widget = self.packs_layout.itemAt(i).widget()
            if widget is not None:
                widget.deleteLater()
        self.pack_checks.clear()
        self.new_aspect_where.clear()
        self.new_aspect_where.addItem("所有评价（通用）", MAIN)
        packs = self.draft.packs()
        if not packs:
            self.packs_layout.addWidget(_grey("没有类目词表。", self.packs_box))
        for pack in packs:
            row = QWidget(self.packs_box)
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            check = QCheckBox(pack.category, row)
            check.setObjectName(f"pack_{pack.file}")
            check.setMinimumWidth(130)
            check.setChecked(pack.on)
            check.toggled.connect(lambda on, f=pack.file: self.set_pack(f, on))
            cues = "".join(f"「{c}」" for c in pack.cues[:4])
            about = _grey(f"评价里出现{cues}等词时，按这一类的词来读（{'、'.join(pack.aspects)}）", row)
            about.setToolTip("识别词：" + "、".join(pack.cues))
            row_layout.addWidget(check)
            row_layout.addWidget(about, 1)
            self.pack_checks[pack.file] = check
            self.packs_layout.addWidget(row)
            self.new_aspect_where.addItem(f"{pack.category}类评价", pack.file)

    def _fill_aspects(self, select: tuple[str, str] | None = None) -> None:
        current = select or self.current_aspect()
        on = set(self.draft.packs_on())
        self.aspect_list.blockSignals(True)
        self.aspect_list.clear()
        row = 0
        for i, info in enumerate(self.draft.aspects()):
            label = info.name
            if info.file != MAIN:
                label += f"（{info.category}{'' if info.file in on else '，未开启'}）"
            if info.user_made:
                label += " · 本店添加"
            item = QListWidgetItem(label)
            item.setData(_ROLE_KEY, (info.name, info.file))
            if info.user_made:
                item.setForeground(QBrush(_MINE))
            elif info.file != MAIN and info.file not in on:
                item.setForeground(QBrush(QColor("#999")))
            self.aspect_list.addItem(item)
            if current == (info.name, info.file):
                row = i
        self.aspect_list.blockSignals(False)
        if self.aspect_list.count():
            self.aspect_list.setCurrentRow(row)
            self.aspect_list.scrollToItem(self.aspect_list.currentItem())
        self._show_aspect()

    def current_aspect(self) -> tuple[str, str] | None:
        item = self.aspect_list.currentItem()
        return tuple(item.data(_ROLE_KEY)) if item is not None else None  # type: ignore[return-value]

    def select_aspect(self, name: str, file: str = MAIN) -> None:
        for i in range(self.aspect_list.count()):
            if tuple(self.aspect_list.item(i).data(_ROLE_KEY)) == (name, file):
                self.aspect_list.setCurrentRow(i)
                return
        raise KeyError(name)

    def _show_aspect(self, *_args) -> None:
        current = self.current_aspect()
        if self.draft is None or current is None:
            self.aspect_title.setText("")
            for column in self.columns.values():
                column.show_words((), frozenset())
            return
        info = self.draft.aspect(*current)
        where = "所有评价" if info.file == MAIN else f"{info.category}类评价"
        self.aspect_title.setText(f"{info.name}　（用于{where}）")
        for kind, column in self.columns.items():
            column.show_words(info.words[kind], info.added)
        self.remove_aspect_button.setEnabled(info.user_made)

    def _update_buttons(self) -> None:
        if self.draft is not None:
            self.save_button.setEnabled(self.draft.modified() or bool(self.draft.rebased))

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c62828;" if error else "color: #2e7d32;")
        self.message.setText(text)

    # --- editing -----------------------------------------------------------------------------

    def add_word(self, kind: str, text: str) -> bool:
        current = self.current_aspect()
        if self.draft is None or current is None:
            return False
        name, file = current
        try:
            word = self.draft.add_word(file, name, kind, text)
        except LexiconEditError as exc:
            self._say(str(exc), error=True)
            return False
        self._show_aspect()
        column = self.columns[kind]
        column.list.setCurrentRow(column.words().index(word))
        self._say(f"已添加「{word}」（{KINDS[kind]}），保存后生效。")
        self._update_buttons()
        return True

    def remove_words(self, kind: str, words: list[str]) -> None:
        current = self.current_aspect()
        if self.draft is None or current is None or not words:
            return
        for word in words:
            self.draft.remove_word(current[1], current[0], kind, word)
        self._show_aspect()
        self._say(f"已删除 {'、'.join(words[:5])}{'…' if len(words) > 5 else ''}，保存后生效。")
        self._update_buttons()

    def add_aspect(self) -> None:
        if self.draft is None:
            return
        file = self.new_aspect_where.currentData() or MAIN
        try:
            name = self.draft.add_aspect(self.new_aspect_edit.text(), file)
        except LexiconEditError as exc:
            self._say(str(exc), error=True)
            return
        self.new_aspect_edit.clear()
        self._fill_aspects((name, file))
        self._say(f"已新建方面「{name}」：请在右边至少添加一个词，然后保存。")
        self.columns["triggers"].edit.setFocus()
        self._update_buttons()

    def remove_aspect(self) -> None:
        current = self.current_aspect()
        if self.draft is None or current is None:
            return
        try:
            self.draft.remove_aspect(*current)
        except LexiconEditError as exc:
            self._say(str(exc), error=True)
            return
        self._fill_aspects()
        self._say(f"已删除方面「{current[0]}」，保存后生效。")
        self._update_buttons()

    def set_pack(self, file: str, on: bool) -> None:
        if self.draft is None:
            return
        self.draft.set_pack(file, on)
        self._fill_aspects()
        category = self.draft.category(file)
        self._say(f"已{'开启' if on else '关闭'}「{category}」类目词表，保存后生效。")
        self._update_buttons()

    # --- saving ------------------------------------------------------------------------------

    def save(self) -> bool:
        if self.draft is None:
            return False
        try:
            run_and_wait(self.ops, self, lexicon.save, self.draft, label="保存评价方面词表")
        except CxdeskError as exc:
            self._say(str(exc), error=True)
            return False
        self.saved = True
        self._fill_aspects()
        self._say("已保存。下次「分析数据」时会按新词表重新读取全部评价（评价多时需要几分钟）。")
        self._update_buttons()
        return True

    # Injectable for tests: asks a yes/no question.
    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def restore(self) -> None:
        if not self.confirm(
            "恢复内置词表",
            "删除本店对评价方面词表的全部修改（添加的词、新方面、类目开关），"
            "恢复为程序自带的词表？下次「分析数据」时会重新读取全部评价。",
        ):
            return
        try:
            removed = run_and_wait(self.ops, self, lexicon.restore, label="恢复内置词表").value
        except CxdeskError as exc:
            self._say(str(exc), error=True)
            return
        self.saved = self.saved or bool(removed)
        self.reload()
        self._say("已恢复内置词表。" if removed else "本来就在使用内置词表。")

    def reject(self) -> None:
        if (
            self.draft is not None
            and self.draft.modified()
            and not self.confirm("放弃修改", "有修改还没有保存，关闭后会丢失。确定关闭吗？")
        ):
            return
        super().reject()
