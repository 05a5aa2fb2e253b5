"""Canonical record shapes that importers produce and the store accepts.

Plain dicts keep the hot import path cheap (a million messages per file);
these TypedDicts document the keys. Times are local-time ISO strings
``YYYY-MM-DD HH:MM:SS`` or ``None`` when the source has no time: time-based
metrics are then left empty, never invented.
"""

from __future__ import annotations

import hashlib
from typing import Literal, TypedDict

Role = Literal["buyer", "agent", "system", "bot"]
ROLES: tuple[str, ...] = ("buyer", "agent", "system", "bot")


class ReviewRecord(TypedDict, total=False):
    review_key: str  # platform review id, else a content hash (see content_key)
    platform_review_id: str | None
    order_id: str | None
    product_id: str | None
    product_title: str | None
    sku: str | None
    buyer_nick: str | None
    rating: int | None  # 1..5
    rating_text: str | None  # the platform's own words: good/neutral/bad, 好评 …
    rating_class: int | None  # 1 差评, 2 中评, 3 好评: from the stars, else the words (cxdesk.ratings)
    content: str
    created_at: str | None
    append_content: str | None
    append_at: str | None
    seller_reply: str | None


class MessageRecord(TypedDict, total=False):
    msg_hash: int  # signed 64-bit; unique within its session (see importers/_msgframe.py)
    seq: int
    role: Role
    sender: str | None
    sent_at: str | None
    content: str


class SessionRecord(TypedDict, total=False):
    session_key: str
    source_session_id: str | None
    buyer_nick: str
    transferred: bool
    repeat_consult: bool
    messages: list[MessageRecord]


class OrderRecord(TypedDict, total=False):
    order_id: str
    buyer_nick: str | None
    created_at: str | None
    paid_at: str | None
    amount: float | None
    status: str | None
    refund_status: str | None


def content_key(*parts: object) -> str:
    """A stable natural key for rows whose source has no id of its own."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()
