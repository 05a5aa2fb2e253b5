"""The detail pane of 风险: what was flagged, in its whole conversation, and triage.

It shows data the page hands it and reports the reviewer's actions as
signals (``sig_triage(status)``, ``sig_save_note(note)``,
``sig_open_session(session_id, message_id)`` for 「在会话中打开」); it never
writes to the store itself.

The sentiment chart (most of the cost of showing a conversation) is drawn on
the next turn of the event loop: a reviewer holding J moves on at once, and
only the conversation they stop on gets its chart.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from cxdesk.analysis.rule_labels import rule_label
from cxdesk.store import PLATFORMS
from cxdesk.store.risk_queue import Conversation, FlagRow, OrderLink, ReviewText
from ui.models.flag_queue_model import short_agent
from ui.pages.risk_queue._figures import LEVEL_COLORS, sentiment_figure
from ui.widgets.compact_chart import CompactChartWidget
from ui.widgets.conversation_view import ConversationViewWidget
from ui.widgets.flow_layout import FlowLayout

TRIAGE = (("处理中", "P"), ("已处理", "H"), ("误报", "F"))
CHART_HEIGHT = 112
MAX_ORDERS_SHOWN = 3


def header_html(flag: FlagRow) -> str:
    # The badge is the queue's level (the risk score's, as in the table); the rule's own level is named.
    color = LEVEL_COLORS.get(flag.shown_level, "#777")
    title = (
        f"<span style='background:{color}; color:white'>&nbsp;{escape(flag.shown_level)}&nbsp;</span> "
        f"<b>{escape(flag.category)}</b> <span style='color:#777'>{escape(rule_label(flag.rule_id, flag.category))}"
        f" · 规则等级 {escape(flag.level)}</span>"
        f" · 状态：<b>{escape(flag.status)}</b>"
    )
    if flag.handler or flag.handled_at:
        who = f"{flag.handler or ''} {(flag.handled_at or '')[:16]}"
        title += f"<span style='color:#777'>（{escape(who)}）</span>"
    where = [f"{flag.shop or ''}（{PLATFORMS.get(flag.platform or '', flag.platform or '')}）"]
    if flag.session_id is not None:
        where.append(f"会话 #{flag.session_id}")
    if flag.target_type == "review":
        where.append(f"评价 #{flag.target_id}")
    where.append(f"买家 {flag.buyer or '—'}")
    if flag.target_type != "review":
        where.append(f"客服 {short_agent(flag.agent) or '—'}")
    where.append((flag.event_at or "")[:16])
    if flag.seq is not None:
        where.append(f"第 {flag.seq} 条消息")
    lines = [title, "<span style='color:#555'>" + " · ".join(escape(w) for w in where if w) + "</span>"]
    if flag.score is not None:
        lines.append(
            f"<span style='color:#555'>风险分 <b>{flag.score}</b>（{escape(flag.score_level or '')}）"
            f"{escape('：' + flag.score_reasons if flag.score_reasons else '')}</span>"
        )
    return "<br>".join(lines)


def orders_html(link: OrderLink) -> str:
    if not link.orders:
        return f"<span style='color:#777'>订单：{escape(link.how)}</span>"
    rows = []
    for o in link.orders[:MAX_ORDERS_SHOWN]:
        amount = f"¥{o.amount:,.2f}" if o.amount is not None else ""
        refund = f" · 退款：{o.refund_status}" if o.refund_status else ""
        rows.append(escape(f"{o.order_id} · 下单 {(o.created_at or '')[:16]} · {amount} · {o.status or ''}{refund}"))
    more = f"（另有 {len(link.orders) - MAX_ORDERS_SHOWN} 笔）" if len(link.orders) > MAX_ORDERS_SHOWN else ""
    return f"<b>订单</b> <span style='color:#777'>{escape(link.how)}</span><br>" + "<br>".join(rows) + escape(more)


def _message_of(flag: FlagRow, conv: Conversation) -> int | None:
    """The message a flag points at: its target, or for a session flag the message its evidence names."""
    if flag.target_type == "message":
        return flag.target_id
    ev = flag.evidence if isinstance(flag.evidence, dict) else {}
    seq = ev.get("reply_seq", ev.get("seq"))
    return next((m.id for m in conv.messages if seq is not None and m.seq == int(seq)), None)


def detail_layout(pane: QWidget, header: QLabel, view: QWidget) -> QVBoxLayout:
    """The column of a detail pane (风险, 会话): the header, then the conversation taking the spare height."""
    layout = QVBoxLayout(pane)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    layout.addWidget(header)
    layout.addWidget(view, 1)
    return layout


def add_note_row(
    layout: QVBoxLayout, parent: QWidget, placeholder: str, on_save: Callable[[], None]
) -> tuple[QLineEdit, QPushButton]:
    """「备注」 [note] [保存备注] at the foot of a detail pane; Enter in the box or the button calls ``on_save``."""
    row = QHBoxLayout()
    row.addWidget(QLabel("备注", parent))
    edit = QLineEdit(parent)
    edit.setPlaceholderText(placeholder)
    edit.returnPressed.connect(on_save)
    row.addWidget(edit, 1)
    button = QPushButton("保存备注", parent)
    button.clicked.connect(on_save)
    row.addWidget(button)
    layout.addLayout(row)
    return edit, button


class FlagDetailWidget(QWidget):
    """Header, conversation (or review), the buyer's sentiment, the order, triage controls."""

    sig_triage = Signal(str)
    sig_save_note = Signal(str)
    sig_open_session = Signal(int, object)  # (session id, message id or None)
    sig_open_timeline = Signal(int)  # flag id: the buyer's timeline

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flag: FlagRow | None = None
        self._session_target: tuple[int, int | None] | None = None
        self.header = QLabel(self)
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.view = ConversationViewWidget(self)
        self.chart = CompactChartWidget(CHART_HEIGHT, "", self)
        self._chart_data: tuple[list[tuple[int, float]], list[int]] | None = None  # (points, marked) to draw
        self._chart_timer = QTimer(self)
        self._chart_timer.setSingleShot(True)
        self._chart_timer.setInterval(0)
        self._chart_timer.timeout.connect(self._draw_chart)
        self.orders = QLabel(self)
        self.orders.setWordWrap(True)
        self.orders.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons: dict[str, QPushButton] = {}
        triage = FlowLayout(h_spacing=6)  # wraps on a narrow window
        for status, key in TRIAGE:
            button = QPushButton(f"{status}（{key}）", self)
            button.setToolTip(f"把选中的风险标记为「{status}」，并跳到下一条；快捷键 {key}")
            button.clicked.connect(lambda _=False, s=status: self.sig_triage.emit(s))
            self.buttons[status] = button
            triage.addWidget(button)
        self.handler_edit = QLineEdit(self)
        self.handler_edit.setPlaceholderText("您的名字（随标记保存）")
        self.handler_edit.setFixedWidth(180)
        handler = QWidget(self)
        handler_row = QHBoxLayout(handler)
        handler_row.setContentsMargins(12, 0, 0, 0)
        handler_row.addWidget(QLabel("处理人", handler))
        handler_row.addWidget(self.handler_edit)
        triage.addWidget(handler)
        self.open_session_button = QPushButton("在会话中打开", self)
        self.open_session_button.setToolTip("在「会话」页打开这段对话（定位到命中的消息），可用 Alt+← 回到这里")
        self.open_session_button.clicked.connect(self._open_session)
        triage.addWidget(self.open_session_button)
        self.timeline_button = QPushButton("买家时间线", self)
        self.timeline_button.setToolTip("这位买家的全部会话、订单、评价和风险，按时间排列")
        self.timeline_button.clicked.connect(
            lambda: self.flag is not None and self.sig_open_timeline.emit(self.flag.id)
        )
        triage.addWidget(self.timeline_button)
        layout = detail_layout(self, self.header, self.view)
        layout.addWidget(self.chart)
        layout.addWidget(self.orders)
        layout.addLayout(triage)
        self.note_edit, self.save_note_button = add_note_row(
            layout, self, "处理说明，如：已电话安抚，补发一件", self._save_note
        )
        self.show_nothing()

    # --- showing -------------------------------------------------------------------

    def show_nothing(self, text: str = "") -> None:
        self.flag = None
        self.header.setText(escape(text) if text else "<span style='color:gray'>未选中风险</span>")
        self.view.clear_view()
        self._drop_chart()
        self.chart.clear("")
        self.chart.hide()
        self.orders.clear()
        self.note_edit.clear()
        self._session_target = None
        self._enable(False)

    def show_conversation(self, flag: FlagRow, conv: Conversation, orders: OrderLink) -> None:
        self._show_flag(flag, orders)
        self._session_target = (conv.session.id, _message_of(flag, conv))
        self.open_session_button.setEnabled(True)
        self.view.show_conversation(conv, flag)
        QTimer.singleShot(0, self.view.scroll_to_flag)  # after the document is laid out
        points = [(m.seq, m.score) for m in conv.messages if m.role == "buyer" and m.score is not None]
        marked = [f.seq for f in conv.flags if f.target_type == "message" and f.seq is not None]
        if flag.target_type == "session" and isinstance(flag.evidence, dict) and "seq" in flag.evidence:
            marked.append(int(flag.evidence["seq"]))
        self.chart.show()
        self._chart_data = (points, marked)
        self._chart_timer.start()  # restarted by the next row: only the last one is drawn

    def chart_pending(self) -> bool:
        """The sentiment chart of the shown conversation is not drawn yet (next event loop turn)."""
        return self._chart_data is not None

    def _draw_chart(self) -> None:
        if self._chart_data is not None:
            points, marked = self._chart_data
            self._chart_data = None
            self.chart.set_figure(sentiment_figure(points, marked))

    def _drop_chart(self) -> None:
        self._chart_timer.stop()
        self._chart_data = None

    def show_review(self, flag: FlagRow, review: ReviewText, orders: OrderLink) -> None:
        self._show_flag(flag, orders)
        self._session_target = None
        self.open_session_button.setEnabled(False)  # a review has no conversation
        self.view.show_review(review, flag)
        self._drop_chart()
        self.chart.hide()  # a review is one text: there is no conversation to chart

    def _show_flag(self, flag: FlagRow, orders: OrderLink) -> None:
        self.flag = flag
        self.header.setText(header_html(flag))
        self.orders.setText(orders_html(orders))
        self.note_edit.setText(flag.note or "")
        self._enable(True)

    def update_flag(self, flag: FlagRow) -> None:
        """The shown flag changed in the store (note saved): refresh the header only."""
        self.flag = flag
        self.header.setText(header_html(flag))

    def _enable(self, on: bool) -> None:
        for w in (*self.buttons.values(), self.note_edit, self.save_note_button, self.timeline_button):
            w.setEnabled(on)
        self.open_session_button.setEnabled(on and self._session_target is not None)

    def _open_session(self) -> None:
        if self._session_target is not None:
            self.sig_open_session.emit(*self._session_target)

    def _save_note(self) -> None:
        if self.flag is not None:
            self.sig_save_note.emit(self.note_edit.text())
