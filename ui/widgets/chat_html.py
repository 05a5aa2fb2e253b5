"""A conversation as chat-bubble rich text, with everything the analysis knows marked on it.

Pure functions (no widgets), so they are tested without a window:

* buyer bubbles on the left, agent and bot bubbles on the right, system
  lines centred, each with its time;
* before each agent reply to a buyer turn, the wait (``cxdesk.analysis.turns``),
  marked when it breaks the platform's thresholds (``service_time.json``:
  over ``warn_s`` is 慢回复, over ``limit_s`` is 超时; PDD counts only its
  counted hours);
* each buyer message's sentiment as a small coloured dot;
* flagged spans highlighted by level; the rule shows on hover;
* buyer questions that went into a FAQ cluster, linked to it;
* personal data masked (:mod:`cxdesk.privacy`) when asked: masking keeps
  lengths, so flag spans stay on the right words.

Links carry what they stand for (``flag:12``, ``faq:3``, ``sent:88``);
:func:`chat_html` returns the hover text of each link beside the HTML,
because Qt's rich text has no ``title`` tooltips. Every piece of imported
text is escaped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from cxdesk.analysis.rule_labels import rule_label
from cxdesk.analysis.service_time import PlatformTiming, counted_seconds
from cxdesk.analysis.turns import buyer_turns
from cxdesk.privacy import mask_nick, mask_text
from cxdesk.roles import ROLE_LABELS
from cxdesk.store.risk_queue import Conversation, FlagRow, Message
from cxdesk.store.sessions_browse import FaqMark
from ui.models.flag_queue_model import SERVICE_LABELS, short_agent, wait_text

BUBBLE = {"buyer": "#f2f3f5", "agent": "#dcebfc", "bot": "#e3f4e3"}
FOCUS_BUBBLE = "#fff3b0"
LEVEL_MARKS = {"高": "#ffb4b4", "中": "#ffd59e", "低": "#fff0a8"}
FALSE_ALARM_MARK = "#e4e4e4"
SENTIMENT_COLORS = {"负面": "#d32f2f", "中性": "#9e9e9e", "正面": "#2e7d32"}
WAIT_COLORS = {"ok": "#8a8a8a", "slow": "#c77700", "over": "#c62828"}
FAQ_COLOR = "#6a3fb5"
BUBBLE_WIDTH = "72%"
EMPTY = "<p style='color:#888'>（空消息）</p>"


@dataclass(frozen=True)
class Wait:
    """The wait before one agent reply: wall-clock and as the platform counts it."""

    reply_seq: int
    seconds: float
    counted: float
    kind: str  # 'ok' | 'slow' | 'over'


@dataclass
class ChatHtml:
    html: str
    tips: dict[str, str] = field(default_factory=dict)  # link → hover text
    waits: list[Wait] = field(default_factory=list)


def reply_waits(messages: Sequence[Message], timing: PlatformTiming) -> list[Wait]:
    """The wait before every agent reply to a buyer turn, classified by the platform's thresholds."""
    turns = buyer_turns((m.seq, m.role, m.sender, m.sent_at) for m in messages)
    waits = []
    for t in turns:
        if t.reply_seq is None or t.wait_s is None or not t.started_at or not t.reply_at:
            continue
        counted = counted_seconds(t.started_at, t.reply_at, timing.counted_hours)
        kind = "over" if counted > timing.limit_s else "slow" if counted > timing.warn_s else "ok"
        waits.append(Wait(t.reply_seq, t.wait_s, counted, kind))
    return waits


def flag_tip(f: FlagRow) -> str:
    """What a flag is, for hover text: rule, level, status and who handled it."""
    rule = rule_label(f.rule_id, f.category)
    tip = f"风险：{f.category}（{f.level}）· 规则 {rule}\n状态：{f.status}"
    if f.handler:
        tip += f"（{f.handler} {(f.handled_at or '')[:16]}）"
    if f.note:
        tip += f"\n备注：{f.note}"
    return tip


