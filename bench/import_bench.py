"""Import speed benchmark: 1M chat messages (two formats) and 200k reviews.

Generates the files into a temp folder, imports each into a fresh store in
its own process (so peak RSS is per importer), and as a reference inserts
the same rows with plain ``sqlite_utils`` ``insert_all`` into a plain table.

    python bench/import_bench.py [--messages 1000000] [--reviews 200000] [--keep DIR]

Not a test: numbers go to bench/README.md ("## Import speed").
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_PHRASES = [
    "在吗",
    "这个有货吗",
    "什么时候发货",
    "亲，在的呢",
    "今天下午发货哦",
    "能便宜点吗",
    "已经是活动价了",
    "好的谢谢",
    "尺码偏大还是偏小",
    "建议拍大一码",
    "物流到哪了",
    "帮您查询一下",
    "可以开发票吗",
    "下单备注即可",
    "收到货有破损",
    "非常抱歉，马上为您处理",
]
_REVIEWS = [
    "质量很好，穿着舒服",
    "物流很快，包装完好",
    "有色差，一般般",
    "尺码偏小，建议拍大一码",
    "客服态度很好，耐心解答",
    "用了一周就坏了，差评",
    "性价比高，会回购",
    "味道不错，孩子喜欢",
]
PER_SESSION = 10


def _messages(n: int):
    """(buyer, seq, time, content, sender, role) in buyer/time order, 10 per session."""
    rnd = random.Random(7)
    base = 1_682_900_000
    for s in range(n // PER_SESSION):
        buyer = f"tb_{s:07d}"
        t = base + s * 37
        agent = f"某某旗舰店:客服{s % 17:02d}"
        for i in range(PER_SESSION):
            t += rnd.randint(5, 120)
            is_buyer = i % 2 == 0
            yield (
                buyer,
                i + 1,
                time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)),
                f"{rnd.choice(_PHRASES)} {s}-{i}",
                buyer if is_buyer else agent,
                "买家" if is_buyer else "客服",
                s,
            )


def gen_qianniu_csv(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["客户名", "消息序号", "发送时间", "发送内容", "发送账号", "账号类型"])
        w.writerows(m[:6] for m in _messages(n))


def gen_jddc_tsv(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for buyer, seq, _t, content, _sender, role, s in _messages(n):
            fh.write(f"{s:032x}\tUSERID_{s:08d}\t{0 if role == '买家' else 1}\t0\t{int(s % 6 == 0)}\tnan\t{content}\n")


def gen_reviews_csv(path: Path, n: int) -> None:
    rnd = random.Random(11)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["订单号", "商品ID", "商品名称", "SKU", "旺旺号", "评分", "评价内容", "日期", "追评", "商家回复"])
        for i in range(n):
            w.writerow(
                [
                    f"{3_000_000_000_000 + i}",
                    f"{600_000 + i % 300}",
                    f"商品{i % 300}",
                    f"颜色分类:色{i % 7};尺码:{'SMLX'[i % 4]}",
                    f"s***{i}",
                    rnd.randint(1, 5),
                    f"{rnd.choice(_REVIEWS)} #{i}",
                    f"2023-05-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00",
                    "追评：还不错" if i % 5 == 0 else "",
                    "谢谢亲" if i % 3 == 0 else "",
                ]
            )


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _run_import(path: str, db: str, q) -> None:
    from cxdesk.importers import import_file
    from cxdesk.store import open_store
    from cxdesk.tasks import NullContext

    with open_store(db) as store:
        t, cpu = time.perf_counter(), time.process_time()
        s = import_file(NullContext(), store, path)
        dt, cpu = time.perf_counter() - t, time.process_time() - cpu
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        q.put(
            {
                "rows": s.rows_added,
                "sessions": s.sessions_added,
                "seconds": dt,
                "rss": _peak_rss_mb(),
                "format": s.format_label,
                "rejected": s.rows_rejected,
                "child_rss": kids.ru_maxrss / 1024,
                "cpu": cpu,
                "child_cpu": kids.ru_utime + kids.ru_stime,
            }
        )


def _run_reference(path: str, db: str, kind: str, q) -> None:
    """Same rows, plain sqlite_utils insert_all into a plain table (no keys, no sessions)."""
    import sqlite_utils

    t = time.perf_counter()
    database = sqlite_utils.Database(db)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        if kind == "jddc":
            names = [
                "session_id",
                "customer_id",
                "waiter_send",
                "is_transferred",
                "is_repeat_consult",
                "sku",
                "content",
            ]
            rows = (dict(zip(names, line.rstrip("\n").split("\t", 6))) for line in fh)
        else:
            rows = csv.DictReader(fh)
        database["rows"].insert_all(rows)
    dt = time.perf_counter() - t
    n = database["rows"].count
    q.put({"rows": n, "seconds": dt, "rss": _peak_rss_mb()})


def _in_process(target, *args) -> dict:
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, q))
    p.start()
    result = q.get()
    p.join()
    return result


def pg_database(server_url: str, key: str) -> str:
    """A fresh database ``cxbench_<key>`` on the server (dropped first), UTF-8, C collation, C.UTF-8 ctype."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"cxbench_{key}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'")
    with psycopg.connect(make_conninfo(server_url, dbname=name), autocommit=True) as db:
        db.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    info = conninfo_to_dict(server_url)
    user = info.get("user", "postgres")
    return f"postgresql://{user}@{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}/{name}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--reviews", type=int, default=200_000)
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR and keep the files")
    ap.add_argument(
        "--only",
        choices=["qianniu", "jddc", "reviews"],
        action="append",
        help="run only these cases (repeatable; default all)",
    )
    ap.add_argument("--no-reference", action="store_true", help="skip the sqlite_utils reference (iterating)")
    ap.add_argument(
        "--pg",
        metavar="URL",
        help="import into the team store instead: a PostgreSQL server's address with a role that may create "
        "databases (postgresql://postgres@127.0.0.1:5432/postgres); each case gets a fresh database cxbench_<case>",
    )
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="cxdesk-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {os.cpu_count()} cores (nproc), Python {platform.python_version()}, "
        f"SQLite {__import__('sqlite3').sqlite_version}, {platform.platform()}"
    )
    cases = [
        ("qianniu", "qianniu_export.csv", gen_qianniu_csv, args.messages),
        ("jddc", "jddc_chat.tsv", gen_jddc_tsv, args.messages),
        ("reviews", "seller_reviews.csv", gen_reviews_csv, args.reviews),
    ]
    for key, name, gen, n in cases:
        if args.only and key not in args.only:
            continue
        path = folder / name
        if not path.exists():
            t = time.perf_counter()
            gen(path, n)
            print(f"generated {name}: {n} rows, {path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t:.1f}s")
        for suffix in ("", "-ref"):
            for ext in ("", "-wal", "-shm"):
                Path(f"{folder}/{key}{suffix}.sqlite3{ext}").unlink(missing_ok=True)
        load = os.getloadavg()
        r = _in_process(
            _run_import, str(path), pg_database(args.pg, key) if args.pg else str(folder / f"{key}.sqlite3")
        )
        print(
            f"{r['format']}: {r['rows']} rows in {r['seconds']:.1f}s = {r['rows'] / r['seconds']:,.0f} rows/s, "
            f"sessions {r['sessions']}, rejected {r['rejected']}, peak RSS {r['rss']:.0f} MB "
            f"(+ reader process {r['child_rss']:.0f} MB), CPU {r['cpu']:.1f}s (+ reader process "
            f"{r['child_cpu']:.1f}s), load average before {load[0]:.2f} {load[1]:.2f}"
        )
        if args.no_reference or args.pg:
            continue
        ref = _in_process(_run_reference, str(path), str(folder / f"{key}-ref.sqlite3"), key)
        print(
            f"  reference sqlite_utils insert_all (plain table): {ref['rows']} rows in {ref['seconds']:.1f}s = "
            f"{ref['rows'] / ref['seconds']:,.0f} rows/s, peak RSS {ref['rss']:.0f} MB"
        )
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
