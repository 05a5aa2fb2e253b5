"""Turning mapped table rows into canonical records (reviews, orders, chats).

Shared by every tabular format (seller-tool CSV/XLSX, 抖店 xlsx, Qianniu
exporter CSV, generic chat/order tables, generic JSON lists). Each mapper
raises ValueError with a Chinese reason for a row that cannot be used,
including a row whose time is impossible or whose rating is no star count
(:mod:`._values`): the row comes back rejected, never kept with the value
silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cxdesk.importers._limits import check_row
from cxdesk.importers._model import Chunk, RawMessage, Reject
from cxdesk.importers._tabular import RowChunk
from cxdesk.importers._values import id_text, parse_amount, parse_rating, parse_time, text_or_none
from cxdesk.ratings import rating_class
from cxdesk.records import OrderRecord, ReviewRecord, content_key
from cxdesk.roles import role_rules

RowMapper = Callable[[int, list[Any]], Any]

# Texts platforms put in place of a review the buyer did not write.
NO_CONTENT = {
    "此用户未填写评价内容",
    "此用户没有填写评价内容",
    "该用户未填写评价内容",
    "用户未填写评价内容",
    "此用户没有填写评价。",
    "此用户没有填写评价",
    "评价方未及时做出评价,系统默认好评!",
    "评价方未及时做出评价，系统默认好评！",
    "系统默认好评",
    "该用户觉得商品较好，未填写评价内容",
    "用户未及时评价, 此评价为系统默认好评",
    "默认好评",
}


def clean_review_text(value: Any) -> str:
    s = text_or_none(value) or ""
    return "" if s in NO_CONTENT else s


def _getter(index: dict[str, int]) -> Callable[[list[Any], str], Any]:
    def get(cells: list[Any], field: str) -> Any:
        i = index.get(field)
        return cells[i] if i is not None and i < len(cells) else None

    return get


def review_key(r: ReviewRecord) -> str:
    """Platform id when present, else a hash of what does not change later.

    Append text and seller reply are left out: they arrive in newer exports
    of the same review, which must still count as a duplicate.
    """
    if r.get("platform_review_id"):
        return f"id:{r['platform_review_id']}"
    return content_key(
        r.get("buyer_nick"), r.get("created_at"), r.get("product_id"), r.get("order_id"), r.get("sku"), r.get("content")
    )


def finish_review(r: ReviewRecord) -> ReviewRecord:
    """Validate a review dict and give it its key."""
    # A review without text is still a review (platforms show "no content"
    # placeholders); only a row with nothing that identifies a review is refused.
    if not any(
        r.get(f) for f in ("content", "rating", "rating_text", "append_content", "platform_review_id", "created_at")
    ):
        raise ValueError("空记录：没有评价内容、评分、评价ID或评价时间")
    if r.get("rating") is None and r.get("rating_text"):
        # Stars written in the 评价等级 column (五星, ★★★★☆, 4分) are stars, not words.
        try:
            stars, words = parse_rating(r["rating_text"])
        except ValueError:
            stars, words = None, None
        if stars is not None and words is None:
            r["rating"] = stars
    r["rating_class"] = rating_class(r.get("rating"), r.get("rating_text"))
    r["review_key"] = review_key(r)
    return r


def review_mapper(index: dict[str, int]) -> RowMapper:
    get = _getter(index)

    def to_review(no: int, cells: list[Any]) -> ReviewRecord:
        rating, rating_text = parse_rating(get(cells, "rating"))
        rating_text = text_or_none(get(cells, "rating_text")) or rating_text
        r: ReviewRecord = {
            "platform_review_id": id_text(get(cells, "platform_review_id")),
            "order_id": id_text(get(cells, "order_id")),
            "product_id": id_text(get(cells, "product_id")),
            "product_title": text_or_none(get(cells, "product_title")),
            "sku": text_or_none(get(cells, "sku")),
            "buyer_nick": text_or_none(get(cells, "buyer_nick")),
            "rating": rating,
            "rating_text": rating_text,
            "content": clean_review_text(get(cells, "content")),
            "created_at": parse_time(get(cells, "created_at")),
            "append_content": clean_review_text(get(cells, "append_content")) or None,
            "append_at": parse_time(get(cells, "append_at"), "追评时间"),
            "seller_reply": text_or_none(get(cells, "seller_reply")),
        }
        return finish_review(r)

    return to_review


def order_mapper(index: dict[str, int]) -> RowMapper:
    get = _getter(index)

    def to_order(no: int, cells: list[Any]) -> OrderRecord:
        order_id = id_text(get(cells, "order_id"))
        if not order_id:
            raise ValueError("缺少订单号")
        return {
            "order_id": order_id,
            "buyer_nick": text_or_none(get(cells, "buyer_nick")),
            "created_at": parse_time(get(cells, "created_at"), "下单时间"),
            "paid_at": parse_time(get(cells, "paid_at"), "付款时间"),
            "amount": parse_amount(get(cells, "amount")),
            "status": text_or_none(get(cells, "status")),
            "refund_status": text_or_none(get(cells, "refund_status")),
        }

    return to_order


def chat_mapper(index: dict[str, int]) -> RowMapper:
    """Rows → RawMessage; the buyer falls back to the session id's owner or sender."""
    i_content, i_buyer, i_sender, i_time, i_sid, i_role = (
        index.get(f, -1) for f in ("content", "buyer", "sender", "sent_at", "session_id", "role")
    )

    decide_role = role_rules().decide

    def cell(cells: list[Any], i: int) -> Any:
        return cells[i] if 0 <= i < len(cells) else None

    def to_message(no: int, cells: list[Any]) -> RawMessage:
        n = len(cells)
        content = cells[i_content] if 0 <= i_content < n else None
        content = content.strip() if type(content) is str else text_or_none(content)
        if not content:
            raise ValueError("消息内容为空")
        sender = text_or_none(cells[i_sender]) if 0 <= i_sender < n else None
        sid = text_or_none(cells[i_sid]) if 0 <= i_sid < n else None
        buyer = text_or_none(cells[i_buyer]) if 0 <= i_buyer < n else None
        role_cell = cells[i_role] if 0 <= i_role < n else None
        if buyer is None:
            if sid is None:
                raise ValueError("缺少客户（买家）名称")
            buyer = f"会话{sid}"
        role = decide_role(role_cell, sender, buyer)
        if role == "buyer" and sender is None:
            sender = buyer
        return RawMessage(no, buyer, role, sender, parse_time(cell(cells, i_time)), content, sid)

    return to_message


def map_chunks(chunks: Iterator[RowChunk], mapper: RowMapper) -> Iterator[Chunk]:
    """Apply ``mapper`` to each row, collecting rejects with their numbers."""
    for rows, done, total in chunks:
        good: list[Any] = []
        bad: list[Reject] = []
        for no, cells in rows:
            try:
                good.append(mapper(no, check_row(cells)))  # _limits: broken row, cell size, bad bytes
            except ValueError as exc:
                bad.append(Reject(no, str(exc), _raw(cells)))
        yield Chunk(good, bad, done, total)


def _raw(cells: list[Any]) -> str:
    return ",".join("" if c is None else str(c) for c in cells)[:500]
