"""``report``: the summary report of a period (figures, charts, agents, risks, FAQ, aspects, complaints)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from cxdesk.errors import CxdeskError


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cxdesk.cli import add_db_option

    p = sub.add_parser(
        "report",
        help="生成一段期间的报告（Excel / 网页 / PDF）：概览、图表、客服、风险、常见问题、方面、新抱怨",
        description="生成报告。不给 --from 和 --to 时报告全部数据（包括没有时间的评价和聊天，无上期对比）；"
        "只给其中一个时，另一端取数据中最早或最新的一天（只含有时间的数据）。",
    )
    add_db_option(p)
    p.add_argument(
        "--from",
        dest="date_from",
        metavar="YYYY-MM-DD",
        help="开始日期（含）；不给则从最早的数据开始，两个都不给 = 全部数据（含没有时间的）",
    )
    p.add_argument(
        "--to",
        dest="date_to",
        metavar="YYYY-MM-DD",
        help="结束日期（含）；不给则到最新的数据为止，两个都不给 = 全部数据（含没有时间的）",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="输出文件：.xlsx、.html 或 .pdf（按扩展名决定格式）")
    p.add_argument("--shop", type=int, metavar="ID", help="只看这个店铺（店铺编号见 stats 子命令）")
    p.add_argument("--platform", metavar="NAME", help="只看这个平台的店铺，如 taobao、jd、pdd、douyin")
    p.add_argument(
        "--keep-personal",
        action="store_true",
        help="保留买家昵称、手机号、身份证号、邮箱、姓名、地址（默认隐藏；报告外传时请勿使用）",
    )
    p.add_argument("--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=run, store_mode="auto")  # only reads: a read-only database is opened read-only


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CxdeskError(f"{option} 的日期“{text}”格式不对，应为 YYYY-MM-DD，例如 2024-06-01。") from None


def run(args: argparse.Namespace) -> int:
    from cxdesk.cli import run_cli_op
    from cxdesk.exports import KEEP_HINT
    from cxdesk.ops import report
    from cxdesk.paths import default_db_path
    from cxdesk.reports.build import ReportParams, check_params
    from cxdesk.store import open_store, store_exists

    params = ReportParams(
        _day(args.date_from, "--from"),
        _day(args.date_to, "--to"),
        Path(args.out),
        shop_id=args.shop,
        platform=args.platform,
        keep_personal=args.keep_personal,
    )
    db = args.db or default_db_path()
    if not store_exists(db):  # opening it would create an empty database: say so, as the report does
        check_params(params, db)
        raise CxdeskError(f"数据库文件不存在：{db}")
    with open_store(db) as store:
        summary = run_cli_op(report.build, store, params, quiet=args.quiet).value
    print(summary.describe())
    if summary.masked:
        print(f"{KEEP_HINT}。")
    return 0
