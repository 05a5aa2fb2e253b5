"""The filter bar of 风险: combos and a date range in, one :class:`FlagFilter` out.

The widgets are the single source of truth (:meth:`RiskFilterBarWidget.filter`
reads them); :meth:`set_filter` writes them with signals blocked and then
announces the new filter once, so a chart click runs one query.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QLabel, QPushButton, QWidget

from cxdesk.store import PLATFORMS
from cxdesk.store.risk_queue import LEVELS, OPEN_STATUSES, SORT_LABELS, STATUSES, FlagFilter, QueueOptions
from ui.models.flag_queue_model import short_agent
from ui.widgets.flow_layout import FlowLayout, group_widgets

# Combo data are plain strings ("+"-joined values): Qt compares them reliably in findData.
STATUS_CHOICES = (("未处理", "+".join(OPEN_STATUSES)), *((s, s) for s in STATUSES), ("全部状态", ""))
LEVEL_CHOICES = (("全部等级", ""), ("高", "高"), ("高+中", "高+中"), ("中", "中"), ("低", "低"))
DATE_FORMAT = "yyyy-MM-dd"


def _combo(parent: QWidget, items: list[tuple[str, Any]], width: int) -> QComboBox:
    combo = QComboBox(parent)
    for text, data in items:
        combo.addItem(text, data)
    combo.setFixedWidth(width)  # fixed: options arriving later must not reflow the bar
    combo.setMaxVisibleItems(20)
    combo.view().setMinimumWidth(width + 60)  # the open list shows whole names
    return combo


def _refill(combo: QComboBox, items: list[tuple[str, Any]]) -> None:
    """Replace all but the first (「全部」) item, keeping the selection if it still exists."""
    current = combo.currentData()
    with QSignalBlocker(combo):
        while combo.count() > 1:
            combo.removeItem(1)
        for text, data in items:
            combo.addItem(text, data)
        combo.setCurrentIndex(max(combo.findData(current), 0))


def _values(data: Any) -> tuple[str, ...]:
    return tuple(data.split("+")) if data else ()


def _select(combo: QComboBox, value: Any) -> None:
    with QSignalBlocker(combo):
        combo.setCurrentIndex(max(combo.findData(value), 0))


class RiskFilterBarWidget(QWidget):
    """Level, category, status, agent, shop, dates and sort; ``sig_changed(filter)`` on any change."""

    sig_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level = _combo(self, [(t, v) for t, v in LEVEL_CHOICES], 84)
        self.category = _combo(self, [("全部类别", None)], 118)
        self.status = _combo(self, [(t, v) for t, v in STATUS_CHOICES], 96)
        self.agent = _combo(self, [("全部客服", None)], 118)
        self.shop = _combo(self, [("全部店铺", None)], 176)
        self.use_dates = QCheckBox("日期", self)
        self.date_from = QDateEdit(self)
        self.date_to = QDateEdit(self)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat(DATE_FORMAT)
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
            edit.setFixedWidth(104)
        self.sort = _combo(self, [(t, k) for k, t in SORT_LABELS.items()], 124)
        self.sort.setToolTip("队列的排列顺序")
        self.status.setItemData(0, "待处理和处理中的风险", Qt.ItemDataRole.ToolTipRole)
        self.reset_button = QPushButton("重置", self)
        self.reset_button.setToolTip("清除所有筛选，回到未处理的风险")
        # A flow layout: on a narrow window the bar takes a second line instead of forcing
        # the main window wider.
        flow = FlowLayout(self)
        for combo in (self.level, self.category, self.status, self.agent, self.shop):
            flow.addWidget(combo)
        flow.addWidget(group_widgets(self, self.use_dates, self.date_from, QLabel("至", self), self.date_to))
        flow.addWidget(self.sort)
        flow.addWidget(self.reset_button)
        for combo in (self.level, self.category, self.status, self.agent, self.shop, self.sort):
            combo.currentIndexChanged.connect(self._emit)
        self.use_dates.toggled.connect(self._dates_toggled)
        self.date_from.dateChanged.connect(self._emit)
        self.date_to.dateChanged.connect(self._emit)
        self.reset_button.clicked.connect(lambda: self.set_filter(FlagFilter()))

    # --- reading and writing -----------------------------------------------------

    def filter(self) -> FlagFilter:
        dates = self.use_dates.isChecked()
        return FlagFilter(
            levels=_values(self.level.currentData()),
            categories=(self.category.currentData(),) if self.category.currentData() else (),
            statuses=_values(self.status.currentData()),
            agent=self.agent.currentData(),
            shop_id=self.shop.currentData(),
            date_from=self.date_from.date().toString(DATE_FORMAT) if dates else None,
            date_to=self.date_to.date().toString(DATE_FORMAT) if dates else None,
        )

    def sort_key(self) -> str:
        return str(self.sort.currentData())

    def set_filter(self, flt: FlagFilter) -> None:
        """Show ``flt`` in the widgets, then announce it once."""
        _select(self.level, "+".join(lv for lv in LEVELS if lv in flt.levels))
        _select(self.category, flt.categories[0] if flt.categories else None)
        _select(self.status, "+".join(s for s in STATUSES if s in flt.statuses))
        _select(self.agent, flt.agent)
        _select(self.shop, flt.shop_id)
        with QSignalBlocker(self.use_dates), QSignalBlocker(self.date_from), QSignalBlocker(self.date_to):
            self.use_dates.setChecked(bool(flt.date_from or flt.date_to))
            if flt.date_from:
                self.date_from.setDate(QDate.fromString(flt.date_from, DATE_FORMAT))
            if flt.date_to:
                self.date_to.setDate(QDate.fromString(flt.date_to, DATE_FORMAT))
            self._enable_dates()
        self._emit()

    def set_options(self, options: QueueOptions) -> None:
        """Offer the categories, agents, shops and date range that exist."""
        _refill(self.category, [(c, c) for c in options.categories])
        _refill(self.agent, [(short_agent(a), a) for a in options.agents])
        _refill(self.shop, [(f"{name}（{PLATFORMS.get(p, p)}）", sid) for sid, name, p in options.shops])
        for i in range(1, self.agent.count()):
            self.agent.setItemData(i, self.agent.itemData(i), Qt.ItemDataRole.ToolTipRole)  # the full 店铺:子账号
        if options.first_day and options.last_day and not self.use_dates.isChecked():
            with QSignalBlocker(self.date_from), QSignalBlocker(self.date_to):
                first = QDate.fromString(options.first_day, DATE_FORMAT)
                last = QDate.fromString(options.last_day, DATE_FORMAT)
                self.date_from.setDate(first)
                self.date_to.setDate(last)

    # --- internals -------------------------------------------------------------------

    def _dates_toggled(self) -> None:
        self._enable_dates()
        self._emit()

    def _enable_dates(self) -> None:
        on = self.use_dates.isChecked()
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)

    def _emit(self) -> None:
        self.sig_changed.emit(self.filter())
