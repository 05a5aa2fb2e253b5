"""The filter bar of 会话: widgets in, one :class:`SessionFilter` out.

The widgets are the single source of truth (:meth:`SessionFilterBarWidget.filter`
reads them). The text box is debounced (400 ms) so typing runs one query;
:meth:`set_filter` writes every widget with signals blocked, then announces
the new filter once. The 「隐藏个人信息」 box is not a filter: it changes
how things are shown (``sig_mask_changed``).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QLabel, QLineEdit, QPushButton, QWidget

from cxdesk.store import PLATFORMS
from cxdesk.store.sessions_browse import NOT_ANALYSED, SENTIMENTS, BrowseOptions, SessionFilter
from ui.models.flag_queue_model import short_agent
from ui.widgets.flow_layout import FlowLayout, group_widgets

DATE_FORMAT = "yyyy-MM-dd"
DEBOUNCE_MS = 400
# Combo data are plain strings ("+"-joined levels): Qt compares them reliably in findData.
RISK_CHOICES = (("全部风险", ""), ("高", "高"), ("高+中", "高+中"), ("中", "中"), ("低", "低"), ("无风险", "无"))
SENTIMENT_CHOICES = (("结束情感", ""), *((f"以{s}结束", s) for s in SENTIMENTS), (NOT_ANALYSED, NOT_ANALYSED))
REVIEWED_CHOICES = (("已阅/未阅", ""), ("未阅", "no"), ("已阅", "yes"))


def _combo(parent: QWidget, items: list[tuple[str, Any]] | tuple[tuple[str, Any], ...], width: int) -> QComboBox:
    combo = QComboBox(parent)
    for text, data in items:
        combo.addItem(text, data)
    combo.setFixedWidth(width)  # fixed: options arriving later must not reflow the bar
    combo.setMaxVisibleItems(20)
    combo.view().setMinimumWidth(width + 60)
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


def _select(combo: QComboBox, value: Any) -> None:
    with QSignalBlocker(combo):
        combo.setCurrentIndex(max(combo.findData(value), 0))


class SessionFilterBarWidget(QWidget):
    """Dates, shop, agent, risk, sentiment, flags, text; ``sig_changed(filter)`` on any change."""

    sig_changed = Signal(object)
    sig_mask_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.use_dates = QCheckBox("日期", self)
        self.date_from = QDateEdit(self)
        self.date_to = QDateEdit(self)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat(DATE_FORMAT)
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
            edit.setFixedWidth(104)
        self.shop = _combo(self, [("全部店铺", None)], 150)
        self.agent = _combo(self, [("全部客服", None)], 108)
        self.risk = _combo(self, RISK_CHOICES, 86)
        self.sentiment = _combo(self, SENTIMENT_CHOICES, 100)
        self.reviewed = _combo(self, REVIEWED_CHOICES, 90)
        self.unanswered = QCheckBox("未回复", self)
        self.unanswered.setToolTip("有买家提问没有得到客服回复的会话（风险检查的「服务时效」判断，不含误报）")
        self.transferred = QCheckBox("转接", self)
        self.transferred.setToolTip("转接过的会话：导出文件标记为转接，或有不止一位客服回复")
        self.has_order = QCheckBox("有订单", self)
        self.has_order.setToolTip("该买家在会话开始前 7 天至后 3 天内在本店有订单")
        self.text = QLineEdit(self)
        self.text.setPlaceholderText("搜索消息内容或买家")
        self.text.setClearButtonEnabled(True)
        self.text.setFixedWidth(160)
        self.reset_button = QPushButton("重置", self)
        self.reset_button.setToolTip("清除所有筛选")
        self.mask = QCheckBox("隐藏个人信息", self)
        self.mask.setToolTip("把手机号、身份证号、地址、收货人姓名、邮箱和买家昵称部分打码（列表、对话、复制和导出）")
        flow = FlowLayout(self)
        flow.addWidget(group_widgets(self, self.use_dates, self.date_from, QLabel("至", self), self.date_to))
        for widget in (self.shop, self.agent, self.risk, self.sentiment, self.reviewed):
            flow.addWidget(widget)
        flow.addWidget(group_widgets(self, self.unanswered, self.transferred, self.has_order))
        flow.addWidget(self.text)
        flow.addWidget(self.reset_button)
        flow.addWidget(self.mask)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit)
        self.text.textChanged.connect(self._debounce.start)
        self.text.returnPressed.connect(self._emit_now)
        for combo in (self.shop, self.agent, self.risk, self.sentiment, self.reviewed):
            combo.currentIndexChanged.connect(self._emit)
        for box in (self.unanswered, self.transferred, self.has_order):
            box.toggled.connect(self._emit)
        self.use_dates.toggled.connect(self._dates_toggled)
        self.date_from.dateChanged.connect(self._emit)
        self.date_to.dateChanged.connect(self._emit)
        self.reset_button.clicked.connect(lambda: self.set_filter(SessionFilter()))
        self.mask.toggled.connect(self.sig_mask_changed)

    # --- reading and writing --------------------------------------------------------

    def filter(self) -> SessionFilter:
        dates = self.use_dates.isChecked()
        risk = self.risk.currentData()
        reviewed = self.reviewed.currentData()
        return SessionFilter(
            date_from=self.date_from.date().toString(DATE_FORMAT) if dates else None,
            date_to=self.date_to.date().toString(DATE_FORMAT) if dates else None,
            shop_id=self.shop.currentData(),
            agent=self.agent.currentData(),
            risk_levels=tuple(risk.split("+")) if risk else (),
            sentiment=self.sentiment.currentData() or None,
            unanswered=self.unanswered.isChecked(),
            transferred=self.transferred.isChecked(),
            has_order=self.has_order.isChecked(),
            text=self.text.text().strip(),
            reviewed=None if not reviewed else reviewed == "yes",
        )

    def set_filter(self, flt: SessionFilter) -> None:
        """Show ``flt`` in the widgets, then announce it once."""
        _select(self.shop, flt.shop_id)
        _select(self.agent, flt.agent)
        _select(self.risk, "+".join(flt.risk_levels))
        _select(self.sentiment, flt.sentiment or "")
        _select(self.reviewed, "" if flt.reviewed is None else ("yes" if flt.reviewed else "no"))
        for box, on in ((self.unanswered, flt.unanswered), (self.transferred, flt.transferred),
                        (self.has_order, flt.has_order)):
            with QSignalBlocker(box):
                box.setChecked(on)
        with QSignalBlocker(self.text):
            self.text.setText(flt.text)
        with QSignalBlocker(self.use_dates), QSignalBlocker(self.date_from), QSignalBlocker(self.date_to):
            self.use_dates.setChecked(bool(flt.date_from or flt.date_to))
            if flt.date_from:
                self.date_from.setDate(QDate.fromString(flt.date_from, DATE_FORMAT))
            if flt.date_to:
                self.date_to.setDate(QDate.fromString(flt.date_to, DATE_FORMAT))
            self._enable_dates()
        self._emit_now()

    def set_options(self, options: BrowseOptions) -> None:
        """Offer the shops, agents and date range that exist."""
        _refill(self.shop, [(f"{name}（{PLATFORMS.get(p, p)}）", sid) for sid, name, p in options.shops])
        _refill(self.agent, [(short_agent(a), a) for a in options.agents])
        for i in range(1, self.agent.count()):
            self.agent.setItemData(i, self.agent.itemData(i), Qt.ItemDataRole.ToolTipRole)  # the full 店铺:子账号
        if options.first_day and options.last_day and not self.use_dates.isChecked():
            with QSignalBlocker(self.date_from), QSignalBlocker(self.date_to):
                self.date_from.setDate(QDate.fromString(options.first_day, DATE_FORMAT))
                self.date_to.setDate(QDate.fromString(options.last_day, DATE_FORMAT))

    def set_mask(self, on: bool) -> None:
        with QSignalBlocker(self.mask):
            self.mask.setChecked(on)

    # --- internals ----------------------------------------------------------------------

    def _dates_toggled(self) -> None:
        self._enable_dates()
        self._emit()

    def _enable_dates(self) -> None:
        on = self.use_dates.isChecked()
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)

    def _emit_now(self) -> None:
        self._debounce.stop()
        self._emit()

    def _emit(self) -> None:
        self.sig_changed.emit(self.filter())
