"""The option bar of 客服绩效: shop, period kind, which period, conversion window, trend KPI, date range."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from cxdesk.analysis.agent_metrics import ALL_PERIOD, DIMENSIONS, METRICS, NO_TIME, PERIODS, SCORE, SCORE_LABEL, WINDOWS
from cxdesk.store import PLATFORMS
from cxdesk.store.agents import ShopRow
from ui.widgets.date_range import DateRangeEdit
from ui.widgets.filter_combo import filter_combo
from ui.widgets.flow_layout import FlowLayout

TREND_CHOICES = (
    (SCORE, SCORE_LABEL),
    *((m.key, m.name) for m in METRICS if m.key != "first_resp_median"),
    *DIMENSIONS.items(),
)


def _combo(parent: QWidget, width: int) -> QComboBox:
    return filter_combo(parent, [], width, max_visible=24, popup_extra=None)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(iso: str | None) -> date | None:
    return date.fromisoformat(iso) if iso else None


def period_text(kind: str, key: str) -> str:
    if key in (ALL_PERIOD, NO_TIME):
        return key
    if kind == "week":
        return f"{key} 起一周"
    return key


class AgentFilterBarWidget(QWidget):
    """Emits ``sig_options_changed`` when the table must be recomputed and ``sig_period_changed``
    when only the shown period changes; ``sig_trend_changed`` for the trend KPI."""

    sig_options_changed = Signal()
    sig_period_changed = Signal()
    sig_trend_changed = Signal()
    sig_export = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop_box = _combo(self, 190)
        self.shop_box.addItem("全部店铺", 0)
        self.kind_box = _combo(self, 70)
        for key, label in PERIODS.items():
            self.kind_box.addItem(label, key)
        self.period_box = _combo(self, 130)
        self.window_box = _combo(self, 64)
        for key, label in WINDOWS.items():
            self.window_box.addItem(label, key)
        self.window_box.setToolTip("询单转化的时间窗口：咨询当天结束前（当日）或第二天结束前（次日）下单/付款才算转化")
        self.trend_box = _combo(self, 130)
        for key, label in TREND_CHOICES:
            self.trend_box.addItem(label, key)
        # Qt's own box widths and spacing here (the other bars fix them).
        self.dates = DateRangeEdit(
            self,
            tooltip="只统计在这段日期内开始的会话（总览的卡片会带着它的期间打开本页）",
            edit_width=None,
            spacing=None,
        )
        self.export_button = QPushButton("导出…", self)
        self.export_button.setToolTip("把当前周期的排名表导出为 CSV 或 Excel（每位客服一行）")
        self.status_label = QLabel("", self)
        self.status_label.setStyleSheet("color: #666;")
        # A flow layout: on a narrow window the options wrap instead of widening the window.
        layout = FlowLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for text, box in (
            ("店铺", self.shop_box),
            ("周期", self.kind_box),
            ("", self.period_box),
            ("转化窗口", self.window_box),
            ("趋势", self.trend_box),
        ):
            group = QWidget(self)
            row = QHBoxLayout(group)
            row.setContentsMargins(0, 0, 0, 0)
            if text:
                row.addWidget(QLabel(text, group))
            row.addWidget(box)
            layout.addWidget(group)
        layout.addWidget(self.dates)
        layout.addWidget(self.export_button)
        layout.addWidget(self.status_label)
        self.shop_box.currentIndexChanged.connect(lambda _i: self.sig_options_changed.emit())
        self.kind_box.currentIndexChanged.connect(lambda _i: self.sig_options_changed.emit())
        self.window_box.currentIndexChanged.connect(lambda _i: self.sig_options_changed.emit())
        self.period_box.currentIndexChanged.connect(lambda _i: self.sig_period_changed.emit())
        self.trend_box.currentIndexChanged.connect(lambda _i: self.sig_trend_changed.emit())
        self.export_button.clicked.connect(self.sig_export.emit)
        self.dates.changed.connect(self.sig_options_changed.emit)

    def set_shops(self, shops: list[ShopRow]) -> None:
        current = self.shop_box.currentData()
        with QSignalBlocker(self.shop_box):
            while self.shop_box.count() > 1:
                self.shop_box.removeItem(1)
            for shop in shops:
                self.shop_box.addItem(f"{shop.name}（{PLATFORMS.get(shop.platform, shop.platform)}）", shop.id)
            self.shop_box.setCurrentIndex(max(self.shop_box.findData(current), 0))

    def set_periods(self, keys: list[str]) -> None:
        """Fill the period list (newest first), keeping the choice when it still exists."""
        current = self.period_box.currentData()
        kind = self.period_kind()
        with QSignalBlocker(self.period_box):
            self.period_box.clear()
            for key in keys:
                self.period_box.addItem(period_text(kind, key), key)
            index = self.period_box.findData(current)
            self.period_box.setCurrentIndex(index if index >= 0 else 0)
        self.period_box.setEnabled(kind != "all")

    def shop_ids(self) -> list[int] | None:
        shop = self.shop_box.currentData()
        return [int(shop)] if shop else None

    def date_range(self) -> tuple[date | None, date | None]:
        """(first day, last day) when 日期 is ticked, else (None, None)."""
        date_from, date_to = self.dates.span()
        return _day(date_from), _day(date_to)

    def set_date_bounds(self, first: date | None, last: date | None) -> None:
        """The days the data covers: the date boxes start there and cannot go beyond."""
        self.dates.offer(_iso(first), _iso(last), bound=True)

    def set_date_range(self, date_from: date | None, date_to: date | None) -> None:
        """Tick 日期 with these days (one change signal), or untick it when both are None."""
        self.dates.set_span(_iso(date_from), _iso(date_to))
        self.sig_options_changed.emit()

    def period_kind(self) -> str:
        return str(self.kind_box.currentData())

    def period(self) -> str:
        return str(self.period_box.currentData() or ALL_PERIOD)

    def window(self) -> str:
        return str(self.window_box.currentData())

    def trend_key(self) -> str:
        return str(self.trend_box.currentData())

    def set_trend_key(self, key: str) -> None:
        index = self.trend_box.findData(key)
        if index >= 0:
            self.trend_box.setCurrentIndex(index)
