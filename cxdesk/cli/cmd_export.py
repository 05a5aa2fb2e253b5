"""``export``: reviews, chat messages, sessions, risk flags, FAQ or 差评原因 with their analysis results, to CSV or XLSX.

Buyers' personal data is masked unless ``--keep-personal``; the output is never the database itself.
"""

from __future__ import annotations

import argparse

from cxdesk.errors import CxdeskError


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cxdesk.cli import add_db_option

    p = sub.add_parser("export", help="导出评价、聊天消息、会话（含风险分）、风险旗标、常见问题或差评原因到 CSV / XLSX")
    p.add_argument(
        "kind",
        choices=["reviews", "messages", "sessions", "flags", "agents", "faq", "faq-members", "drivers"],
        help="reviews（评价）、messages（聊天消息）、sessions（会话及风险分）、flags（风险旗标）、"
        "agents（客服绩效）、faq（常见问题，每类一行）、faq-members（每个提取出的问题一行）"
        "或 drivers（差评原因：哪些方面的抱怨或称赞与差评相关，每个方面·倾向一行）",
    )
    add_db_option(p)
    p.add_argument("--out", required=True, metavar="FILE", help="输出文件，.csv 或 .xlsx")
    p.add_argument(
        "--period",
        choices=["day", "week", "month", "all"],
        default="all",
        help="agents：按日 / 周 / 月 / 全部统计（默认 all）",
    )
    p.add_argument(
        "--shop",
        type=int,
        metavar="ID",
        help="drivers：只看这个店铺（店铺编号见 stats 子命令；默认所有店铺一起）",
    )
    p.add_argument(
        "--keep-personal",
        action="store_true",
        help="保留买家昵称、手机号、身份证号、邮箱、姓名、地址（默认隐藏；文件外传时请勿使用）",
    )
    p.add_argument("--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=run, store_mode="auto")  # only reads: a read-only database is opened read-only


def run(args: argparse.Namespace) -> int:
    from cxdesk.cli import run_cli_op
    from cxdesk.exports import KEEP_HINT
    from cxdesk.ops.export import export_agents, export_drivers, export_table
    from cxdesk.paths import default_db_path
    from cxdesk.store import open_store, store_exists

    db = args.db or default_db_path()
    if args.shop is not None and args.kind != "drivers":
        raise CxdeskError("--shop 只用于 drivers（差评原因）；其他导出含所有店铺。")
    if args.kind in ("agents", "drivers"):
        if not store_exists(db):  # opening it would create an empty database: say so, as the export does
            raise CxdeskError(f"数据库文件“{db}”不存在。请用 --db 指定已导入数据的数据库。")
        with open_store(db) as store:
            if args.kind == "agents":
                summary = run_cli_op(export_agents, store, args.period, args.out, quiet=args.quiet).value
            else:
                summary = run_cli_op(export_drivers, store, args.out, shop_id=args.shop, quiet=args.quiet).value
    else:
        with open_store(db) as store:
            summary = run_cli_op(
                export_table, store, args.kind, args.out, keep_personal=args.keep_personal, quiet=args.quiet
            ).value
    print(summary.describe())
    if getattr(summary, "masked", None):
        print(f"{KEEP_HINT}。")
    return 0
