"""``cluster``: group the rows of any text list by meaning (the FAQ clustering, no question filter)."""

from __future__ import annotations

import argparse

from cxdesk.tasks import run_cli_job


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cluster", help="把任意文本列表（CSV / XLSX 的一列）按意思分组，写回 cluster_id 与 cluster_label"
    )
    p.add_argument("file", metavar="FILE", help="输入文件，.csv 或 .xlsx")
    p.add_argument("--column", required=True, metavar="COL", help="要分组的文本列名")
    p.add_argument(
        "--out", required=True, metavar="OUT", help="输出文件，.csv 或 .xlsx（原有各列 + cluster_id + cluster_label）"
    )
    p.add_argument(
        "--granularity",
        default=None,
        metavar="PRESET",
        help="聚类粒度预设（resources/lexicons/faq.json 的 presets，如 coarse：先按较松的相似度连成大类，再把由两类拼成的组拆开；strict：在 coarse 之上只保留 5 次聚类都认同的分组，拿不准的文本自成小组）；默认与常见问题相同",
    )
    p.add_argument(
        "--keep-personal",
        action="store_true",
        help="cluster_label 保留手机号、姓名、地址等个人信息（默认隐藏；原有各列照原样写回）",
    )
    p.add_argument("--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cxdesk.analysis.faq import cluster_file
    from cxdesk.paths import default_db_path

    # No database is read, but the one named by --db (or the default one) is never a valid output.
    summary = run_cli_job(
        cluster_file,
        args.file,
        args.column,
        args.out,
        args.granularity,
        store=getattr(args, "db", None) or default_db_path(),
        keep_personal=args.keep_personal,
        quiet=args.quiet,
    )
    print(summary.describe())
    return 0
