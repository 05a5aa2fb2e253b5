"""The 总览 filter bar: period (presets, 全部 or own dates), shop, platform; ``sig_changed(DashboardFilter)``.

全部 (:data:`cxdesk.reports.data.ALL_PERIOD`) has no date bounds: its filter
counts rows without a time too; the date fields then show the span of the
dated rows, greyed out (自定义 enables them again).
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QSignalBlocker, Signal
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QWidget

from cxdesk.reports.data import ALL_PERIOD, DEFAULT_DAYS, PERIOD_CHOICES
from cxdesk.store import PLATFORMS
from cxdesk.store.dashboard import DashboardFilter
from ui.widgets.filter_combo import filter_combo, refill_combo

CUSTOM = 0
DATE_FORMAT = "yyyy-MM-dd"
PERIOD_ITEMS = (*((text, days) for days, text in PERIOD_CHOICES.items()), ("自定义", CUSTOM))


class DashboardFilterBarWidget(QWidget):
    """Presets count back from the newest data day (exports are often weeks old)."""

    sig_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.last_day: date = date.today()
        self.first_day: date = self.last_day
        self.period_combo = filter_combo(self, PERIOD_ITEMS, 96, max_visible=None, popup_extra=None)
        self.period_combo.setCurrentIndex(self.period_combo.findData(DEFAULT_DAYS))
        self.date_from, self.date_to = QDateEdit(self), QDateEdit(self)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat(DATE_FORMAT)
            edit.setCalendarPopup(True)
            edit.setFixedWidth(104)
            edit.dateChanged.connect(self._dates_edited)
        self.shop_combo = filter_combo(self, [("全部店铺", None)], 190, max_visible=None, popup_extra=None)
        self.platform_combo = filter_combo(self, [("全部平台", None)], 96, max_visible=None, popup_extra=None)
        self.period_combo.currentIndexChanged.connect(self._preset_chosen)
        self.shop_combo.currentIndexChanged.connect(self._emit)
        self.platform_combo.currentIndexChanged.connect(self._emit)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        for widget in (
            QLabel("期间", self),
            self.period_combo,
            self.date_from,
            QLabel("至", self),
            self.date_to,
            self.shop_combo,
            self.platform_combo,
        ):
            row.addWidget(widget)
        self._apply_preset()

    def set_options(
        self,
        shops: list[tuple[int, str, str]],
        last_day: date | None,
        first_day: date | None = None,
        *,
        all_if_undated: bool = False,
    ) -> None:
        """Offer the store's shops and platforms; presets end at ``last_day``. Keeps the choices, except that
        with ``all_if_undated`` and no dated row at all (``last_day`` None) 全部 is chosen: nothing else shows data."""
        self.last_day = last_day or date.today()
        self.first_day = min(first_day or self.last_day, self.last_day)
        if all_if_undated and last_day is None and self.period_combo.currentData() != CUSTOM:
            with QSignalBlocker(self.period_combo):
                self.period_combo.setCurrentIndex(self.period_combo.findData(ALL_PERIOD))
        refill_combo(self.shop_combo, [(f"{n}（{PLATFORMS.get(p, p)}）", i) for i, n, p in shops])
        refill_combo(self.platform_combo, [(PLATFORMS.get(p, p), p) for p in sorted({p for _, _, p in shops})])
        self.platform_combo.setVisible(len({p for _, _, p in shops}) > 1)
        self._apply_preset()

    def filter(self) -> DashboardFilter:
        return DashboardFilter(
            self.date_from.date().toPython(),
            self.date_to.date().toPython(),
            self.shop_combo.currentData(),
            self.platform_combo.currentData(),
            all_data=self.period_combo.currentData() == ALL_PERIOD,
        )

    def set_period(self, days: int) -> None:
        """Choose a preset (tests, the bench); ``ALL_PERIOD`` for 全部."""
        self.period_combo.setCurrentIndex(self.period_combo.findData(days))

    def _apply_preset(self) -> None:
        days = self.period_combo.currentData()
        for edit in (self.date_from, self.date_to):  # 全部 has no date bounds: its dates only show the dated span
            edit.setEnabled(days != ALL_PERIOD)
        if days == CUSTOM:
            return
        with QSignalBlocker(self.date_from), QSignalBlocker(self.date_to):
            end = self.last_day
            start = self.first_day if days == ALL_PERIOD else end - timedelta(days=int(days) - 1)
            self.date_from.setDate(QDate(start.year, start.month, start.day))
            self.date_to.setDate(QDate(end.year, end.month, end.day))

    def _preset_chosen(self) -> None:
        self._apply_preset()
        self._emit()

    def _dates_edited(self) -> None:
        with QSignalBlocker(self.period_combo):
            self.period_combo.setCurrentIndex(self.period_combo.findData(CUSTOM))
        if self.date_to.date() < self.date_from.date():
            with QSignalBlocker(self.date_to):
                self.date_to.setDate(self.date_from.date())
        self._emit()

    def _emit(self, *_: object) -> None:
        self.sig_changed.emit(self.filter())
