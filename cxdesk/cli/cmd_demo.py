"""``demo``: build the synthetic demo shop into a database."""
from __future__ import annotations

import argparse

from cxdesk.tasks import run_cli_job


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cxdesk.cli import add_db_option

    p = sub.add_parser("demo", help="生成演示数据（合成的示例店铺，固定随机种子）")
    add_db_option(p)
    p.add_argument("--seed", type=int, default=None, help="随机种子（默认固定值，结果可复现）")
    p.add_argument("--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cxdesk.demo import DEFAULT_SEED, build_demo
    from cxdesk.paths import default_db_path

    db = args.db or default_db_path()
    seed = DEFAULT_SEED if args.seed is None else args.seed
    summary = run_cli_job(build_demo, db, seed=seed, quiet=args.quiet)
    print(summary.describe())
    return 0
