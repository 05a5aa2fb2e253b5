"""``search``: the search box's full-text search (Ctrl+F) of chat messages and reviews, newest first.

Same query rules as the window (:func:`cxdesk.search.search`): terms separated by spaces must all
occur, one- and two-character terms included; an ASCII last word also matches as a prefix. Each hit
is one line with its time, shop, kind and who wrote it, and the text around the first match with the
matches in 【】. Buyers' personal data (nicks, phones, addresses) is masked unless ``--keep-personal``,
as in the exports; a 客服 on a team store always reads it masked. ``--json`` prints the hits for other
tools.
"""

from __future__ import annotations

import argparse
import json
from datetime import date

from cxdesk.errors import CxdeskError
from cxdesk.roles import ROLE_LABELS

KIND_LABELS = {"message": "消息", "review": "评价"}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”不是 YYYY-MM-DD 格式") from None


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cxdesk.cli import add_db_option

    p = sub.add_parser("search", help="搜索聊天消息和评价（与窗口的搜索框相同），最新的在前")
    p.add_argument("terms", nargs="+", metavar="词", help="要搜索的词；用空格分开的几个词须同时出现")
    p.add_argument(
        "--kind", choices=["all", "message", "review"], default="all", help="搜索范围：全部（默认）、消息或评价"
    )
    p.add_argument("--shop", type=int, action="append", metavar="ID", help="只搜这个店铺（编号见 stats；可重复）")
    p.add_argument("--role", choices=["buyer", "agent"], help="只搜买家（含评价）或客服说的话")
    p.add_argument("--from", dest="date_from", type=_day, metavar="YYYY-MM-DD", help="从这一天起")
    p.add_argument("--to", dest="date_to", type=_day, metavar="YYYY-MM-DD", help="到这一天止（含）")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="最多显示几条（默认 20，最多 1000）")
    p.add_argument(
        "--keep-personal", action="store_true", help="显示未隐藏的买家昵称、手机号和地址（默认隐藏，同导出）"
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出（供其他工具读取）")
    add_db_option(p)
    p.set_defaults(func=run, store_mode="auto")  # only reads: a read-only database is opened read-only


def run(args: argparse.Namespace) -> int:
    from cxdesk.search import SearchFilters, search
    from cxdesk.store import open_store

    if not 1 <= args.limit <= 1000:
        raise CxdeskError("--limit 须在 1 到 1000 之间。")
    filters = SearchFilters(
        kind=args.kind,
        shop_ids=tuple(args.shop) if args.shop else None,
        role=args.role,
        date_from=args.date_from,
        date_to=args.date_to,
    )
    with open_store(args.db) as store:
        page = search(store, " ".join(args.terms), filters, limit=args.limit)
    rows = [_row(hit, args.keep_personal) for hit in page.hits]
    if args.json:
        total = {"total": page.total, "total_capped": page.total_capped}
        print(json.dumps({"query": page.query.text, **total, "hits": rows}, ensure_ascii=False))
        return 0
    more = "以上" if page.total_capped else ""
    print(f"找到 {page.total:,} 条{more}（最新的在前），显示 {len(rows)} 条，用时 {page.seconds * 1000:.0f} 毫秒：")
    for row in rows:
        who = f"{row['role']} {row['who']}" if row["who"] else row["role"]
        print(f"{row['at'] or '（无时间）'}  {row['shop']}  {row['kind']}·{who}：{row['snippet']}")
    if page.total > len(rows):
        print(f"还有 {page.total - len(rows):,} 条{more}：用 --limit 显示更多，或加词、--shop、--from/--to 缩小范围。")
    if page.not_indexed:
        print(f"注意：有 {page.not_indexed:,} 条新导入的文字还没有建立索引，运行一次 analyze 后才能搜到。")
    return 0


def _row(hit, keep_personal: bool) -> dict:
    """One hit as printed: personal data masked (same length, so the match offsets stay right)."""
    from cxdesk.privacy import mask_nick, mask_text
    from cxdesk.search import snippet

    text = hit.text if keep_personal else mask_text(hit.text)
    who = hit.buyer_nick if hit.kind == "review" or hit.role == "buyer" else hit.sender
    if who and not keep_personal and (hit.kind == "review" or hit.role == "buyer"):
        who = mask_nick(who)
    cut, spans = snippet(text, list(hit.spans))
    marked, last = [], 0
    for start, end in spans:
        marked += [cut[last:start], "【", cut[start:end], "】"]
        last = end
    marked.append(cut[last:])
    role = "买家" if hit.kind == "review" else ROLE_LABELS.get(hit.role or "", hit.role or "")
    return {
        "kind": KIND_LABELS[hit.kind],
        "id": hit.target_id,
        "session_id": hit.session_id,
        "at": hit.at,
        "shop": hit.shop,
        "role": role,
        "who": who or "",
        "snippet": "".join(marked),
        "text": text,
    }
