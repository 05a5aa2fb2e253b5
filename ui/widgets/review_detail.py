"""The selected review in full: first review and 追评 with their aspect clauses highlighted, reply.

The highlighting comes from ``cxdesk.analysis.voc.highlight_segments`` on
the clauses and spans the aspect stage stored (clause coloured by polarity,
opinion words bold and underlined inside it); this widget only turns
segments into escaped HTML, so a review can never inject markup into the view.
"""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QTextBrowser, QWidget

from cxdesk.ratings import rating_shown
from cxdesk.analysis.voc import highlight_segments
from cxdesk.store.voc import AspectMention, ReviewDetail

POLARITY_BACKGROUND = {"负面": "#f8d0d3", "正面": "#cdebd3", "中性": "#fbe9b7"}
POLARITY_TEXT = {"负面": "#c62828", "正面": "#2e7d32", "中性": "#8a6d00"}
PLACEHOLDER = "<p style='color:#888'>在上方列表中选中一条评价，这里显示全文、追评和商家回复。</p>"
SHIFT_BADGE = "追评转差"


def _paragraph(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def _highlighted(text: str, mentions: list[AspectMention]) -> str:
    parts = []
    for seg in highlight_segments(text, mentions):
        body = _paragraph(seg.text)
        if seg.polarity is None and seg.aspect is None:
            parts.append(body)
            continue
        if seg.emphasis:
            body = f"<b><u>{body}</u></b>"
        color = POLARITY_BACKGROUND.get(seg.polarity or "", "#e8e8e8")
        parts.append(f"<span style='background:{color}'>{body}</span>")
    return "".join(parts) or "<span style='color:#888'>（无文字）</span>"


def _sentiment(label: str | None, score: float | None, missing: str) -> str:
    if not label:
        return f"<span style='color:#888'>{missing}</span>"
    color = POLARITY_TEXT.get(label, "#555")
    value = f"（{score:.2f}）" if score is not None else ""
    return f"<span style='color:{color}'>{escape(label)}{value}</span>"


def _header(d: ReviewDetail) -> str:
    rating = rating_shown(d.rating, d.rating_class)
    bits = [escape(b) for b in (d.shop, d.product, d.sku, (d.created_at or "")[:16], rating) if b]
    bits.append("初评 " + _sentiment(d.label, d.score, "情感未分析"))
    if d.shift:
        bits.append(f"<span style='background:#c62828; color:white'>&nbsp;{SHIFT_BADGE}&nbsp;</span>")
    return "<p style='color:#555'>" + " · ".join(bits) + "</p>"


def _aspects_line(mentions: list[AspectMention]) -> str:
    if not mentions:
        return ""
    chips = []
    for a in mentions:
        color = POLARITY_BACKGROUND.get(a.polarity or "", "#e8e8e8")
        opinion = f"：{escape(a.opinion)}" if a.opinion else ""
        chips.append(f"<span style='background:{color}'>&nbsp;{escape(a.aspect)}{opinion}&nbsp;</span>")
    return "<p style='color:#555'>方面：" + " ".join(chips) + "</p>"


def _append_block(d: ReviewDetail) -> list[str]:
    when = f"（{d.append_at[:10]}）" if d.append_at else ""
    sentiment = _sentiment(d.append_label, d.append_score, "情感未分析")
    mentions = d.mentions("append")
    return [
        f"<p><b>追评{escape(when)}</b> · {sentiment}</p>",
        f"<p style='font-size:11pt'>{_highlighted(d.append_content, mentions)}</p>",
        _aspects_line(mentions),
    ]


def review_html(d: ReviewDetail) -> str:
    """The whole detail view as HTML (escaped; clauses highlighted by polarity)."""
    mentions = d.mentions("content")
    html = [_header(d), f"<p style='font-size:11pt'>{_highlighted(d.content, mentions)}</p>", _aspects_line(mentions)]
    if d.append_content:
        html += _append_block(d)
    if d.seller_reply:
        html.append(f"<p style='color:#1f5fa8'><b>商家回复：</b>{_paragraph(d.seller_reply)}</p>")
    return "".join(html)


class ReviewDetailWidget(QTextBrowser):
    """Read-only, selectable view of one review."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.detail: ReviewDetail | None = None
        self.show_review(None)

    def show_review(self, detail: ReviewDetail | None) -> None:
        self.detail = detail
        self.setHtml(PLACEHOLDER if detail is None else review_html(detail))