def _mark_spans(text: str, spans: Sequence[tuple[int, int, FlagRow]], tips: dict[str, str]) -> str:
    """Escaped ``text`` with flagged spans as links ``flag:id[,id]`` coloured by the strongest level."""
    n = len(text)
    cover: list[list[FlagRow]] = [[] for _ in range(n)]
    for start, end, flag in spans:
        for i in range(max(0, start), min(n, end)):
            cover[i].append(flag)
    out: list[str] = []
    i = 0
    while i < n:
        ids = [f.id for f in cover[i]]
        j = i
        while j < n and [f.id for f in cover[j]] == ids:
            j += 1
        piece = escape(text[i:j]).replace("\n", "<br>")
        flags = cover[i]
        if flags:
            live = [f for f in flags if f.status != "误报"]
            strongest = min(live or flags, key=lambda f: "高中低".find(f.level))
            color = LEVEL_MARKS.get(strongest.level, "#ffe3b3") if live else FALSE_ALARM_MARK
            href = "flag:" + ",".join(str(f.id) for f in flags)
            tips[href] = "\n\n".join(flag_tip(f) for f in flags)
            out.append(
                f"<a href='{href}' style='color:#1a1a1a; text-decoration:none; background-color:{color}'>{piece}</a>"
            )
        else:
            out.append(piece)
        i = j
    return "".join(out)


def _wait_line(wait: Wait, timing: PlatformTiming, flags: list[FlagRow], tips: dict[str, str]) -> str:
    color = WAIT_COLORS[wait.kind]
    text = f"◷ 等待 {wait_text(wait.seconds)}"
    if timing.counted_hours and abs(wait.counted - wait.seconds) >= 1:
        text += f"（按 {timing.counted_hours[0]}–{timing.counted_hours[1]} 点计时 {wait_text(wait.counted)}）"
    if wait.kind == "over":
        text += f" · 超过时限 {wait_text(timing.limit_s)}"
    elif wait.kind == "slow":
        text += f" · 慢回复（提醒线 {wait_text(timing.warn_s)}）"
    body = escape(text)
    if flags:
        href = "flag:" + ",".join(str(f.id) for f in flags)
        tips[href] = "\n\n".join(flag_tip(f) for f in flags)
        body = f"<a href='{href}' style='color:{color}; text-decoration:none'>{body} ⚑</a>"
    weight = "bold" if wait.kind != "ok" else "normal"
    return f"<p align='center' style='margin:2px; font-size:9pt; color:{color}; font-weight:{weight}'>{body}</p>"


def _session_flag_seqs(flags: Sequence[FlagRow]) -> tuple[dict[int, list[FlagRow]], dict[int, list[FlagRow]]]:
    """Session flags by the reply they are about (slow/over-limit) and by the message left waiting."""
    by_reply: dict[int, list[FlagRow]] = defaultdict(list)
    by_message: dict[int, list[FlagRow]] = defaultdict(list)
    for f in flags:
        ev = f.evidence if isinstance(f.evidence, dict) else {}
        if f.target_type != "session" or "seq" not in ev:
            continue
        if ev.get("reply_seq") is not None:
            by_reply[int(ev["reply_seq"])].append(f)
        else:
            by_message[int(ev["seq"])].append(f)
    return by_reply, by_message


def _header(m: Message, buyer: str, mask: bool, tips: dict[str, str]) -> str:
    who = ROLE_LABELS.get(m.role, m.role)
    if m.role in ("agent", "bot"):
        name = short_agent(m.sender)
    elif m.role == "buyer":
        name = mask_nick(m.sender or buyer) if mask else (m.sender or buyer)
    else:
        name = m.sender or ""
    dot = ""
    if m.role == "buyer" and m.label is not None:
        href = f"sent:{m.id}"
        tips[href] = f"情感：{m.label}" + (f"（{m.score:.2f}，0 最负面、1 最正面）" if m.score is not None else "")
        dot = f" <a href='{href}' style='color:{SENTIMENT_COLORS.get(m.label, '#777')}; text-decoration:none'>●</a>"
    time = (m.sent_at or "")[5:19]
    return f"<span style='color:#777; font-size:9pt'>{escape(name or who)} · {escape(time)}</span>{dot}"


