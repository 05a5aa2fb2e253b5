"""``import``: import export files into the store; also ``--list`` and ``--undo``.

Each file is its own batch: one failing file is reported and the others
still import; the exit code is 1 if any file failed.
"""

from __future__ import annotations

import argparse
import sys

from cxdesk.errors import CxdeskError
from cxdesk.store import PLATFORMS


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cxdesk.cli import add_db_option

    p = sub.add_parser("import", help="导入评价、客服聊天记录或订单导出文件（CSV/XLSX/JSON/TXT）")
    add_db_option(p)
    p.add_argument("files", nargs="*", metavar="FILE", help="要导入的文件（可多个）")
    from cxdesk.importers._model import KINDS

    p.add_argument("--kind", choices=KINDS, help="导入类型（默认自动识别；agent_report = 平台客服日报）")
    p.add_argument("--platform", help=f"平台：{'、'.join(PLATFORMS)}（默认自动识别）")
    p.add_argument("--shop", help="店铺名（默认由平台或千牛子账号推断）")
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="字段=列名",
        help="指定列的对应关系，如 --map content=评论 （可多次）",
    )
    p.add_argument(
        "--session-gap",
        type=float,
        default=30,
        metavar="MINUTES",
        help="无会话ID时，同一买家两条消息间隔超过多少分钟算新会话（默认 30）",
    )
    p.add_argument(
        "--max-bad-share", type=float, default=0.5, metavar="SHARE", help="错误行超过该比例时整个文件不导入（默认 0.5）"
    )
    p.add_argument("--errors-csv", metavar="PATH", help="把被拒绝的行写入该 CSV（多个文件时追加批次号）")
    p.add_argument("--list", action="store_true", help="列出已导入的批次")
    p.add_argument("--undo", type=int, metavar="BATCH_ID", help="撤销一个导入批次")
    p.add_argument("--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=run)


def _parse_map(items: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        field, sep, column = item.partition("=")
        if not sep or not field.strip():
            raise CxdeskError(f"--map 参数“{item}”格式不对，应为 字段=列名，例如 content=评论")
        mapping[field.strip()] = column.strip()
    return mapping


def run(args: argparse.Namespace) -> int:
    from cxdesk.store import open_store

    with open_store(args.db) as store:
        if args.list:
            return _list(store)
        if args.undo is not None:
            return _undo(store, args.undo)
        if not args.files:
            print("错误：请给出要导入的文件，或使用 --list / --undo。", file=sys.stderr)
            return 2
        return _import_all(store, args)


def _import_all(store: object, args: argparse.Namespace) -> int:
    from cxdesk.cli import run_cli_op
    from cxdesk.importers import write_rejects_csv
    from cxdesk.ops.imports import import_file

    mapping = _parse_map(args.map)
    failed = 0
    for name in args.files:
        try:
            summary = run_cli_op(
                import_file,
                store,
                name,
                kind=args.kind,
                platform=args.platform,
                shop=args.shop,
                mapping=mapping or None,
                session_gap_minutes=args.session_gap,
                max_bad_share=args.max_bad_share,
                quiet=args.quiet,
            ).value
        except CxdeskError as exc:
            failed += 1
            print(("" if args.quiet else "\n") + f"失败：{name}：{exc}", file=sys.stderr)
            continue
        print(summary.describe())
        if args.errors_csv and summary.rows_rejected:
            out = args.errors_csv if len(args.files) == 1 else f"{args.errors_csv}.{summary.batch_id}.csv"
            write_rejects_csv(store, summary.batch_id, out)  # type: ignore[arg-type]
            print(f"  错误清单已写入 {out}")
    if len(args.files) > 1:
        print(f"共 {len(args.files)} 个文件：成功 {len(args.files) - failed}，失败 {failed}。")
    return 1 if failed else 0


def _list(store: object) -> int:
    from cxdesk.importers import list_batches

    batches = list_batches(store)  # type: ignore[arg-type]
    if not batches:
        print("还没有导入过文件。")
        return 0
    print(
        f"{'批次':>4}  {'状态':<4} {'类型':<7} {'平台':<7} {'读取':>8} {'新增':>8} {'重复':>8} {'拒绝':>6}  时间  文件"
    )
    for b in batches:
        status = "已撤销" if b.status == "undone" else "有效"
        print(
            f"{b.id:>4}  {status:<4} {b.kind:<7} {b.platform or '':<7} {b.rows_read:>8} {b.rows_added:>8} "
            f"{b.rows_duplicate:>8} {b.rows_rejected:>6}  {b.imported_at}  {b.file_name}"
        )
    return 0


def _undo(store: object, batch_id: int) -> int:
    from cxdesk.ops import run_op
    from cxdesk.ops.undo import undo_batch

    removed = run_op(undo_batch, store, batch_id).value
    print(f"已撤销批次 {batch_id}，删除 {removed} 行。")
    return 0
