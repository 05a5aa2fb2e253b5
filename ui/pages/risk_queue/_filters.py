"""The filter bar of 风险: combos and a date range in, one :class:`FlagFilter` out.

The widgets are the single source of truth (:meth:`RiskFilterBarWidget.filter`
reads them); :meth:`set_filter` writes them with signals blocked and then
announces the new filter once, so a chart click runs one query. Before the
page's first load has offered the categories, agents and shops (it reads them
in the background), a category, agent or shop set by :meth:`set_filter` is
kept aside, counted in :meth:`filter`, and selected once :meth:`set_options`
lists it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from cxdesk.store import PLATFORMS
from cxdesk.store.risk_queue import LEVELS, OPEN_STATUSES, SORT_LABELS, STATUSES, FlagFilter, QueueOptions
from ui.models.flag_queue_model import short_agent
from ui.widgets.date_range import DateRangeEdit
from ui.widgets.filter_combo import filter_combo, refill_combo, select_data
from ui.widgets.flow_layout import FlowLayout

# Combo data are plain strings ("+"-joined values): Qt compares them reliably in findData.
STATUS_CHOICES = (("未处理", "+".join(OPEN_STATUSES)), *((s, s) for s in STATUSES), ("全部状态", ""))
LEVEL_CHOICES = (("全部等级", ""), ("高", "高"), ("高+中", "高+中"), ("中", "中"), ("低", "低"))


def _values(data: Any) -> tuple[str, ...]:
    return tuple(data.split("+")) if data else ()


class RiskFilterBarWidget(QWidget):
    """Level, category, status, agent, shop, dates and sort; ``sig_changed(filter)`` on any change."""

    sig_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._offered = False  # set_options was called: the combos list what exists
        self._waiting: dict[str, Any] = {}  # FlagFilter field -> value set before the combos listed it
        self.level = filter_combo(self, [(t, v) for t, v in LEVEL_CHOICES], 84)
        self.category = filter_combo(self, [("全部类别", None)], 118)
        self.status = filter_combo(self, [(t, v) for t, v in STATUS_CHOICES], 96)
        self.agent = filter_combo(self, [("全部客服", None)], 118)
        self.shop = filter_combo(self, [("全部店铺", None)], 176)
        self.dates = DateRangeEdit(self)
        self.sort = filter_combo(self, [(t, k) for k, t in SORT_LABELS.items()], 124)
        self.sort.setToolTip("队列的排列顺序")
        self.status.setItemData(0, "待处理和处理中的风险", Qt.ItemDataRole.ToolTipRole)
        self.reset_button = QPushButton("重置", self)
        self.reset_button.setToolTip("清除所有筛选，回到未处理的风险")
        # A flow layout: on a narrow window the bar takes a second line instead of forcing
        # the main window wider.
        flow = FlowLayout(self)
        for combo in (self.level, self.category, self.status, self.agent, self.shop):
            flow.addWidget(combo)
        flow.addWidget(self.dates)
        flow.addWidget(self.sort)
        flow.addWidget(self.reset_button)
        for combo in (self.level, self.category, self.status, self.agent, self.shop, self.sort):
            combo.currentIndexChanged.connect(self._emit)
        self.dates.changed.connect(self._emit)
        self.reset_button.clicked.connect(lambda: self.set_filter(FlagFilter()))

    # --- reading and writing -----------------------------------------------------

    def filter(self) -> FlagFilter:
        date_from, date_to = self.dates.span()
        flt = FlagFilter(
            levels=_values(self.level.currentData()),
            categories=(self.category.currentData(),) if self.category.currentData() else (),
            statuses=_values(self.status.currentData()),
            agent=self.agent.currentData(),
            shop_id=self.shop.currentData(),
            date_from=date_from,
            date_to=date_to,
        )
        return replace(flt, **self._waiting) if self._waiting else flt

    def sort_key(self) -> str:
        return str(self.sort.currentData())

    def set_filter(self, flt: FlagFilter) -> None:
        """Show ``flt`` in the widgets, then announce it once."""
        select_data(self.level, "+".join(lv for lv in LEVELS if lv in flt.levels))
        select_data(self.status, "+".join(s for s in STATUSES if s in flt.statuses))
        self._waiting = {}
        for field, combo, value in self._offered_fields(flt):
            select_data(combo, value)
            if not self._offered and value is not None and combo.currentData() != value:
                self._waiting[field] = (value,) if field == "categories" else value
        self.dates.set_span(flt.date_from, flt.date_to)
        self._emit()

    def set_options(self, options: QueueOptions) -> None:
        """Offer the categories, agents, shops and date range that exist."""
        refill_combo(self.category, [(c, c) for c in options.categories])
        refill_combo(self.agent, [(short_agent(a), a) for a in options.agents], tooltip=str)  # the full 店铺:子账号
        refill_combo(self.shop, [(f"{name}（{PLATFORMS.get(p, p)}）", sid) for sid, name, p in options.shops])
        self.dates.offer(options.first_day, options.last_day)
        self._offered = True
        waiting, self._waiting = self._waiting, {}
        for _field, combo, value in self._offered_fields(FlagFilter(**waiting)):
            if value is not None:
                select_data(combo, value)

    def _offered_fields(self, flt: FlagFilter) -> list[tuple[str, Any, Any]]:
        """(field, combo, value) of the fields whose choices come from :meth:`set_options`."""
        return [
            ("categories", self.category, flt.categories[0] if flt.categories else None),
            ("agent", self.agent, flt.agent),
            ("shop_id", self.shop, flt.shop_id),
        ]

    # --- internals -------------------------------------------------------------------

    def _emit(self) -> None:
        self.sig_changed.emit(self.filter())
