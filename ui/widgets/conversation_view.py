"""A flagged conversation or review as rich text, with the evidence highlighted.

Every piece of imported text goes through :func:`html.escape`: a buyer who
types ``<b>`` sees ``<b>``, never markup. The flag being reviewed is
highlighted strongly; other flags in the same conversation lightly, so the
reviewer sees what else happened. 服务时效 flags have no text span: the
waiting buyer message and the late reply are marked instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtWidgets import QTextBrowser, QWidget

from cxdesk.analysis.rule_labels import rule_label
from cxdesk.roles import ROLE_LABELS
from cxdesk.store.risk_queue import Conversation, FlagRow, Message, ReviewText
from ui.models.flag_queue_model import short_agent, wait_text

CURRENT_MARK = "#ffb4b4"
OTHER_MARK = "#ffe3b3"
CURRENT_BLOCK = "#fff1f1"
WAIT_BLOCK = "#fff8dc"
ROLE_BLOCK = {"buyer": "#ffffff", "agent": "#eef4fb", "system": "#f5f5f5", "bot": "#f1f8f1"}
LABEL_COLORS = {"负面": "#c62828", "正面": "#2e7d32", "中性": "#8a6d00"}
CONTEXT_ABOVE_PX = 90
PLACEHOLDER = "<p style='color:#888'>在左侧队列中选中一条风险，这里显示完整的会话或评价，命中的原文会高亮。</p>"


def _text(s: str) -> str:
    return escape(s).replace("\n", "<br>")


def highlight(text: str, spans: Sequence[tuple[int, int, bool]]) -> str:
    """Escaped ``text`` with ``(start, end, is_current)`` spans marked; overlaps take the stronger mark."""
    n = len(text)
    marks = [0] * n  # 0 none, 1 other flag, 2 current flag
    for start, end, current in spans:
        for i in range(max(0, start), min(n, end)):
            marks[i] = max(marks[i], 2 if current else 1)
    out: list[str] = []
    i = 0
    while i < n:
        j = i
        while j < n and marks[j] == marks[i]:
            j += 1
        piece = _text(text[i:j])
        if marks[i] == 2:
            out.append(f"<span style='background:{CURRENT_MARK}; font-weight:bold'>{piece}</span>")
        elif marks[i] == 1:
            out.append(f"<span style='background:{OTHER_MARK}'>{piece}</span>")
        else:
            out.append(piece)
        i = j
    return "".join(out)


def _sentiment(m: Message) -> str:
    if m.role != "buyer" or m.label is None or m.score is None:
        return ""
    color = LABEL_COLORS.get(m.label, "#555")
    return f" · <span style='color:{color}'>{escape(m.label)} {m.score:.2f}</span>"


def _service_marks(flag: FlagRow) -> dict[int, str]:
    """seq → note for a 服务时效 flag: the waiting message and the reply that came late."""
    ev = flag.evidence if isinstance(flag.evidence, dict) else {}
    label = rule_label(flag.rule_id, flag.category)
    marks: dict[int, str] = {}
    if "seq" in ev:
        if "wait_s" in ev:
            marks[int(ev["seq"])] = f"◷ {label}：买家从这里起等待 {wait_text(float(ev['wait_s']))}"
        else:
            marks[int(ev["seq"])] = f"◷ {label}"
    if ev.get("reply_seq") is not None:
        who = short_agent(ev.get("agent")) or "客服"
        marks[int(ev["reply_seq"])] = f"◷ {who} 在这里回复"
    return marks


def conversation_html(conv: Conversation, current: FlagRow | None) -> str:
    """The whole session; the current flag's message gets an anchor ``flag`` to scroll to."""
    spans: dict[int, list[tuple[int, int, bool]]] = {}
    notes: dict[int, str] = {}
    for f in conv.flags:
        is_current = current is not None and f.id == current.id
        if f.target_type == "message":
            spans.setdefault(f.target_id, []).extend((a, b, is_current) for a, b in f.spans)
        elif is_current:
            notes.update(_service_marks(f))
    target_msg = current.target_id if current is not None and current.target_type == "message" else None
    first_note = min(notes) if notes else None
    parts = []
    for m in conv.messages:
        background = ROLE_BLOCK.get(m.role, "#ffffff")
        anchor = ""
        if m.id == target_msg or m.seq == first_note:
            anchor = "<a name='flag'></a>"
        if m.id == target_msg:
            background = CURRENT_BLOCK
        elif m.seq in notes:
            background = WAIT_BLOCK
        who = ROLE_LABELS.get(m.role, m.role)
        sender = f" {escape(short_agent(m.sender) if m.role == 'agent' else (m.sender or ''))}"
        head = (
            f"<span style='color:#777'>#{m.seq} · {escape((m.sent_at or '')[5:19])} · "
            f"<b>{escape(who)}</b>{sender}</span>{_sentiment(m)}"
        )
        note = f"<br><span style='color:#8a5a00'>{escape(notes[m.seq])}</span>" if m.seq in notes else ""
        body = highlight(m.content, spans.get(m.id, [])) or "<span style='color:#999'>（空消息）</span>"
        parts.append(
            f"<table width='100%' cellpadding='4' style='background:{background}; margin-bottom:2px'>"
            f"<tr><td>{anchor}{head}<br>{body}{note}</td></tr></table>"
        )
    return "".join(parts)


def review_html(review: ReviewText, current: FlagRow | None) -> str:
    """The review with its 追评 and seller reply; spans index into content + newline + 追评."""
    spans = [(a, b, current is not None and f.id == current.id) for f in review.flags for a, b in f.spans]
    split = len(review.content) + 1
    rating = f"{review.rating}星" if review.rating else (review.rating_text or "无评分")
    bits = [review.product or "", review.sku or "", rating, (review.created_at or "")[:16]]
    html = [
        "<p style='color:#555'>" + " · ".join(escape(b) for b in bits if b) + "</p>",
        f"<a name='flag'></a><p style='font-size:11pt'>{highlight(review.content, spans) or '（无文字）'}</p>",
    ]
    if review.append_content is not None:
        tail = [(a - split, b - split, c) for a, b, c in spans if b > split]
        when = f"（{review.append_at[:10]}）" if review.append_at else ""
        html.append(f"<p><b>追评{escape(when)}：</b>{highlight(review.append_content, tail)}</p>")
    if review.seller_reply:
        html.append(f"<p style='color:#1f5fa8'><b>商家回复：</b>{_text(review.seller_reply)}</p>")
    return "".join(html)


class ConversationViewWidget(QTextBrowser):
    """Read-only, selectable view; scrolls to the flagged message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.clear_view()

    def clear_view(self, html: str = PLACEHOLDER) -> None:
        self.setHtml(html)

    def show_conversation(self, conv: Conversation, current: FlagRow | None) -> None:
        self.setHtml(conversation_html(conv, current))
        self.scroll_to_flag()

    def scroll_to_flag(self) -> None:
        """Bring the flagged message into view with a little of what led to it above."""
        self.scrollToAnchor("flag")
        bar = self.verticalScrollBar()
        if bar.value() > 0:
            bar.setValue(max(0, bar.value() - CONTEXT_ABOVE_PX))

    def show_review(self, review: ReviewText, current: FlagRow | None) -> None:
        self.setHtml(review_html(review, current))
