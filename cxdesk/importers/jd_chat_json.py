"""JD 京麦 (Jingmai) chat log JSON: ``chatLogMessageList[]``.

Each item: ``mid, sid, created, waiterSend (bool), content, customer, waiter``;
``created`` is epoch milliseconds in API dumps and a datetime string in
some exporters. ``mid`` is the platform message id, so it is the dedup key.
``waiterSend`` lines of the bot (京小智 / JIMI) or the system (系统 …) get
those roles, by ``lexicons/roles.json``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from cxdesk.importers._jsonsrc import find_list, head_has, item_chunks, load_json
from cxdesk.importers._model import Chunk, FormatSpec, Guess, Probe, RawMessage, ReadOptions
from cxdesk.importers._values import parse_time, text_or_none
from cxdesk.roles import RoleRules, role_rules


def sniff(p: Probe) -> Guess | None:
    if p.container != "json" or not head_has(p.head_text, "chatLogMessageList"):
        return None
    return Guess(0.95, "chats", "jd")


def _truthy(v: Any) -> bool:
    return v is True or str(v).strip().lower() in ("1", "true", "yes", "是")


def convert(no: int, item: dict, rules: RoleRules) -> RawMessage:
    content = text_or_none(item.get("content"))
    if not content:
        raise ValueError("消息内容为空")
    customer = text_or_none(item.get("customer"))
    if not customer:
        raise ValueError("缺少顾客（customer）")
    waiter = text_or_none(item.get("waiter"))
    if _truthy(item.get("waiterSend")):
        role, sender = rules.agent_role(waiter), waiter
    else:
        role, sender = "buyer", customer
    return RawMessage(
        no,
        customer,
        role,
        sender,
        parse_time(item.get("created")),
        content,
        text_or_none(item.get("sid")),
        text_or_none(item.get("mid")),
    )


# Keys read as text or numbers: a record with a list or an object there is rejected.
SCALARS = ("mid", "sid", "created", "waiterSend", "content", "customer", "waiter")


def read(opts: ReadOptions) -> Iterator[Chunk]:
    data = load_json(opts.detection.path, opts.detection.encoding)
    items = find_list(data, ("chatLogMessageList",)) or []
    return item_chunks(items, partial(convert, rules=role_rules()), opts.chunk_size, SCALARS)


FORMAT = FormatSpec("jd_chat_json", "京麦聊天记录（JSON）", ("json",), sniff, read, unit="条")
