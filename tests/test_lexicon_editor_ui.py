"""设置 → 评价方面词表: the editor dialog adds words, toggles packs and saves (offscreen, pytest-qt).

From 设置 the dialog saves through the window's writer (cxdesk.ops.lexicon); on its own it runs
the same operations directly."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from cxdesk.analysis.aspect_lexicon_edit import MAIN, load_draft
from cxdesk.analysis.aspects import AspectLexicon
from cxdesk.ops import LEXICON
from cxdesk.paths import user_resources_dir
from cxdesk.store import Store
from ui.operations import OpRunner
from ui.pages.base import PageContext
from ui.pages.settings_page import SettingsPage
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)
from ui.widgets.aspect_lexicon_dialog import AspectLexiconDialog
from ui.workers import JobRunner

LOGISTICS = "物流/快递"
NEW_WORD = "等到花儿都谢了"


@pytest.fixture
def page(qtbot, store: Store):
    ops = OpRunner(store.path)
    page = SettingsPage(PageContext(store, JobRunner(), navigate=lambda key: None, ops=ops))
    ops.sig_op_done.connect(page.on_op_done)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    yield page
    ops.shutdown()


def _copy() -> dict:
    return json.loads((user_resources_dir() / "lexicons" / MAIN).read_text(encoding="utf-8"))


def test_settings_opens_the_editor_which_adds_a_word_and_saves(page, qtbot):
    assert "使用内置词表" in page.lexicon_label.text()
    seen = {}

    def drive(dialog: AspectLexiconDialog) -> bool:
        qtbot.addWidget(dialog)
        assert not dialog.save_button.isEnabled()  # nothing to save yet
        dialog.select_aspect(LOGISTICS)
        assert dialog.aspect_title.text().startswith(LOGISTICS)
        column = dialog.columns["negative"]
        column.edit.setText("很好")  # a generic opinion: refused inline, nothing added (keyClicks is ASCII only)
        qtbot.keyClick(column.edit, Qt.Key.Key_Return)
        seen["refusal"] = dialog.message.text()
        assert "很好" not in column.words() and column.edit.text() == "很好"
        column.edit.clear()
        column.edit.insert(NEW_WORD)
        column.add_button.click()
        assert NEW_WORD in column.words() and column.edit.text() == ""
        assert "（本店添加）" in column.list.currentItem().text()
        assert dialog.save_button.isEnabled()
        dialog.save_button.click()
        seen["saved"] = dialog.message.text()
        assert not dialog.save_button.isEnabled()
        dialog.close_button.click()  # saved: closes without asking
        return dialog.saved

    announced: list[tuple] = []
    page.ctx.ops.sig_op_done.connect(lambda changes, origin: announced.append((changes.op, set(changes.kinds), origin)))
    page.run_dialog = drive
    page.lexicon_button.click()
    assert announced == [("lexicon_save", {LEXICON}, "settings")]
    assert "通用评价词" in seen["refusal"]
    assert "下次「分析数据」时会按新词表重新读取全部评价" in seen["saved"]
    logistics = next(a for a in _copy()["aspects"] if a["name"] == LOGISTICS)
    assert NEW_WORD in logistics["negative"]
    assert (LOGISTICS, "负面") in {(m.aspect, m.polarity) for m in AspectLexicon.load().mentions(f"{NEW_WORD}，差评")}
    assert "本店添加了 1 个词" in page.lexicon_label.text()


def test_pack_checkbox_new_aspect_and_restore(qtbot):
    dialog = AspectLexiconDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    answers = []
    dialog.confirm = lambda title, text: answers.append(title) or True
    food = next(p.file for p in dialog.draft.packs() if "口味" in p.aspects)
    dialog.pack_checks[food].setChecked(False)
    dialog.new_aspect_edit.setText("售后")
    dialog.new_aspect_button.click()
    assert dialog.current_aspect() == ("售后", MAIN)
    dialog.save_button.click()  # an aspect without words: refused, the message says why
    assert "还没有词" in dialog.message.text()
    dialog.columns["triggers"].edit.setText("售后服务")
    dialog.columns["triggers"].add()
    assert dialog.save()
    assert food not in _copy()["packs"]
    assert not next(p for p in load_draft().packs() if p.file == food).on
    assert load_draft().aspect("售后").words["triggers"] == ("售后服务",)
    dialog.restore_button.click()
    assert answers == ["恢复内置词表"]
    assert not (user_resources_dir() / "lexicons" / MAIN).exists()
    assert dialog.pack_checks[food].isChecked()
    assert ("售后", MAIN) not in [
        dialog.aspect_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dialog.aspect_list.count())
    ]


def test_closing_with_unsaved_changes_asks_first(qtbot):
    dialog = AspectLexiconDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.select_aspect(LOGISTICS)
    assert dialog.add_word("positive", "神速到货")
    dialog.confirm = lambda title, text: False  # 「放弃修改？」 → no: stays open
    dialog.close_button.click()
    assert dialog.isVisible()
    dialog.confirm = lambda title, text: True
    dialog.close_button.click()
    assert not dialog.isVisible()
    assert not (user_resources_dir() / "lexicons" / MAIN).exists()  # nothing was saved