def chat_html(
    conv: Conversation,
    timing: PlatformTiming,
    *,
    faq: Sequence[FaqMark] = (),
    mask: bool = False,
    focus_message_id: int | None = None,
) -> ChatHtml:
    """The whole conversation; each message has an anchor ``m<id>`` to scroll to."""
    tips: dict[str, str] = {}
    spans: dict[int, list[tuple[int, int, FlagRow]]] = defaultdict(list)
    for f in conv.flags:
        if f.target_type == "message":
            spans[f.target_id].extend((a, b, f) for a, b in f.spans)
    by_reply, by_message = _session_flag_seqs(conv.flags)
    waits = reply_waits(conv.messages, timing)
    wait_at = {w.reply_seq: w for w in waits}
    faq_of: dict[int, list[FaqMark]] = defaultdict(list)
    for mark in faq:
        faq_of[mark.message_id].append(mark)
    buyer = conv.session.buyer
    parts: list[str] = []
    for m in conv.messages:
        if m.seq in wait_at:
            parts.append(_wait_line(wait_at[m.seq], timing, by_reply.get(m.seq, []), tips))
        parts.append(
            _message(m, buyer, mask, spans.get(m.id, []), faq_of.get(m.id, []), m.id == focus_message_id, tips)
        )
        for f in by_message.get(m.seq, []):
            href = f"flag:{f.id}"
            tips[href] = flag_tip(f)
            parts.append(
                f"<p align='left' style='margin:2px 0 6px 8px; font-size:9pt'>"
                f"<a href='{href}' style='color:#c62828; text-decoration:none'>⚑ "
                f"{escape(SERVICE_LABELS.get(f.rule_id, f.category))}</a></p>"
            )
    return ChatHtml("".join(parts), tips, waits)


def _message(
    m: Message,
    buyer: str,
    mask: bool,
    spans: list[tuple[int, int, FlagRow]],
    faq: list[FaqMark],
    focus: bool,
    tips: dict[str, str],
) -> str:
    content = mask_text(m.content) if mask else m.content
    anchor = f"<a name='m{m.id}'></a>"
    if m.role == "system":
        return (
            f"<p align='center' style='margin:4px; color:#888; font-size:9pt'>{anchor}"
            f"{escape((m.sent_at or '')[11:19])} · {_mark_spans(content, spans, tips) or '（系统消息）'}</p>"
        )
    body = _mark_spans(content, spans, tips) or EMPTY
    background = FOCUS_BUBBLE if focus else BUBBLE.get(m.role, BUBBLE["buyer"])
    align = "left" if m.role == "buyer" else "right"
    extra = ""
    for mark in faq:
        href = f"faq:{mark.cluster_id}"
        tips[href] = f"这个问题归入常见问题「{mark.label}」，点击查看该问题的所有会话"
        extra += (
            f"<br><a href='{href}' style='color:{FAQ_COLOR}; text-decoration:none; font-size:9pt'>"
            f"？ 常见问题：{escape(mark.label)}</a>"
        )
    border = "border:1px solid #e0b800;" if focus else ""
    return (
        f"<table align='{align}' width='{BUBBLE_WIDTH}' cellspacing='0' cellpadding='1' "
        f"style='margin-top:4px; margin-bottom:2px'><tr><td align='{align}'>{anchor}"
        f"{_header(m, buyer, mask, tips)}</td></tr>"
        f"<tr><td align='left' bgcolor='{background}' style='padding:6px; {border}'>{body}{extra}</td></tr>"
        f"</table>"
    )


def conversation_text(conv: Conversation, *, mask: bool = False) -> str:
    """The conversation as plain text for the clipboard: one line per message, with time and speaker."""
    s = conv.session
    buyer = mask_nick(s.buyer) if mask else s.buyer
    lines = [f"会话 #{s.id} · {s.shop} · 买家 {buyer} · {(s.started_at or '')[:16]}"]
    for m in conv.messages:
        who = ROLE_LABELS.get(m.role, m.role)
        if m.role == "agent":
            who += f" {short_agent(m.sender)}" if m.sender else ""
        elif m.role == "buyer":
            who += f" {mask_nick(m.sender or s.buyer) if mask else (m.sender or s.buyer)}"
        content = mask_text(m.content) if mask else m.content
        lines.append(f"[{m.sent_at or ''}] {who}：{content}")
    return "\n".join(lines)
