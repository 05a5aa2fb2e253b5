"""The 总览 filter bar: period (presets or own dates), shop, platform; ``sig_changed(DashboardFilter)``."""
from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from cxdesk.reports.data import DEFAULT_DAYS, PERIOD_CHOICES
from cxdesk.store import PLATFORMS
from cxdesk.store.dashboard import DashboardFilter

CUSTOM = 0
DATE_FORMAT = "yyyy-MM-dd"


def _combo(parent: QWidget, width: int) -> QComboBox:
    combo = QComboBox(parent)
    combo.setFixedWidth(width)
    return combo


class DashboardFilterBarWidget(QWidget):
    """Presets count back from the newest data day (exports are often weeks old)."""

    sig_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.last_day: date = date.today()
        self.period_combo = _combo(self, 96)
        for days, text in PERIOD_CHOICES.items():
            self.period_combo.addItem(text, days)
        self.period_combo.addItem("自定义", CUSTOM)
        self.period_combo.setCurrentIndex(self.period_combo.findData(DEFAULT_DAYS))
        self.date_from, self.date_to = QDateEdit(self), QDateEdit(self)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat(DATE_FORMAT)
            edit.setCalendarPopup(True)
            edit.setFixedWidth(104)
            edit.dateChanged.connect(self._dates_edited)
        self.shop_combo = _combo(self, 190)
        self.shop_combo.addItem("全部店铺", None)
        self.platform_combo = _combo(self, 96)
        self.platform_combo.addItem("全部平台", None)
        self.period_combo.currentIndexChanged.connect(self._preset_chosen)
        self.shop_combo.currentIndexChanged.connect(self._emit)
        self.platform_combo.currentIndexChanged.connect(self._emit)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        for widget in (QLabel("期间", self), self.period_combo, self.date_from, QLabel("至", self), self.date_to,
                       self.shop_combo, self.platform_combo):
            row.addWidget(widget)
        self._apply_preset()

    def set_options(self, shops: list[tuple[int, str, str]], last_day: date | None) -> None:
        """Offer the store's shops and platforms; presets end at ``last_day``. Keeps the choices."""
        self.last_day = last_day or date.today()
        for combo, items in ((self.shop_combo, [(f"{n}（{PLATFORMS.get(p, p)}）", i) for i, n, p in shops]),
                             (self.platform_combo, [(PLATFORMS.get(p, p), p) for p in sorted({p for _, _, p in shops})])):
            current = combo.currentData()
            with QSignalBlocker(combo):
                while combo.count() > 1:
                    combo.removeItem(1)
                for text, data in items:
                    combo.addItem(text, data)
                combo.setCurrentIndex(max(combo.findData(current), 0))
        self.platform_combo.setVisible(len({p for _, _, p in shops}) > 1)
        self._apply_preset()

    def filter(self) -> DashboardFilter:
        return DashboardFilter(self.date_from.date().toPython(), self.date_to.date().toPython(),
                               self.shop_combo.currentData(), self.platform_combo.currentData())

    def set_period(self, days: int) -> None:
        """Choose a preset (tests, the bench)."""
        self.period_combo.setCurrentIndex(self.period_combo.findData(days))

    def _apply_preset(self) -> None:
        days = self.period_combo.currentData()
        if days == CUSTOM:
            return
        with QSignalBlocker(self.date_from), QSignalBlocker(self.date_to):
            end = self.last_day
            start = end - timedelta(days=int(days) - 1)
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
