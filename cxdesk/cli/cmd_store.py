"""``store copy``: move a whole store between a SQLite file and a team database (PostgreSQL).

``python main.py store copy --from FILE.sqlite3 --to postgresql://user@host/dbname`` (and back,
or file to file) copies every table into an empty destination, then prints each table's row
count and checksum on both sides (:mod:`cxdesk.store.copy`); exit code 1 when any differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "store",
        help="在本机数据库文件与团队数据库（PostgreSQL）之间整体复制数据",
        description="copy：把一个数据库的全部数据复制到另一个空数据库（SQLite 文件或 postgresql:// 地址），"
        "复制后逐表核对行数和校验和。来源不会被修改。",
    )
    p.add_argument("action", choices=["copy"], help="copy（整体复制并核对）")
    p.add_argument(
        "--from", dest="source", required=True, metavar="DB", help="来源：数据库文件路径或 postgresql://用户@主机/库名"
    )
    p.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="DB",
        help="目标：新的数据库文件路径或空的 postgresql:// 数据库（已有数据时拒绝复制）",
    )
    p.add_argument("--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cxdesk.cli import run_cli_op
    from cxdesk.errors import CxdeskError
    from cxdesk.ops import store_copy
    from cxdesk.store import open_store
    from cxdesk.store.pg import is_postgres_url

    if args.source.strip() == args.target.strip():
        raise CxdeskError("来源和目标是同一个数据库。")
    new_file = None
    if not is_postgres_url(args.target):
        path = Path(args.target)
        if not path.exists() or path.stat().st_size == 0:
            new_file = path
    with open_store(args.source, mode="ro") as src:
        try:
            with open_store(args.target) as dst:
                report = run_cli_op(store_copy.copy, dst, src, quiet=args.quiet).value
        except BaseException:
            if new_file is not None:  # a file this command created stays only when the copy worked
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{new_file}{suffix}").unlink(missing_ok=True)
            raise
    print(f"从 {report.source} 复制到 {report.destination}：")
    print(f"{'表':<20}{'来源行数':>10}{'目标行数':>10}  校验")
    for t in report.tables:
        print(f"{t.table:<20}{t.rows:>12}{t.rows_written:>12}  {'一致' if t.ok else '不一致'}")
    if report.ok:
        print(f"完成：{len(report.tables)} 个表、{report.rows} 行，行数和校验和全部一致。")
        return 0
    bad = [t.table for t in report.tables if not t.ok]
    print(f"错误：{len(bad)} 个表复制后不一致：{'、'.join(bad)}。请勿使用目标数据库，检查后重新复制。", file=sys.stderr)
    return 1
