"""The combo helpers the filter bars share (风险, 会话, 总览, 评价分析)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QWidget

from ui.widgets.filter_combo import filter_combo, refill_combo, select_data


@pytest.fixture
def bar(qtbot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def _items(combo: QComboBox) -> list[tuple[str, object]]:
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def test_filter_combo_is_fixed_with_a_wider_open_list(bar: QWidget) -> None:
    combo = filter_combo(bar, [("全部店铺", None), ("小店", 1)], 120)
    assert _items(combo) == [("全部店铺", None), ("小店", 1)]
    assert combo.minimumWidth() == combo.maximumWidth() == 120
    assert combo.maxVisibleItems() == 20 and combo.view().minimumWidth() == 180


def test_filter_combo_can_keep_qts_own_list(bar: QWidget) -> None:
    combo = filter_combo(bar, [("全部平台", None)], 96, max_visible=None, popup_extra=None)
    assert combo.maximumWidth() == 96
    assert combo.maxVisibleItems() == 10 and combo.view().minimumWidth() == 0  # Qt's defaults


def test_refill_keeps_the_first_item_and_a_choice_that_still_exists(qtbot, bar: QWidget) -> None:
    combo = filter_combo(bar, [("全部客服", None), ("甲", "a"), ("乙", "b")], 100)
    combo.setCurrentIndex(2)
    with qtbot.assertNotEmitted(combo.currentIndexChanged):
        refill_combo(combo, [("乙", "b"), ("丙", "c")])
    assert _items(combo) == [("全部客服", None), ("乙", "b"), ("丙", "c")] and combo.currentData() == "b"
    refill_combo(combo, [("丙", "c")])  # the choice is gone: back to 「全部」
    assert combo.currentIndex() == 0


def test_refill_sets_item_tooltips(qtbot, bar: QWidget) -> None:
    combo = filter_combo(bar, [("全部商品", None)], 100)
    refill_combo(combo, [("长标题…", "k1"), ("短", "k2")], tooltip={"k1": "长标题的全文", "k2": ""}.get)
    assert combo.itemData(1, Qt.ItemDataRole.ToolTipRole) == "长标题的全文"
    assert not combo.itemData(0, Qt.ItemDataRole.ToolTipRole)  # the 「全部」 item keeps its own


def test_select_data_falls_back_to_the_first_item_without_a_signal(qtbot, bar: QWidget) -> None:
    combo = filter_combo(bar, [("全部", ""), ("高", "高"), ("高+中", "高+中")], 80)
    with qtbot.assertNotEmitted(combo.currentIndexChanged):
        select_data(combo, "高+中")
    assert combo.currentIndex() == 2
    select_data(combo, "无此项")
    assert combo.currentIndex() == 0
