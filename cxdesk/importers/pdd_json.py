"""Pinduoduo review JSON, as the consumer app and the merchant back-end serve it.

* consumer: ``review_id, name, comment, time (unix), specs (a JSON string of
  [{spec_key, spec_value}]), append{comment, time}``;
* merchant: ``reviewId, orderSn, goodsId, goodsName, score, descScore,
  logisticsScore, serviceScore, comment, reply, createTime``. ``score`` is
  the rating; the three sub-scores are not stored (no column for them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from cxdesk.importers._jsonsrc import find_list, head_has, item_chunks, load_json
from cxdesk.importers._model import Chunk, FormatSpec, Guess, Probe, ReadOptions
from cxdesk.importers._rows import clean_review_text, finish_review
from cxdesk.importers._values import parse_rating, parse_time, text_or_none
from cxdesk.records import ReviewRecord


def specs_text(specs: object) -> str | None:
    """``[{"spec_key": "颜色", "spec_value": "红"}]`` (maybe as a string) → ``颜色:红``."""
    if isinstance(specs, str):
        try:
            specs = json.loads(specs)
        except json.JSONDecodeError:
            return text_or_none(specs)
    if isinstance(specs, list):
        parts = [f"{s.get('spec_key', '')}:{s.get('spec_value', '')}".strip(":") for s in specs if isinstance(s, dict)]
        return ";".join(p for p in parts if p) or None
    return None


def _consumer(no: int, it: dict) -> ReviewRecord:
    append = it.get("append") if isinstance(it.get("append"), dict) else {}
    rating, rating_text = parse_rating(it.get("stars") or it.get("score"))
    return finish_review(
        {
            "platform_review_id": text_or_none(it.get("review_id")),
            "product_id": text_or_none(it.get("goods_id")),
            "sku": specs_text(it.get("specs")),
            "buyer_nick": text_or_none(it.get("name")),
            "rating": rating,
            "rating_text": rating_text,
            "content": clean_review_text(it.get("comment")),
            "created_at": parse_time(it.get("time")),
            "append_content": clean_review_text(append.get("comment")) or None,
            "append_at": parse_time(append.get("time"), "追评时间"),
        }
    )


def _merchant(no: int, it: dict) -> ReviewRecord:
    rating, rating_text = parse_rating(it.get("score") or it.get("descScore"))
    return finish_review(
        {
            "platform_review_id": text_or_none(it.get("reviewId")),
            "order_id": text_or_none(it.get("orderSn")),
            "product_id": text_or_none(it.get("goodsId")),
            "product_title": text_or_none(it.get("goodsName")),
            "sku": specs_text(it.get("specs")) or text_or_none(it.get("skuSpec")),
            "buyer_nick": text_or_none(it.get("nickname") or it.get("name")),
            "rating": rating,
            "rating_text": rating_text,
            "content": clean_review_text(it.get("comment")),
            "created_at": parse_time(it.get("createTime")),
            "append_content": clean_review_text(it.get("appendComment")) or None,
            "seller_reply": text_or_none(it.get("reply")),
        }
    )


# Keys each converter reads as text or numbers: a record with a list or an object there is rejected
# (its main fields only: an odd reply or append must not cost the review).
_SCALARS = {
    _consumer: ("review_id", "goods_id", "name", "comment", "time", "stars", "score"),
    _merchant: (
        "reviewId",
        "orderSn",
        "goodsId",
        "goodsName",
        "nickname",
        "name",
        "score",
        "descScore",
        "comment",
        "createTime",
    ),
}


def _spec(fid: str, label: str, keys: tuple[str, ...], convert: Callable[[int, dict], ReviewRecord]) -> FormatSpec:
    def sniff(p: Probe) -> Guess | None:
        if p.container != "json" or not head_has(p.head_text, *keys):
            return None
        return Guess(0.95, "reviews", "pdd")

    def read(opts: ReadOptions) -> Iterator[Chunk]:
        data = load_json(opts.detection.path, opts.detection.encoding)
        items = find_list(data, ("data", "list", "reviews", "result", "reviewList")) or (
            data if isinstance(data, list) else []
        )
        return item_chunks(items, convert, opts.chunk_size, _SCALARS[convert])

    return FormatSpec(fid, label, ("json",), sniff, read, unit="条")


CONSUMER = _spec("pdd_consumer_json", "拼多多评价（消费者端 JSON）", ("review_id", "comment"), _consumer)
MERCHANT = _spec("pdd_merchant_json", "拼多多评价（商家后台 JSON）", ("reviewId", "orderSn"), _merchant)
