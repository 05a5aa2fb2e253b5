"""``backup``: list, make and restore backups of the database (the same as 设置 → 数据库备份).

Backups are made automatically before a schema upgrade and before an import
batch is undone; the newest three are kept in the ``backups`` folder next to
the database. These commands work on the files, so they also work when the
database itself is damaged and cannot be opened. A team store (a ``postgresql://`` address) is
backed up by its server: the command says so and how to keep a local copy.
"""

from __future__ import annotations

import argparse
import sys

from cxdesk.errors import CxdeskError


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cxdesk.cli import add_db_option

    p = sub.add_parser("backup", help="列出、创建或恢复数据库备份（升级结构前和撤销导入前会自动备份，保留最近 3 个）")
    p.add_argument(
        "action",
        choices=["list", "create", "restore"],
        help="list（列出备份）、create（立即备份）或 restore（用一个备份替换当前数据库）",
    )
    p.add_argument("backup_id", nargs="?", metavar="ID", help="restore：要恢复的备份编号（见 list 的第一列）")
    add_db_option(p)
    p.set_defaults(func=run)


TEAM_STORE_BACKUPS = (
    "“{db}”是团队数据库：它的备份由数据库服务器负责（例如在服务器上每天用 pg_dump 备份，"
    "见 docs/team_database.md 的“备份”一节），这台电脑上不为它做、也不保存文件备份。"
    "要在本机留一份副本，可用 python main.py store copy --from 团队数据库地址 --to 新文件.sqlite3。"
)


def run(args: argparse.Namespace) -> int:
    from cxdesk.paths import default_db_path
    from cxdesk.store.pg import display_url, is_postgres_url

    db = args.db or default_db_path()
    if is_postgres_url(db):  # the file backups below are a file store's; a server backs up its databases
        raise CxdeskError(TEAM_STORE_BACKUPS.format(db=display_url(str(db))))
    if args.action == "list":
        return _list(db)
    if args.action == "create":
        return _create(db)
    if not args.backup_id:
        raise CxdeskError(
            "请给出要恢复的备份编号，例如 python main.py backup restore 20240601-101530；"
            "编号见 python main.py backup list。"
        )
    return _restore(db, args.backup_id)


def _list(db) -> int:
    from cxdesk.store.backups import backup_dir, list_backups

    backups = list_backups(db)
    if not backups:
        print(f"数据库“{db}”还没有备份（备份文件夹：{backup_dir(db)}）。")
        return 0
    print(f"数据库“{db}”的备份（在 {backup_dir(db)}，最新的在前）：")
    print(f"{'编号':<18}{'时间':<20}{'大小':>10}  原因")  # each CJK character is two columns wide
    for b in backups:
        print(f"{b.id:<20}{b.time_text:<22}{b.size_text:>12}  {b.label}")
    return 0


def _create(db) -> int:
    from pathlib import Path

    from cxdesk.store.backups import create_backup

    if not Path(db).is_file():
        raise CxdeskError(f"数据库文件“{db}”不存在，没有可备份的内容。")
    backup = create_backup(db, "manual")
    print(f"已备份到“{backup.path}”（编号 {backup.id}，{backup.size_text}）。")
    return 0


def _restore(db, backup_id: str) -> int:
    from cxdesk.store.backups import restore_backup

    result = restore_backup(db, backup_id, progress=lambda message: print(f"{message}…", file=sys.stderr))
    print(result.describe())
    return 0
