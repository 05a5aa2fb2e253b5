"""The 会话 page's conversation: chat bubbles with waits, sentiment, flags and FAQ marks.

A read-only, selectable :class:`QTextBrowser` over :func:`ui.widgets.chat_html.chat_html`.
Hovering a mark shows what it is (the rule of a flagged span, a sentiment
score, a FAQ cluster); clicking a flag or a FAQ mark is reported as
``sig_flag_clicked(flag_id)`` / ``sig_faq_clicked(cluster_id)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QPoint, QTimer, QUrl, Signal
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QTextBrowser, QToolTip, QWidget

from cxdesk.analysis.service_time import PlatformTiming
from cxdesk.store.risk_queue import Conversation
from cxdesk.store.sessions_browse import FaqMark
from ui.widgets.chat_html import ChatHtml, chat_html

CONTEXT_ABOVE_PX = 60
PLACEHOLDER = "<p style='color:#888'>在左侧列表中选中一个会话，这里按时间顺序显示买家与客服的完整对话。</p>"


class ChatViewWidget(QTextBrowser):
    """Bubbles; hover for details; scrolls to a message."""

    sig_flag_clicked = Signal(int)
    sig_faq_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_link)
        self.viewport().installEventFilter(self)
        self.chat: ChatHtml | None = None
        self.clear_view()

    def clear_view(self, html: str = PLACEHOLDER) -> None:
        self.chat = None
        self.setHtml(html)

    def show_conversation(
        self,
        conv: Conversation,
        timing: PlatformTiming,
        *,
        faq: Sequence[FaqMark] = (),
        mask: bool = False,
        focus_message_id: int | None = None,
    ) -> None:
        self.chat = chat_html(conv, timing, faq=faq, mask=mask, focus_message_id=focus_message_id)
        self.setHtml(self.chat.html)
        if focus_message_id is not None:
            self.scroll_to_message(focus_message_id)
            QTimer.singleShot(0, lambda: self.scroll_to_message(focus_message_id))  # after layout
        else:
            self.verticalScrollBar().setValue(0)

    def scroll_to_message(self, message_id: int) -> None:
        """Bring a message into view with a little of what led to it above."""
        self.scrollToAnchor(f"m{message_id}")
        bar = self.verticalScrollBar()
        if bar.value() > 0:
            bar.setValue(max(0, bar.value() - CONTEXT_ABOVE_PX))

    def tip_at(self, pos: QPoint) -> str:
        """The hover text of the mark at viewport position ``pos`` ('' when none)."""
        href = self.anchorAt(pos)
        return self.chat.tips.get(href, "") if href and self.chat is not None else ""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.viewport() and event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            tip = self.tip_at(event.pos())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().eventFilter(watched, event)

    def _on_link(self, url: QUrl) -> None:
        kind, _, value = url.toString().partition(":")
        first = value.split(",")[0]
        if not first.isdigit():
            return
        if kind == "flag":
            self.sig_flag_clicked.emit(int(first))
        elif kind == "faq":
            self.sig_faq_clicked.emit(int(first))
