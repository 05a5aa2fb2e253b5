"""The right half of 会话: one conversation with its facts and the reviewer's actions.

It shows what the page hands it (:class:`SessionDetail`) and reports the
reviewer's actions as signals; it never writes to the store itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QWidget,
)

from cxdesk.analysis.rule_labels import rule_label
from cxdesk.analysis.service_time import PlatformTiming
from cxdesk.privacy import mask_nick
from cxdesk.store import PLATFORMS
from cxdesk.store.risk_queue import Conversation, FlagRow, OrderLink
from cxdesk.store.sessions_browse import FaqMark, ReviewState, SessionRow
from ui.models.flag_queue_model import short_agent, wait_text
from ui.models.session_list_model import duration_text
from ui.pages.risk_queue._detail import add_note_row, detail_layout, orders_html
from ui.widgets.chat_html import reply_waits
from ui.widgets.chat_view import ChatViewWidget
from ui.widgets.flow_layout import FlowLayout

# (status, menu text): 待处理 is how a flag's status is cleared.
STATUS_ACTIONS = (
    ("处理中", "标为处理中"),
    ("已处理", "标为已处理"),
    ("误报", "标为误报"),
    ("待处理", "清除状态（回到待处理）"),
)


@dataclass(frozen=True)
class SessionDetail:
    """Everything the detail shows about one session."""

    conv: Conversation
    timing: PlatformTiming
    review: ReviewState
    orders: OrderLink
    row: SessionRow | None = None
    faq: list[FaqMark] = field(default_factory=list)


def flag_label(f: FlagRow) -> str:
    where = f"第 {f.seq} 条" if f.seq is not None else "整段会话"
    rule = rule_label(f.rule_id, f.category)
    return f"{f.level}·{f.category}（{rule}，{where}）· {f.status}"


def header_html(d: SessionDetail, mask: bool) -> str:
    s = d.conv.session
    buyer = mask_nick(s.buyer) if mask else s.buyer
    agents = d.row.agent_list if d.row else ([s.agent] if s.agent else [])
    span = f"{(s.started_at or '')[:16]} – {(s.ended_at or '')[11:16]}"
    facts = [
        f"会话 #{s.id}",
        f"{s.shop}（{PLATFORMS.get(s.platform, s.platform)}）",
        f"买家 {buyer}",
        "客服 " + ("、".join(short_agent(a) for a in agents) or "—"),
        span,
    ]
    if d.row is not None:
        facts.append(f"{duration_text(d.row.duration_s)} · {d.row.message_count} 条消息")
        if d.row.first_response_s is not None:
            facts.append(f"首次响应 {wait_text(d.row.first_response_s)}")
    lines = [
        "<b>" + " · ".join(escape(x) for x in facts[:3]) + "</b>",
        "<span style='color:#555'>" + " · ".join(escape(x) for x in facts[3:]) + "</span>",
    ]
    if d.row is not None and d.row.risk_score is not None and d.row.risk_level != "无":
        lines.append(
            f"<span style='color:#555'>风险分 <b>{d.row.risk_score}</b>（{escape(d.row.risk_level or '')}）"
            f"{escape('：' + d.row.risk_reasons if d.row.risk_reasons else '')}</span>"
        )
    slow = [w for w in _waits(d) if w != "ok"]
    if slow:
        lines.append(
            f"<span style='color:#c77700'>{len(slow)} 次回复超过"
            f"{escape(PLATFORMS.get(s.platform, s.platform))}提醒线 {wait_text(d.timing.warn_s)}</span>"
        )
    lines.append(orders_html(d.orders))
    return "<br>".join(lines)


def _waits(d: SessionDetail) -> list[str]:
    return [w.kind for w in reply_waits(d.conv.messages, d.timing)]


class SessionDetailWidget(QWidget):
    """Header, bubbles, actions (reviewed, copy, flag status) and the note."""

    sig_reviewed = Signal(bool)
    sig_save_note = Signal(str)
    sig_flag_status = Signal(int, str)
    sig_copy = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: SessionDetail | None = None
        self.header = QLabel(self)
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.view = ChatViewWidget(self)
        self.view.sig_flag_clicked.connect(self.select_flag)
        self.reviewed_button = QPushButton("标为已阅", self)
        self.reviewed_button.setCheckable(True)
        self.reviewed_button.setToolTip("标记这个会话已经看过（再点一次取消）")
        self.reviewed_button.clicked.connect(self.sig_reviewed)
        self.copy_button = QPushButton("复制为文本", self)
        self.copy_button.setToolTip("把整段对话按「[时间] 角色 昵称：内容」复制到剪贴板（隐藏个人信息时也打码）")
        self.copy_button.clicked.connect(self.sig_copy)
        self.flags = QComboBox(self)
        self.flags.setFixedWidth(250)
        self.flags.setToolTip("这个会话里的风险；点对话中高亮的文字也会选中它")
        # A push button's size counts its menu arrow (a QToolButton's does not: the arrow covered 「态」).
        self.status_button = QPushButton("设置状态", self)
        menu = QMenu(self.status_button)
        for status, text in STATUS_ACTIONS:
            action = menu.addAction(text)
            action.triggered.connect(lambda _=False, st=status: self._set_status(st))
        self.status_button.setMenu(menu)
        self.review_label = QLabel(self)
        self.review_label.setStyleSheet("color: #555;")
        actions = FlowLayout(h_spacing=6)
        actions.addWidget(self.reviewed_button)
        actions.addWidget(self.copy_button)
        flag_box = QWidget(self)
        flag_row = QHBoxLayout(flag_box)
        flag_row.setContentsMargins(8, 0, 0, 0)
        flag_row.setSpacing(4)
        flag_row.addWidget(QLabel("风险", flag_box))
        flag_row.addWidget(self.flags)
        flag_row.addWidget(self.status_button)
        actions.addWidget(flag_box)
        actions.addWidget(self.review_label)
        layout = detail_layout(self, self.header, self.view)
        layout.addLayout(actions)
        self.note_edit, self.save_note_button = add_note_row(
            layout, self, "给这个会话写一句备注，如：已回访，买家满意", self._save_note
        )
        self.show_nothing()

    # --- showing ----------------------------------------------------------------------

    @property
    def session_id(self) -> int | None:
        return self.detail.conv.session.id if self.detail is not None else None

    def show_nothing(self, text: str = "") -> None:
        self.detail = None
        self.header.setText(escape(text) if text else "<span style='color:gray'>未选中会话</span>")
        self.view.clear_view()
        self.flags.clear()
        self.note_edit.clear()
        self.review_label.clear()
        self._enable(False)

    def show_detail(self, d: SessionDetail, *, mask: bool, focus_message_id: int | None = None) -> None:
        self.detail = d
        self.header.setText(header_html(d, mask))
        self.view.show_conversation(d.conv, d.timing, faq=d.faq, mask=mask, focus_message_id=focus_message_id)
        self._fill_flags(d.conv.flags)
        if focus_message_id is not None:
            flag = next(
                (f for f in d.conv.flags if f.target_type == "message" and f.target_id == focus_message_id), None
            )
            if flag is not None:
                self.select_flag(flag.id)
        self.note_edit.setText(d.review.note or "")
        self.show_review(d.review)
        self._enable(True)

    def show_review(self, review: ReviewState) -> None:
        self.reviewed_button.setChecked(review.reviewed)
        self.reviewed_button.setText("已阅 ✓" if review.reviewed else "标为已阅")
        who = f"{review.reviewer or ''} {(review.reviewed_at or '')[:16]}".strip()
        self.review_label.setText(f"已阅：{who}" if review.reviewed and who else "")

    def select_flag(self, flag_id: int) -> None:
        i = self.flags.findData(flag_id)
        if i >= 0:
            self.flags.setCurrentIndex(i)

    def current_flag_id(self) -> int | None:
        data = self.flags.currentData()
        return int(data) if data is not None else None

    # --- internals ------------------------------------------------------------------------

    def _fill_flags(self, flags: list[FlagRow]) -> None:
        self.flags.clear()
        for f in flags:
            self.flags.addItem(flag_label(f), f.id)
            self.flags.setItemData(self.flags.count() - 1, flag_label(f), Qt.ItemDataRole.ToolTipRole)
        if not flags:
            self.flags.addItem("这个会话没有风险", None)

    def _enable(self, on: bool) -> None:
        for w in (self.reviewed_button, self.copy_button, self.note_edit, self.save_note_button):
            w.setEnabled(on)
        has_flags = on and self.detail is not None and bool(self.detail.conv.flags)
        self.flags.setEnabled(has_flags)
        self.status_button.setEnabled(has_flags)

    def _set_status(self, status: str) -> None:
        flag_id = self.current_flag_id()
        if flag_id is not None:
            self.sig_flag_status.emit(flag_id, status)

    def _save_note(self) -> None:
        if self.detail is not None:
            self.sig_save_note.emit(self.note_edit.text())
