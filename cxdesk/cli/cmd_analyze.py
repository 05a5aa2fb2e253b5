"""``analyze``: run every analysis stage over what is new or changed."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cxdesk.cli import add_db_option

    p = sub.add_parser("analyze", help="分析新导入或需要重算的数据（情感等），可随时中断后继续")
    add_db_option(p)
    p.add_argument("--workers", type=int, default=None, help="工作进程数（默认按 CPU 核数；1 表示不启动子进程）")
    p.add_argument("--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cxdesk.cli import run_cli_op
    from cxdesk.ops.analyze import analyze
    from cxdesk.paths import default_db_path
    from cxdesk.store import open_store

    with open_store(args.db or default_db_path()) as store:
        summary = run_cli_op(analyze, store, workers=args.workers, quiet=args.quiet).value
    print(summary.describe())
    return 0
