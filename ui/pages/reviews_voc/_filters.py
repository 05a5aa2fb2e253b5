"""The filter bar of 评价分析: widgets in, one :class:`VocFilter` out, debounced.

The controls sit in a :class:`ui.widgets.flow_layout.FlowLayout`, in small
groups that wrap as units: on a narrow window the bar takes another line
instead of forcing the whole main window wider.

The widgets are the single source of truth: :meth:`FilterBarWidget.filter`
reads them, :meth:`FilterBarWidget.set_filter` (chart clicks) writes them
with signals blocked and then announces the new filter at once. Typing and
ticking are debounced by :data:`DEBOUNCE_MS` so one query runs per pause,
not per keystroke (STYLE §15).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from cxdesk.store import PLATFORMS
from cxdesk.store.voc import NO_RATING, POLARITIES, WORD_RATINGS, VocFilter, VocOptions
from ui.widgets.help_button import HelpButton
from ui.widgets.filter_combo import filter_combo, refill_combo, select_data
from ui.widgets.flow_layout import FlowLayout, group_widgets

DEBOUNCE_MS = 300
NO_DATE = QDate(2000, 1, 1)  # shown as 「不限」 through specialValueText
RATING_BUTTONS = (
    (1, "1星"),
    (2, "2星"),
    (3, "3星"),
    (4, "4星"),
    (5, "5星"),
    *((key, WORD_RATINGS[key]) for key in (13, 12, 11)),
    (NO_RATING, "无评分"),
)
WORD_RATING_TIP = "没有星级、只有评价等级文字（{0}）的评价"
MAX_PRODUCT_CHARS = 22
PRODUCT_POPUP_WIDTH = 420  # the list may be wider than the combo: titles are long
SHIFT_TIP = "只看初评正面、追评转为负面的评价：常常是用了一段时间才发现的质量问题。"
SHIFT_NOT_RUN = "方面分析尚未运行：运行后才能找出追评转差的评价。"


def _date_edit(parent: QWidget) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("不限")
    edit.setDate(NO_DATE)
    return edit


class FilterBarWidget(QWidget):
    """Shop, platform, product, SKU, text, dates, ratings, aspect, polarity, 追评转差; ``sig_changed(VocFilter)``."""

    sig_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._emit)
        self._product_titles: dict[str, str] = {}
        self._build()

    # --- building ----------------------------------------------------------------

    def _build(self) -> None:
        self.shop_combo = filter_combo(self, [("全部店铺", None)], 150, popup_extra=None)
        self.platform_combo = filter_combo(self, [("全部平台", None)], 90, popup_extra=None)
        self.product_combo = filter_combo(self, [("全部商品", None)], 240, popup_extra=None)
        self.product_combo.view().setMinimumWidth(PRODUCT_POPUP_WIDTH)
        self.sku_edit = QLineEdit(self, placeholderText="SKU 包含…", clearButtonEnabled=True)
        self.sku_edit.setFixedWidth(130)
        self.text_edit = QLineEdit(self, placeholderText="评价内容包含…", clearButtonEnabled=True)
        self.text_edit.setFixedWidth(170)
        self.date_from, self.date_to = _date_edit(self), _date_edit(self)
        self.rating_buttons = {value: self._rating_button(text) for value, text in RATING_BUTTONS}
        for value, text in WORD_RATINGS.items():
            self.rating_buttons[value].setToolTip(WORD_RATING_TIP.format(text))
        self.aspect_combo = filter_combo(self, [("全部方面", None)], 100, popup_extra=None)
        self.polarity_combo = filter_combo(
            self, [("全部倾向", None), *((p, p) for p in POLARITIES)], 90, popup_extra=None
        )
        self.polarity_combo.setToolTip("选了方面时指该方面的提及倾向，否则指整条评价的情感")
        self.shift_check = QCheckBox("追评转差", self)
        self.shift_check.setToolTip(SHIFT_TIP)
        self.shift_check.toggled.connect(self._schedule)
        self.reset_button = QPushButton("清除筛选", self)
        self.reset_button.clicked.connect(lambda: self.set_filter(VocFilter()))
        for combo in (self.shop_combo, self.platform_combo, self.product_combo, self.aspect_combo, self.polarity_combo):
            combo.currentIndexChanged.connect(self._schedule)
        for edit in (self.sku_edit, self.text_edit):
            edit.textChanged.connect(self._schedule)
        for date_edit in (self.date_from, self.date_to):
            date_edit.dateChanged.connect(self._schedule)
        self._lay_out()

    def _rating_button(self, text: str) -> QToolButton:
        button = QToolButton(self, text=text, checkable=True)
        button.toggled.connect(self._schedule)
        return button

    def _lay_out(self) -> None:
        flow = FlowLayout(self)
        for widget in (self.shop_combo, self.platform_combo, self.product_combo, self.sku_edit, self.text_edit):
            flow.addWidget(widget)
        flow.addWidget(group_widgets(self, QLabel("日期", self), self.date_from, QLabel("至", self), self.date_to))
        flow.addWidget(group_widgets(self, QLabel("评分", self), *self.rating_buttons.values()))
        flow.addWidget(group_widgets(self, self.aspect_combo, self.polarity_combo))
        flow.addWidget(self.shift_check)
        flow.addWidget(self.reset_button)
        self.help_button = HelpButton("reviews", self)  # 评分类别, sentiment and aspects defined
        flow.addWidget(self.help_button)

    # --- options -------------------------------------------------------------------

    def set_options(self, options: VocOptions) -> None:
        """Offer what the store holds; keeps current choices that still exist."""
        refill_combo(self.shop_combo, [(name, sid) for sid, name, _ in options.shops])
        refill_combo(self.platform_combo, [(PLATFORMS.get(p, p), p) for p in options.platforms])
        self._product_titles = {key: title for key, title, _ in options.products}
        refill_combo(
            self.product_combo,
            [(self._short(t), k) for k, t, _ in options.products],
            tooltip=lambda key: self._product_titles.get(key, ""),
        )
        refill_combo(self.aspect_combo, [(a, a) for a in options.aspects])
        self.aspect_combo.setEnabled(options.has_aspects)
        self.aspect_combo.setToolTip("" if options.has_aspects else "方面分析尚未运行")
        # Stays usable while ticked, so a filter set earlier can always be cleared.
        self.shift_check.setEnabled(options.has_text_state or self.shift_check.isChecked())
        self.shift_check.setToolTip(SHIFT_TIP if options.has_text_state else SHIFT_NOT_RUN)

    @staticmethod
    def _short(title: str) -> str:
        return title if len(title) <= MAX_PRODUCT_CHARS else title[:MAX_PRODUCT_CHARS] + "…"

    # --- the filter --------------------------------------------------------------------

    def filter(self) -> VocFilter:
        """The filter the widgets show now."""
        return VocFilter(
            shop_id=self.shop_combo.currentData(),
            platform=self.platform_combo.currentData(),
            product=self.product_combo.currentData(),
            sku=self.sku_edit.text().strip(),
            text=self.text_edit.text().strip(),
            date_from=self._date(self.date_from),
            date_to=self._date(self.date_to),
            ratings=tuple(v for v, b in self.rating_buttons.items() if b.isChecked()),
            aspect=self.aspect_combo.currentData(),
            polarity=self.polarity_combo.currentData(),
            shift_only=self.shift_check.isChecked(),
        )

    def set_filter(self, f: VocFilter) -> None:
        """Show ``f`` in the widgets and announce it now (chart clicks, 「清除筛选」, links from 总览).

        A shop, platform or product the combos do not list yet (the page's options load in the
        background) is added, so a filter set before the first load is not lost.
        """
        for combo, value in (
            (self.shop_combo, f.shop_id),
            (self.platform_combo, f.platform),
            (self.product_combo, f.product),
        ):
            if value is not None and combo.findData(value) < 0:
                combo.addItem(PLATFORMS.get(value, value) if combo is self.platform_combo else str(value), value)
        select_data(self.shop_combo, f.shop_id)
        select_data(self.platform_combo, f.platform)
        select_data(self.product_combo, f.product)
        if f.aspect and self.aspect_combo.findData(f.aspect) < 0:
            self.aspect_combo.addItem(f.aspect, f.aspect)
        select_data(self.aspect_combo, f.aspect)
        select_data(self.polarity_combo, f.polarity)
        for edit, text in ((self.sku_edit, f.sku), (self.text_edit, f.text)):
            with QSignalBlocker(edit):
                edit.setText(text)
        for edit, day in ((self.date_from, f.date_from), (self.date_to, f.date_to)):
            with QSignalBlocker(edit):
                edit.setDate(QDate(day.year, day.month, day.day) if day else NO_DATE)
        for value, button in self.rating_buttons.items():
            with QSignalBlocker(button):
                button.setChecked(value in f.ratings)
        with QSignalBlocker(self.shift_check):
            self.shift_check.setChecked(f.shift_only)
        self._timer.stop()
        self._emit()

    @staticmethod
    def _date(edit: QDateEdit) -> Any:
        day = edit.date()
        return None if day == NO_DATE else day.toPython()

    def _schedule(self, *_: object) -> None:
        self._timer.start()

    def _emit(self) -> None:
        self.sig_changed.emit(self.filter())
