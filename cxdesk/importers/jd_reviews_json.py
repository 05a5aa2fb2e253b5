"""JD product comment JSON (``productPageComments``): ``comments[]``.

Fields ``id, content, creationTime, score (1–5), nickname, productColor,
productSize, referenceName, referenceId, afterUserComment{created,
hAfterUserComment.content}``; "此用户未填写评价内容" means no content.
"""

from __future__ import annotations

from collections.abc import Iterator

from cxdesk.importers._jsonsrc import dig, find_list, head_has, item_chunks, load_json
from cxdesk.importers._model import Chunk, FormatSpec, Guess, Probe, ReadOptions
from cxdesk.importers._rows import clean_review_text, finish_review
from cxdesk.importers._values import parse_rating, parse_time, text_or_none
from cxdesk.records import ReviewRecord


def sniff(p: Probe) -> Guess | None:
    if p.container != "json" or not head_has(p.head_text, "creationTime", "score"):
        return None
    return Guess(0.95, "reviews", "jd")


def _sku(it: dict) -> str | None:
    parts = [
        f"{label}:{v}"
        for label, key in (("颜色", "productColor"), ("尺码", "productSize"))
        if (v := text_or_none(it.get(key)))
    ]
    return ";".join(parts) or None


def convert(no: int, it: dict) -> ReviewRecord:
    after = it.get("afterUserComment") if isinstance(it.get("afterUserComment"), dict) else {}
    rating, rating_text = parse_rating(it.get("score"))
    return finish_review(
        {
            "platform_review_id": text_or_none(it.get("id") or it.get("guid")),
            "product_id": text_or_none(it.get("referenceId")),
            "product_title": text_or_none(it.get("referenceName")),
            "sku": _sku(it),
            "buyer_nick": text_or_none(it.get("nickname")),
            "rating": rating,
            "rating_text": rating_text,
            "content": clean_review_text(it.get("content")),
            "created_at": parse_time(it.get("creationTime")),
            "append_content": clean_review_text(dig(after, "hAfterUserComment", "content")) or None,
            "append_at": parse_time(after.get("created"), "追评时间"),
            "seller_reply": _first_reply(it),
        }
    )


def _first_reply(it: dict) -> str | None:
    replies = it.get("replies")
    if isinstance(replies, list) and replies and isinstance(replies[0], dict):
        return text_or_none(replies[0].get("content"))
    return None


# Keys read as text or numbers: a record with a list or an object there is rejected.
SCALARS = (
    "id",
    "guid",
    "content",
    "creationTime",
    "score",
    "nickname",
    "productColor",
    "productSize",
    "referenceName",
    "referenceId",
)


def read(opts: ReadOptions) -> Iterator[Chunk]:
    items = find_list(load_json(opts.detection.path, opts.detection.encoding), ("comments",)) or []
    return item_chunks(items, convert, opts.chunk_size, SCALARS)


FORMAT = FormatSpec("jd_reviews_json", "京东商品评价（JSON）", ("json",), sniff, read, unit="条")
