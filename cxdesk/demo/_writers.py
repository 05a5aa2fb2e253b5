"""Write the demo data as the export files real platforms and tools produce.

The point of the demo is that the user can also import these files by hand,
and that the importers are tested on realistic input: so each file uses the
platform's own field names and encoding (GB18030 for the seller-tool review
CSV, UTF-8 with BOM for the Qianniu exporter, epoch milliseconds in JD's
chat JSON). Output is byte-for-byte deterministic, which is what lets
``build_demo`` recognise files it already loaded by their SHA-256.

How roles map for JD chat logs, which only have ``waiterSend``: bot lines are
sent by the waiter ``京小智`` (the JD bot) and system notes by the waiter
``系统``; buyer lines name the session's current waiter.

Format ids are the ones ``cxdesk.importers.registry`` detects these files as
(the review and order CSVs go through its generic column-mapping ``table``).
"""

from __future__ import annotations

import calendar
import csv
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cxdesk.demo._catalog import TIME_FMT
from cxdesk.demo._model import DemoData, DemoFile, DemoShop
from cxdesk.demo._review_phrases import DEFAULT_TEXT

QIANNIU_CHAT_HEADER = ("客户名", "消息序号", "发送时间", "发送内容", "发送账号", "账号类型")
TAOBAO_REVIEW_HEADER = (
    "订单号",
    "商品ID",
    "商品名称",
    "SKU",
    "用户昵称",
    "评分",
    "评价内容",
    "日期",
    "追评",
    "追评时间",
    "商家回复",
)
ORDER_HEADER = ("订单号", "买家昵称", "下单时间", "付款时间", "实付金额", "订单状态", "退款状态")
JD_CHAT_KEYS = ("mid", "sid", "created", "waiterSend", "content", "customer", "waiter")
JD_COMMENT_KEYS = (
    "id",
    "content",
    "creationTime",
    "score",
    "nickname",
    "productColor",
    "productSize",
    "referenceName",
    "referenceId",
)

_ACCOUNT_TYPE = {"buyer": "客户", "agent": "客服", "system": "系统", "bot": "机器人"}
BEIJING_OFFSET_S = 8 * 3600  # JD timestamps are UTC epoch ms; the shop's clock is Beijing time


def _csv(path: Path, encoding: str, header: tuple[str, ...], rows: list[tuple]) -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _json(path: Path, obj: object) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=1)
        fh.write("\n")


def _blank(v: object) -> str:
    return "" if v is None else str(v)


def epoch_ms(local: str, extra_ms: int = 0) -> int:
    """Beijing local time text → UTC epoch milliseconds, independent of the machine's zone."""
    dt = datetime.strptime(local, TIME_FMT)
    return (calendar.timegm(dt.timetuple()) - BEIJING_OFFSET_S) * 1000 + extra_ms


def _qianniu_chats(shop: DemoShop, path: Path) -> int:
    rows = [
        (s["buyer_nick"], m["seq"], m["sent_at"], m["content"], m["sender"], _ACCOUNT_TYPE[m["role"]])
        for s in shop.sessions
        for m in s["messages"]
    ]
    _csv(path, "utf-8-sig", QIANNIU_CHAT_HEADER, rows)
    return len(rows)


def _taobao_reviews(shop: DemoShop, path: Path) -> int:
    rows = [
        (
            r["order_id"],
            r["product_id"],
            r["product_title"],
            r["sku"],
            r["buyer_nick"],
            r["rating"],
            r["content"] or DEFAULT_TEXT["taobao"],
            r["created_at"],
            _blank(r["append_content"]),
            _blank(r["append_at"]),
            _blank(r["seller_reply"]),
        )
        for r in shop.reviews
    ]
    _csv(path, "gb18030", TAOBAO_REVIEW_HEADER, rows)
    return len(rows)


def _orders(shop: DemoShop, path: Path, encoding: str) -> int:
    rows = [
        (
            o["order_id"],
            o["buyer_nick"],
            o["created_at"],
            _blank(o["paid_at"]),
            f"{o['amount']:.2f}",
            o["status"],
            _blank(o["refund_status"]),
        )
        for o in shop.orders
    ]
    _csv(path, encoding, ORDER_HEADER, rows)
    return len(rows)


def _jd_chats(shop: DemoShop, path: Path) -> int:
    items = []
    for s in shop.sessions:
        agents = [m["sender"] for m in s["messages"] if m["role"] == "agent"]
        waiter = agents[0] if agents else ""
        for m in s["messages"]:
            if m["role"] == "agent":
                waiter = m["sender"]
            mid = int(m["msg_key"])
            items.append(
                {
                    "mid": mid,
                    "sid": s["source_session_id"],
                    "created": epoch_ms(m["sent_at"], mid % 997),
                    "waiterSend": m["role"] != "buyer",
                    "content": m["content"],
                    "customer": s["buyer_nick"],
                    "waiter": m["sender"] if m["role"] != "buyer" else waiter,
                }
            )
    _json(path, {"chatLogMessageList": items})
    return len(items)


def _jd_reviews(shop: DemoShop, path: Path) -> int:
    items = []
    for r in shop.reviews:
        color, size = (part.split(":", 1)[1] for part in r["sku"].split(";"))
        item: dict[str, object] = {
            "id": int(r["platform_review_id"]),
            "content": r["content"] or DEFAULT_TEXT["jd"],
            "creationTime": r["created_at"],
            "score": r["rating"],
            "nickname": r["buyer_nick"],
            "productColor": color,
            "productSize": size,
            "referenceName": r["product_title"],
            "referenceId": r["product_id"],
        }
        if r["append_content"]:
            item["afterUserComment"] = {
                "created": r["append_at"],
                "hAfterUserComment": {"content": r["append_content"]},
            }
        items.append(item)
    _json(path, {"comments": items})
    return len(items)


def write_platform_files(data: DemoData, out_dir: str | Path) -> list[DemoFile]:
    """Write every shop's chats, reviews and orders in its platform's export format."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    span = f"{data.start:%Y%m%d}-{data.end:%Y%m%d}"
    files: list[DemoFile] = []

    def add(
        shop: DemoShop, kind: str, label: str, ext: str, fmt_id: str, enc: str, writer: Callable[[DemoShop, Path], int]
    ) -> None:
        path = out / f"{shop.name}_{label}_{span}.{ext}"
        n = writer(shop, path)
        files.append(DemoFile(path, kind, shop.platform, shop.name, fmt_id, enc, n))

    for shop in data.shops:
        if shop.platform == "taobao":
            add(shop, "chats", "聊天记录", "csv", "qianniu_csv", "utf-8-sig", _qianniu_chats)
            add(shop, "reviews", "评价导出", "csv", "table", "gb18030", _taobao_reviews)
            add(shop, "orders", "订单报表", "csv", "table", "utf-8-sig", lambda s, p: _orders(s, p, "utf-8-sig"))
        elif shop.platform == "jd":
            add(shop, "chats", "咚咚聊天记录", "json", "jd_chat_json", "utf-8", _jd_chats)
            add(shop, "reviews", "商品评价", "json", "jd_reviews_json", "utf-8", _jd_reviews)
            add(shop, "orders", "订单导出", "csv", "table", "utf-8", lambda s, p: _orders(s, p, "utf-8"))
        else:  # pragma: no cover - the catalog only has these two
            raise ValueError(f"no export format for platform {shop.platform!r}")
    return files
