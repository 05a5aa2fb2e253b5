"""The combo boxes of the filter bars (风险, 会话, 总览, 评价分析): build, refill, select.

A bar's combo holds (text, data) items; its first item is the 「全部…」 choice,
which :func:`refill_combo` keeps while it replaces the options the store
offers. Data are plain values (strings, ids, None) that Qt compares reliably
in ``findData``. Refilling and selecting never emit: the bar announces its
whole filter once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QComboBox, QWidget

MAX_VISIBLE = 20
POPUP_EXTRA = 60  # the open list is this much wider than the combo: whole names show


def filter_combo(
    parent: QWidget,
    items: Iterable[tuple[str, Any]],
    width: int,
    *,
    max_visible: int | None = MAX_VISIBLE,
    popup_extra: int | None = POPUP_EXTRA,
) -> QComboBox:
    """A combo of (text, data) ``items`` at a fixed ``width``.

    The width is fixed so that options arriving later do not reflow the bar.
    ``max_visible`` rows show in the open list, which is ``popup_extra`` wider
    than the combo; None leaves Qt's own (10 rows, the combo's width).
    """
    combo = QComboBox(parent)
    for text, data in items:
        combo.addItem(text, data)
    combo.setFixedWidth(width)
    if max_visible is not None:
        combo.setMaxVisibleItems(max_visible)
    if popup_extra is not None:
        combo.view().setMinimumWidth(width + popup_extra)
    return combo


def refill_combo(
    combo: QComboBox, items: Iterable[tuple[str, Any]], tooltip: Callable[[Any], str] | None = None
) -> None:
    """Replace all but the first (「全部」) item, keeping the selection if it still exists.

    ``tooltip(data)``, when given, is each new item's tooltip (a long title, the full 店铺:子账号).
    """
    current = combo.currentData()
    with QSignalBlocker(combo):
        while combo.count() > 1:
            combo.removeItem(1)
        for text, data in items:
            combo.addItem(text, data)
            if tooltip is not None:
                combo.setItemData(combo.count() - 1, tooltip(data), Qt.ItemDataRole.ToolTipRole)
        combo.setCurrentIndex(max(combo.findData(current), 0))


def select_data(combo: QComboBox, value: Any) -> None:
    """Select the item with this data (else the first), without a signal."""
    with QSignalBlocker(combo):
        combo.setCurrentIndex(max(combo.findData(value), 0))
