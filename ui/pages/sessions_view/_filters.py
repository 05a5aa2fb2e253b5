"""The filter bar of 会话: widgets in, one :class:`SessionFilter` out.

The widgets are the single source of truth (:meth:`SessionFilterBarWidget.filter`
reads them). The text box is debounced (400 ms) so typing runs one query;
:meth:`set_filter` writes every widget with signals blocked, then announces
the new filter once. The 「隐藏个人信息」 box is not a filter: it changes
how things are shown (``sig_mask_changed``).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QLineEdit, QPushButton, QWidget

from cxdesk.store import PLATFORMS
from cxdesk.store.sessions_browse import NOT_ANALYSED, SENTIMENTS, BrowseOptions, SessionFilter
from ui.models.flag_queue_model import short_agent
from ui.widgets.date_range import DateRangeEdit
from ui.widgets.filter_combo import filter_combo, refill_combo, select_data
from ui.widgets.flow_layout import FlowLayout, group_widgets

DEBOUNCE_MS = 400
# Combo data are plain strings ("+"-joined levels): Qt compares them reliably in findData.
RISK_CHOICES = (("全部风险", ""), ("高", "高"), ("高+中", "高+中"), ("中", "中"), ("低", "低"), ("无风险", "无"))
SENTIMENT_CHOICES = (("结束情感", ""), *((f"以{s}结束", s) for s in SENTIMENTS), (NOT_ANALYSED, NOT_ANALYSED))
REVIEWED_CHOICES = (("已阅/未阅", ""), ("未阅", "no"), ("已阅", "yes"))


class SessionFilterBarWidget(QWidget):
    """Dates, shop, agent, risk, sentiment, flags, text; ``sig_changed(filter)`` on any change."""

    sig_changed = Signal(object)
    sig_mask_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dates = DateRangeEdit(self)
        self.shop = filter_combo(self, [("全部店铺", None)], 150)
        self.agent = filter_combo(self, [("全部客服", None)], 108)
        self.risk = filter_combo(self, RISK_CHOICES, 86)
        self.sentiment = filter_combo(self, SENTIMENT_CHOICES, 100)
        self.reviewed = filter_combo(self, REVIEWED_CHOICES, 90)
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
        flow.addWidget(self.dates)
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
        self.dates.changed.connect(self._emit)
        self.reset_button.clicked.connect(lambda: self.set_filter(SessionFilter()))
        self.mask.toggled.connect(self.sig_mask_changed)

    # --- reading and writing --------------------------------------------------------

    def filter(self) -> SessionFilter:
        date_from, date_to = self.dates.span()
        risk = self.risk.currentData()
        reviewed = self.reviewed.currentData()
        return SessionFilter(
            date_from=date_from,
            date_to=date_to,
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
        select_data(self.shop, flt.shop_id)
        select_data(self.agent, flt.agent)
        select_data(self.risk, "+".join(flt.risk_levels))
        select_data(self.sentiment, flt.sentiment or "")
        select_data(self.reviewed, "" if flt.reviewed is None else ("yes" if flt.reviewed else "no"))
        for box, on in (
            (self.unanswered, flt.unanswered),
            (self.transferred, flt.transferred),
            (self.has_order, flt.has_order),
        ):
            with QSignalBlocker(box):
                box.setChecked(on)
        with QSignalBlocker(self.text):
            self.text.setText(flt.text)
        self.dates.set_span(flt.date_from, flt.date_to)
        self._emit_now()

    def set_options(self, options: BrowseOptions) -> None:
        """Offer the shops, agents and date range that exist."""
        refill_combo(self.shop, [(f"{name}（{PLATFORMS.get(p, p)}）", sid) for sid, name, p in options.shops])
        refill_combo(self.agent, [(short_agent(a), a) for a in options.agents], tooltip=str)  # the full 店铺:子账号
        self.dates.offer(options.first_day, options.last_day)

    def set_mask(self, on: bool) -> None:
        with QSignalBlocker(self.mask):
            self.mask.setChecked(on)

    # --- internals ----------------------------------------------------------------------

    def _emit_now(self) -> None:
        self._debounce.stop()
        self._emit()

    def _emit(self) -> None:
        self.sig_changed.emit(self.filter())
