"""``store``: move a whole store between a SQLite file and a team database, and set up who may do what.

``python main.py store copy --from FILE.sqlite3 --to postgresql://user@host/dbname`` (and back,
or file to file) copies every table into an empty destination, then prints each table's row
count and checksum on both sides (:mod:`cxdesk.store.copy`); exit code 1 when any differs.

``store roles --db postgresql://postgres@host/dbname`` (an administrator's login) creates or updates
the groups 店主 and 客服 of the team database, its schema, the grants and the 客服's masked views
(:mod:`cxdesk.store.pg.roles`; run again at any time). ``store add-user --db … --name wangfang --role 客服``
creates a person's login in one of them (or moves it, and sets a new password); the password is
read from a prompt (twice) or from the first line of stdin with ``--password-stdin``, never from
the command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


ROLE_CHOICES = ("店主", "客服", "owner", "agent")


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cxdesk.cli import add_db_option

    p = sub.add_parser(
        "store",
        help="在本机数据库文件与团队数据库（PostgreSQL）之间整体复制数据；设置团队数据库的店主、客服账号",
        description="copy：把一个数据库的全部数据复制到另一个空数据库（SQLite 文件或 postgresql:// 地址），"
        "复制后逐表核对行数和校验和。来源不会被修改。"
        "roles：在团队数据库中创建或更新“店主”“客服”两个角色、数据表和权限（用数据库管理员账号运行，可重复运行）："
        "店主可做一切；客服只能看到隐藏了买家个人信息的数据，只能处理风险（状态、备注）、会话备注和常见问题的推荐回答，"
        "不能导入、分析、删除或导出未隐藏的个人信息，由数据库本身强制。"
        "add-user：为一个人创建登录账号（或修改其角色和密码），密码在提示时输入或用 --password-stdin 从标准输入读取。",
    )
    p.add_argument(
        "action",
        choices=["copy", "roles", "add-user"],
        help="copy（整体复制并核对）、roles（设置店主/客服角色）、add-user（添加或修改一个人的账号）",
    )
    p.add_argument(
        "--from", dest="source", metavar="DB", help="copy 的来源：数据库文件路径或 postgresql://用户@主机/库名"
    )
    p.add_argument(
        "--to",
        dest="target",
        metavar="DB",
        help="copy 的目标：新的数据库文件路径或空的 postgresql:// 数据库（已有数据时拒绝复制）",
    )
    p.add_argument("--quiet", action="store_true", help="不显示进度")
    p.add_argument("--name", metavar="NAME", help="add-user：账号名（小写英文字母、数字、下划线，例如 wangfang）")
    p.add_argument("--role", choices=ROLE_CHOICES, metavar="ROLE", help="add-user：店主 或 客服")
    p.add_argument(
        "--password-stdin", action="store_true", help="add-user：从标准输入的第一行读取密码（不在屏幕上提示）"
    )
    add_db_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "roles":
        return run_roles(args)
    if args.action == "add-user":
        return run_add_user(args)
    return run_copy(args)


def _team_db(args: argparse.Namespace) -> str:
    from cxdesk.errors import CxdeskError
    from cxdesk.store.pg import is_postgres_url

    url = getattr(args, "db", None)
    if not is_postgres_url(url):
        raise CxdeskError(
            f"store {args.action} 只用于团队数据库：请用 --db postgresql://postgres@服务器/库名 指定"
            "（用数据库管理员账号，例如安装 PostgreSQL 时设置的 postgres）。"
        )
    return url


def run_roles(args: argparse.Namespace) -> int:
    from cxdesk.store.pg import connect, display_url
    from cxdesk.store.pg.roles import AGENT, OWNER, setup_roles

    url = _team_db(args)
    conn = connect(url)
    try:
        report = setup_roles(conn)
    finally:
        conn.close()
    print(f"团队数据库“{display_url(url)}”已设置好店主、客服两个角色（{report.tables} 个数据表）。")
    print(f"客服看到的买家个人信息已隐藏的表：{'、'.join(report.masked_tables)}。")
    for label in (OWNER, AGENT):
        names = report.members.get(label) or []
        print(f"{label}：{'、'.join(names) if names else '（还没有账号）'}")
    print("添加账号：python main.py store add-user --db … --name 账号名 --role 店主（或 客服）")
    return 0


def run_add_user(args: argparse.Namespace) -> int:
    from cxdesk.errors import CxdeskError
    from cxdesk.store.pg import connect, display_url
    from cxdesk.store.pg.roles import LABELS, add_user, check_login_name, group_of

    url = _team_db(args)
    if not args.name or not args.role:
        raise CxdeskError("add-user 需要 --name 账号名 和 --role 店主（或 客服）。")
    name = check_login_name(args.name)
    label = LABELS[group_of(args.role)]
    password = _read_password(args.password_stdin, name)
    conn = connect(url)
    try:
        new = add_user(conn, name, label, password)
    finally:
        conn.close()
    done = "已创建" if new else "已更新"
    print(f"{done}账号 {name}（{label}）。")
    print(f"这个人在自己的电脑上连接：postgresql://{name}@{_host_and_db(display_url(url))}")
    return 0


def _host_and_db(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or "服务器"
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{host}{parts.path}"


def _read_password(from_stdin: bool, name: str) -> str:
    import getpass

    from cxdesk.errors import CxdeskError

    if from_stdin:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        password = line.rstrip("\r\n")
    else:
        if sys.stdin is None or not sys.stdin.isatty():
            raise CxdeskError("没有可输入密码的终端：请在命令行窗口中运行，或加 --password-stdin 从标准输入读取密码。")
        password = getpass.getpass(f"为 {name} 设置密码：")
        if getpass.getpass("再输入一次：") != password:
            raise CxdeskError("两次输入的密码不一致，账号没有创建或修改。")
    if len(password) < 8:
        raise CxdeskError("密码至少需要 8 个字符。")
    return password


def run_copy(args: argparse.Namespace) -> int:
    from cxdesk.cli import run_cli_op
    from cxdesk.errors import CxdeskError
    from cxdesk.ops import store_copy
    from cxdesk.store import open_store
    from cxdesk.store.pg import is_postgres_url

    if not args.source or not args.target:
        raise CxdeskError("store copy 需要 --from 来源 和 --to 目标。")
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
