"""Qianniu (千牛) chat text copied from the client window.

Each message starts with a header line ``昵称 2023-5-1 10:20:33`` (agents:
``店铺名:子账号 2023-05-01 10:20:33``, sometimes without the space) followed
by its text lines. ``已读``/``未读`` and ``xxx 撤回了一条消息`` are client
noise and dropped; ``由 服务助手 转交给 …`` is kept as a system message.
The buyer of the conversation is the sender without a ``:`` that is not a
bot or system account (``lexicons/roles.json``: 店铺:店小蜜, 系统消息 …); agent
lines before the buyer's first line wait for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cxdesk.importers._columns import guess_kind
from cxdesk.importers._decode import LongLine
from cxdesk.importers._limits import (
    MAX_CELL_CHARS,
    UNDECODABLE,
    long_line_reason,
    text_problem,
    too_long_reason,
    visible,
)
from cxdesk.importers._model import Chunk, FormatSpec, Guess, Probe, RawMessage, ReadOptions, Reject
from cxdesk.importers._tabular import open_text
from cxdesk.importers._values import parse_time
from cxdesk.roles import RoleRules, role_rules

HEADER = re.compile(r"^(?P<sender>\S.*?)\s*(?P<time>\d{4}[-/]\d{1,2}[-/]\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?)\s*$")
_NOISE = re.compile(r"^(已读|未读|\S.{0,40}撤回了一条消息)$")
_SYSTEM = re.compile(r"^(由\s*.+?\s*转交给|.*(转交给|已转接|接入了会话|结束了会话|会话已结束))")
UNKNOWN_BUYER = "未知买家"
# A header or system line is a name plus a time or a short notice; longer lines are message
# text, and are not matched against the patterns above (whose cost grows with the square
# of a line's length: 8,000 spaces took 2 s, a 64 KB line minutes).
MAX_HEADER_CHARS = 200


def _header(line: str) -> re.Match | None:
    return HEADER.match(line) if line and len(line) <= MAX_HEADER_CHARS else None


def sniff(p: Probe) -> Guess | None:
    heads = [_header(ln.strip()) for ln in p.lines[:200] if ln.strip()]
    hits = [h for h in heads if h]
    if len(hits) < 1 or not heads[0]:
        return None
    if p.columns and guess_kind(p.columns)[0] is not None:  # a table below a title like "店铺 2024-03-01 10:00"
        return None
    return Guess(0.9, "chats", "taobao", shop_hint=shop_of([h["sender"] for h in hits]))


def shop_of(senders: list[str]) -> str | None:
    for s in senders:
        if (":" in s or "：" in s) and UNDECODABLE not in s:
            return re.split("[:：]", s, maxsplit=1)[0].strip() or None
    return None


def is_agent_account(sender: str) -> bool:
    return ":" in sender or "：" in sender


class _Conversation:
    """Turns (sender, time, text) messages into RawMessages with the right buyer."""

    def __init__(self, rules: RoleRules) -> None:
        self.rules = rules
        self.buyer: str | None = None
        self.waiting: list[tuple[int, str | None, str, str | None, str]] = []
        self.out: list[RawMessage] = []

    def add(self, no: int, sender: str | None, sent_at: str | None, text: str, system: bool = False) -> None:
        if system:
            role = "system"
        elif sender is not None and is_agent_account(sender):
            role = self.rules.agent_role(sender)
        elif sender is not None and (platform := self.rules.sender_role(sender)) is not None:
            role = platform
        else:
            role = "buyer"
            if sender != self.buyer:
                self.buyer = sender
                self.flush()
        item = (no, sender, role, sent_at, text)
        if self.buyer is None:
            self.waiting.append(item)
        else:
            self.out.append(RawMessage(no, self.buyer, role, sender, sent_at, text))

    def flush(self, final: bool = False) -> None:
        buyer = self.buyer or (UNKNOWN_BUYER if final else None)
        if buyer is None:
            return
        for no, sender, role, sent_at, text in self.waiting:
            self.out.append(RawMessage(no, buyer, role, sender, sent_at, text))
        self.waiting = []


def read(opts: ReadOptions) -> Iterator[Chunk]:
    path = opts.detection.path
    total = path.stat().st_size
    text, raw = open_text(path, opts.detection.encoding)
    conv = _Conversation(role_rules())
    rejects: list[Reject] = []
    with text:
        current: list = []  # [no, sender, sent_at, lines]; empty while skipping a refused message
        size = 0  # characters of the current message so far
        for no, line in enumerate(text, start=1):
            if type(line) is LongLine:
                current = _refuse(current, no, long_line_reason(line.size), line, rejects)
                continue
            line = line.strip()
            m = _header(line)
            if m:
                _emit(conv, current, rejects)
                current, size = _start_message(no, line, m, rejects), 0
            elif line and current and not _NOISE.match(line):
                current[3].append(line)
                size += len(line) + 1
                if size > MAX_CELL_CHARS:
                    current = _refuse(current, no, too_long_reason(None, "这条消息"), line, rejects)
            if len(conv.out) >= opts.chunk_size:
                yield Chunk(conv.out, rejects, raw.count, total)
                conv.out, rejects = [], []
        _emit(conv, current, rejects)
        conv.flush(final=True)
        yield Chunk(conv.out, rejects, total, total)


def _start_message(no: int, line: str, m: re.Match, rejects: list[Reject]) -> list:
    """A new message from its header line; a header with an impossible time refuses the
    message (its text lines are skipped with it) and is reported at the header's line."""
    try:
        return [no, m["sender"].strip(), parse_time(m["time"]), []]
    except ValueError as exc:
        rejects.append(Reject(no, f"{exc}（这条消息未导入）", line[:500]))
        return []


def _refuse(current: list, no: int, why: str, line: str, rejects: list[Reject]) -> list:
    """Refuse the message being collected because of its line ``no`` (reported at the header's
    line; its later lines are skipped with it), or, outside a message, line ``no`` itself.
    Returns the new (empty) current message."""
    if current:
        raw = visible("\n".join([current[1], *current[3][:1]]))[:500]
        rejects.append(Reject(current[0], f"{why}（第 {no} 行；这条消息未导入）", raw))
    else:
        rejects.append(Reject(no, why, visible(str(line))[:500]))
    return []


def _emit(conv: _Conversation, current: list, rejects: list[Reject]) -> None:
    """Add the message being collected; system lines inside it become their own messages."""
    if not current:
        return
    no, sender, sent_at, lines = current
    if problem := text_problem(sender, *lines):
        rejects.append(Reject(no, f"{problem}（这条消息未导入）", visible("\n".join([sender, *lines]))[:500]))
        return
    body: list[str] = []
    for line in lines:
        if len(line) <= MAX_HEADER_CHARS and _SYSTEM.match(line):
            if body:
                conv.add(no, sender, sent_at, "\n".join(body))
                body = []
            conv.add(no, None, sent_at, line, system=True)
        else:
            body.append(line)
    if body:
        conv.add(no, sender, sent_at, "\n".join(body))


FORMAT = FormatSpec("qianniu_txt", "千牛聊天记录（客户端复制文本）", ("txt", "csv", "tsv"), sniff, read)
