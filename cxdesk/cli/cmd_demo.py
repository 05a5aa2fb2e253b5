"""``demo``: build the synthetic demo shop into its own database, or clear it from a store."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="生成演示数据（合成的示例店铺，固定随机种子）；--clear 从数据库中清除演示数据",
        description="生成合成的演示数据（示例店铺）。默认写入单独的演示数据库（用户数据目录下的 demo.sqlite3），"
        "不会放进您自己的数据库；图形界面的「查看演示数据」打开的就是它。"
        "旧版本曾把演示数据放进您自己的数据库，可用 --clear 清除。",
    )
    # Same option as every subcommand's --db (cxdesk.cli.add_db_option), with the demo's own default.
    p.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="数据库文件（生成时默认：用户数据目录下单独的演示数据库 demo.sqlite3；"
        "--clear 时默认：用户数据目录下您自己的 cxdesk.sqlite3）",
    )
    p.add_argument("--seed", type=int, default=None, help="随机种子（默认固定值，结果可复现）")
    p.add_argument("--quiet", action="store_true", help="不显示进度")
    p.add_argument(
        "--clear",
        action="store_true",
        help="清除数据库中的演示数据（标记为合成的导入批次及其分析结果），您自己导入的数据保留；"
        "清除前自动备份，可用 backup restore 恢复",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cxdesk.cli import run_cli_op
    from cxdesk.demo import DEFAULT_SEED
    from cxdesk.ops import demo
    from cxdesk.paths import default_db_path, demo_db_path
    from cxdesk.store import open_store

    db = getattr(args, "db", None)
    if args.clear:
        with open_store(db or default_db_path()) as store:
            summary = run_cli_op(demo.clear, store, quiet=args.quiet).value
        print(summary.describe())
        return 0
    seed = DEFAULT_SEED if args.seed is None else args.seed
    with open_store(db or demo_db_path()) as store:
        result = run_cli_op(demo.build, store, seed=seed, quiet=args.quiet).value
    print(result.describe())
    return 0
