"""``buyer``: what the store holds about one buyer (``show``), their history as 买家时间线 shows it
(``timeline``), and deleting all of it (``delete``).

``delete`` removes the buyer's reviews, chat sessions with their messages, orders and every
analysis result tied to them, in one transaction; it asks first unless ``--yes``.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cxdesk.cli import add_db_option

    p = sub.add_parser(
        "buyer",
        help="查看或删除某个买家的全部数据（评价、聊天会话与消息、订单及其分析结果）",
        description="按买家昵称（完全一致）查看或删除该买家在一个店铺或所有店铺中的数据。"
        "删除包括其评价、聊天会话（含客服回复）、订单，以及由这些数据得出的情感、方面、风险标记和风险分、"
        "常见问题中的提问、会话备注、搜索索引和语义向量缓存；提到该昵称的导入错误行也一并删除。"
        "删除前不做备份（备份会保留要删除的数据），无法撤销。",
    )
    p.add_argument(
        "action",
        choices=["show", "timeline", "delete"],
        help="show（列出将删除的数据条数）、timeline（按时间列出咨询、订单、评价、追评和风险标记，同「买家时间线」）"
        "或 delete（删除该买家的全部数据）",
    )
    p.add_argument("--nick", required=True, metavar="NICK", help="买家昵称（完全一致）")
    p.add_argument("--shop", type=int, metavar="ID", help="只处理这个店铺（店铺编号见 stats 子命令；默认所有店铺）")
    p.add_argument("--yes", action="store_true", help="delete：不再询问，直接删除")
    p.add_argument(
        "--keep-personal", action="store_true", help="timeline：显示未隐藏的昵称、手机号和地址（默认隐藏，同导出）"
    )
    add_db_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cxdesk.errors import CxdeskError
    from cxdesk.ops import buyer_data, run_op
    from cxdesk.store import open_store

    with open_store(args.db, mode=None if args.action == "delete" else "auto") as store:
        if args.shop is not None and all(s.id != args.shop for s in store.shops.all()):
            raise CxdeskError(f"没有编号为 {args.shop} 的店铺（店铺编号见 python main.py stats）。")
        if args.action == "timeline":
            return _timeline(store, args.nick, args.shop, args.keep_personal)
        counts = run_op(buyer_data.preview, store, args.nick, shop_id=args.shop).value
        if args.action == "show":
            _show(store, counts)
            return 0
        if counts.is_empty:
            print(counts.describe())
            return 0
        if not args.yes and not _confirm(counts):
            print("已取消，未删除任何数据。", file=sys.stderr)
            return 1
        deleted = run_op(buyer_data.delete, store, args.nick, shop_id=args.shop).value
        print(deleted.describe(deleted=True))
    return 0


def _show(store: object, counts: object) -> None:
    from cxdesk.store.buyer_data import COUNT_LABELS

    print(counts.describe())  # type: ignore[attr-defined]
    if counts.is_empty:  # type: ignore[attr-defined]
        return
    for key, label in COUNT_LABELS:
        print(f"  {label:<12}{getattr(counts, key):>8}")
    if counts.shop_id is None:  # type: ignore[attr-defined]
        shops = store.buyer_data.shops_of(counts.nick)
        print("  所在店铺：" + "、".join(f"{name}（编号 {sid}）" for sid, _, name in shops))


def _timeline(store, nick: str, shop_id: int | None, keep_personal: bool) -> int:
    """买家时间线 on the terminal, newest first: one line per session, order, review, 追评 and flag."""
    from cxdesk.privacy import mask_nick, mask_text
    from cxdesk.store.timeline import KIND_LABELS

    timeline = store.timeline.buyer_timeline(nick.strip(), shop_id)
    shown = nick if keep_personal else mask_nick(nick)
    if not timeline.items:
        print(f"{'店铺 ' + str(shop_id) + ' 中' if shop_id is not None else '所有店铺中'}没有买家“{shown}”的记录。")
        return 0
    counts = "、".join(f"{KIND_LABELS[k]} {n}" for k, n in timeline.counts().items() if n)
    print(f"买家“{shown}”的时间线（最新的在前）：{counts}；店铺：{'、'.join(timeline.shops())}")
    for item in timeline.items:  # the title names the kind, level and status, as the page's rows do
        title, detail = (t if keep_personal else mask_text(t) for t in (item.title, item.detail))
        detail = " / ".join(line.strip() for line in detail.splitlines() if line.strip())
        print(f"{item.at or '（无时间）'}  {item.shop}  {title}：{detail}")
    return 0


def _confirm(counts: object) -> bool:
    """Ask on the terminal; anything but y/yes (or no terminal) keeps the data."""
    print(counts.describe() + "删除后无法恢复。", file=sys.stderr)  # type: ignore[attr-defined]
    if sys.stdin is None or not sys.stdin.isatty():
        print("没有可交互的终端：请确认后加 --yes 再运行。", file=sys.stderr)
        return False
    try:
        answer = input("确定删除吗？输入 yes 确认：")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")
