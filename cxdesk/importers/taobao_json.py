"""Taobao/Tmall review JSON: Tmall ``rateList``, Taobao ``feedRateList``, TOP ``trade_rate``.

* Tmall (list_detail_rate): ``rateDetail.rateList[]`` with ``id, displayUserNick,
  rateContent, rateDate, auctionSku ("颜色分类:X;尺码:Y"), reply,
  appendComment{content, commentTime}``.
* Taobao feedRateList: ``comments[]`` with ``rateId, date ("2023年5月1日 10:20"),
  content, appendList[].content, user{nick}, auction{sku}``.
* TOP TradeRate: ``tid, oid, nick, result (good|neutral|bad), created,
  item_title, content, reply``. ``result`` is kept as rating_text and rating
  stays None: the platform never said how many stars.
Often served as JSONP; :mod:`._jsonsrc` strips the wrapper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cxdesk.importers._jsonsrc import dig, find_list, head_has, item_chunks, load_json
from cxdesk.importers._model import Chunk, FormatSpec, Guess, Probe, ReadOptions
from cxdesk.importers._rows import clean_review_text, finish_review
from cxdesk.importers._values import parse_time, text_or_none
from cxdesk.records import ReviewRecord


def _tmall(no: int, it: dict) -> ReviewRecord:
    append = it.get("appendComment") or {}
    return finish_review(
        {
            "platform_review_id": text_or_none(it.get("id")),
            "order_id": text_or_none(it.get("tradeId")),
            "product_id": text_or_none(it.get("itemId") or it.get("auctionNumId")),
            "product_title": text_or_none(it.get("auctionTitle")),
            "sku": text_or_none(it.get("auctionSku")),
            "buyer_nick": text_or_none(it.get("displayUserNick")),
            "content": clean_review_text(it.get("rateContent")),
            "created_at": parse_time(it.get("rateDate")),
            "append_content": clean_review_text(append.get("content")) or None if isinstance(append, dict) else None,
            "append_at": parse_time(append.get("commentTime"), "追评时间") if isinstance(append, dict) else None,
            "seller_reply": text_or_none(it.get("reply")),
        }
    )


def _feed(no: int, it: dict) -> ReviewRecord:
    append_list = it.get("appendList")
    appends = [a for a in append_list if isinstance(a, dict)] if isinstance(append_list, list) else []
    user = it.get("user")
    nick = user.get("nick") if isinstance(user, dict) else user
    first_append = appends[0] if appends else {}
    return finish_review(
        {
            "platform_review_id": text_or_none(it.get("rateId")),
            "product_title": text_or_none(dig(it, "auction", "title")),
            "sku": text_or_none(dig(it, "auction", "sku")),
            "buyer_nick": text_or_none(nick),
            "content": clean_review_text(it.get("content")),
            "created_at": parse_time(it.get("date")),
            "append_content": "\n".join(clean_review_text(a.get("content")) for a in appends).strip() or None,
            "append_at": parse_time(first_append.get("date"), "追评时间"),
            "seller_reply": text_or_none(it.get("reply")),
        }
    )


def _top(no: int, it: dict) -> ReviewRecord:
    return finish_review(
        {
            "platform_review_id": None,
            "order_id": text_or_none(it.get("oid") or it.get("tid")),
            "product_id": text_or_none(it.get("num_iid")),
            "product_title": text_or_none(it.get("item_title")),
            "buyer_nick": text_or_none(it.get("nick")),
            "rating_text": text_or_none(it.get("result")),
            "content": clean_review_text(it.get("content")),
            "created_at": parse_time(it.get("created")),
            "seller_reply": text_or_none(it.get("reply")),
        }
    )


# Keys each converter reads as text or numbers: a record with a list or an object there is rejected
# (its main fields only: an odd reply or append must not cost the review).
_SCALARS = {
    _tmall: (
        "id",
        "tradeId",
        "itemId",
        "auctionNumId",
        "auctionTitle",
        "auctionSku",
        "displayUserNick",
        "rateContent",
        "rateDate",
    ),
    _feed: ("rateId", "content", "date"),
    _top: ("oid", "tid", "num_iid", "item_title", "nick", "result", "content", "created"),
}


def _spec(
    fid: str,
    label: str,
    keys: tuple[str, ...],
    list_keys: tuple[str, ...],
    convert: Callable[[int, dict], ReviewRecord],
) -> FormatSpec:
    def sniff(p: Probe) -> Guess | None:
        if p.container != "json" or not head_has(p.head_text, *keys):
            return None
        return Guess(0.95, "reviews", "taobao")

    def read(opts: ReadOptions) -> Iterator[Chunk]:
        items = find_list(load_json(opts.detection.path, opts.detection.encoding), list_keys) or []
        return item_chunks(items, convert, opts.chunk_size, _SCALARS[convert])

    return FormatSpec(fid, label, ("json",), sniff, read, unit="条")


TMALL = _spec("tmall_rate_json", "天猫评价（rateList JSON）", ("rateContent",), ("rateList",), _tmall)
FEED = _spec(
    "taobao_feed_json",
    "淘宝评价（feedRateList JSON）",
    ("rateId", "content"),
    ("comments", "feedRateList", "rateList"),
    _feed,
)
TOP = _spec(
    "taobao_top_json",
    "淘宝开放平台评价（TradeRate JSON）",
    ("result", "nick", "created"),
    ("trade_rate", "trade_rates", "traderates"),
    _top,
)
