"""``stats``: row counts per table, and the shops with the ids other commands take (``--shop``)."""

from __future__ import annotations

import argparse
import json

from cxdesk.store import open_store

_LABELS = {
    "shops": "店铺",
    "import_batches": "导入批次",
    "reviews": "评价",
    "chat_sessions": "会话",
    "chat_messages": "消息",
    "orders": "订单",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cxdesk.cli import add_db_option

    p = sub.add_parser("stats", help="显示数据库中各表的行数和店铺编号（report --shop 等用到）")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="以 JSON 输出（供其他工具读取）")
    p.set_defaults(func=run, store_mode="auto")  # only reads: a read-only database is opened read-only


def run(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        counts = store.counts().as_dict()
        shops = store.shops.all()
        if args.json:
            print(
                json.dumps(
                    {
                        "db": str(store.path),
                        "schema_version": store.schema_version,
                        **counts,
                        "shop_list": [{"id": s.id, "platform": s.platform, "name": s.name} for s in shops],
                    },
                    ensure_ascii=False,
                )
            )
            return 0
        print(f"数据库：{store.path}（结构版本 {store.schema_version}）")
        for key, value in counts.items():
            print(f"{key:<16}{value:>10}  {_LABELS[key]}")
        if shops:
            print("\n店铺编号  平台      店铺名称")
            for s in shops:
                print(f"{s.id:>8}  {s.platform_label:<8}  {s.name}")
    return 0
