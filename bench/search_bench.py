"""Search speed: index build and query latency on the 1M-message benchmark database.

Builds (or reuses, ``--db``) a database of 100k sessions × 10 messages in
three shops over one year plus 200k reviews, from real texts when
``../shared/data`` is present (JDDC lines, online_shopping_10_cats reviews;
the same sampling as ``analysis_bench.py``). Then:

* the search-index stage from nothing, a second run with nothing new, an
  incremental run after 10k new messages, and the purge after undoing them;
* ``cxdesk.search.search`` (parse, fetch one page of 50, capped count,
  highlighting: what the search panel calls) for 1-, 2- and 4-character,
  rare and common queries, with and without filters: p50/p95 over ``--repeat`` runs.

    python bench/search_bench.py [--db PATH] [--messages 1000000] [--reviews 200000] [--repeat 20]

Not a test: figures go to bench/README.md ("## Search").
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.analysis_bench import real_texts  # noqa: E402

SHOPS = (("taobao", "基准店A", 0.6), ("taobao", "基准店B", 0.3), ("jd", "基准京东店", 0.1))
YEAR_START = datetime(2024, 1, 1)


def build_db(db: Path, n_messages: int, n_reviews: int, chats: list[str], reviews: list[str]) -> float:
    """Sessions spread over 2024 in id order (as imports of consecutive exports are)."""
    from cxdesk.store import open_store

    rnd = random.Random(11)
    n_sessions = n_messages // 10
    step = 365 * 86400 / max(n_sessions, 1)
    t0 = time.perf_counter()
    with open_store(db) as store, store.bulk_load(), store.transaction():
        shops = [store.shops.get_or_create(p, name) for p, name, _ in SHOPS]
        weights = [w for _, _, w in SHOPS]
        for start in range(0, n_sessions, 5000):
            per_shop: dict[int, list] = {}
            for s in range(start, min(start + 5000, n_sessions)):
                shop = rnd.choices(shops, weights)[0]
                began = YEAR_START + timedelta(seconds=s * step)
                msgs = [
                    {
                        "msg_hash": i,
                        "seq": i,
                        "role": "buyer" if i % 2 == 0 else "agent",
                        "sender": None if i % 2 == 0 else f"{shop.name}:客服{s % 4}",
                        "sent_at": (began + timedelta(seconds=30 * i)).strftime("%Y-%m-%d %H:%M:%S"),
                        "content": rnd.choice(chats),
                    }
                    for i in range(10)
                ]
                per_shop.setdefault(shop.id, []).append(
                    {"session_key": f"s{s}", "buyer_nick": f"b{s % 40000}", "messages": msgs}
                )
            for shop_id, sessions in per_shop.items():
                store.chats.insert_sessions(shop_id, None, sessions)
        rstep = 365 * 86400 / max(n_reviews, 1)
        for shop in shops:
            store.reviews.insert_many(
                shop.id,
                None,
                [
                    {
                        "review_key": f"r{i}",
                        "content": rnd.choice(reviews),
                        "buyer_nick": f"b{i % 40000}",
                        "rating": rnd.choice([1, 2, 4, 5, 5, None]),
                        "append_content": rnd.choice(reviews) if i % 10 == 0 else None,
                        "created_at": (YEAR_START + timedelta(seconds=i * rstep)).strftime("%Y-%m-%d %H:%M:%S"),
                    }
                    for i in range(n_reviews)
                    if i % len(shops) == shop.id - shops[0].id
                ],
            )
    return time.perf_counter() - t0


def run_stage(db: Path, workers: int | None) -> tuple[float, int]:
    from cxdesk.analysis.engine import _run_chunks
    from cxdesk.analysis.search_stage import run_search_index_stage
    from cxdesk.store import open_store
    from cxdesk.tasks import TaskContext

    with open_store(db) as store:
        t0 = time.perf_counter()
        result = run_search_index_stage(TaskContext(), store, _run_chunks, workers)
        return time.perf_counter() - t0, result.processed


def add_and_undo(db: Path, chats: list[str], workers: int | None) -> dict[str, float]:
    """10k new messages in a batch: incremental index; then undo the batch and purge."""
    from cxdesk.importers._batches import undo_batch
    from cxdesk.store import open_store

    rnd = random.Random(5)
    with open_store(db) as store:
        with store.transaction():
            shop = store.shops.get_or_create("taobao", "基准店A")
            batch = store.batches.create(kind="chats", file_name="bench-extra.csv", file_sha256="bench-extra")
            sessions = [
                {
                    "session_key": f"extra{s}",
                    "buyer_nick": f"x{s}",
                    "messages": [
                        {
                            "msg_hash": i,
                            "seq": i,
                            "role": "buyer",
                            "sent_at": "2024-12-31 12:00:00",
                            "content": rnd.choice(chats),
                        }
                        for i in range(10)
                    ],
                }
                for s in range(1000)
            ]
            store.chats.insert_sessions(shop.id, batch, sessions)
    out = {}
    out["incremental 10k"], _ = run_stage(db, workers)
    with open_store(db) as store:
        t0 = time.perf_counter()
        undo_batch(store, batch)
        out["undo 10k (with purge triggers)"] = time.perf_counter() - t0
    out["purge 10k"], _ = run_stage(db, workers)
    return out


def queries(db: Path) -> list[tuple[str, str, object]]:
    """(label, query, filters): terms picked by their frequency in this database."""
    from cxdesk.search import SearchFilters
    from cxdesk.store import open_store

    with open_store(db) as store:
        shop_small = next(s.id for s in store.shops.all() if s.platform == "jd")
    last90 = SearchFilters(date_from=date(2024, 10, 3), date_to=date(2024, 12, 31))
    january = SearchFilters(date_from=date(2024, 1, 1), date_to=date(2024, 1, 31))
    return [
        ("1 字 常见", "的", None),
        ("1 字 较少", "退", None),
        ("1 字 罕见", "貔", None),
        ("2 字 常见", "快递", None),
        ("2 字 较少", "发票", None),
        ("4 字", "七天无理由", None),
        ("4 字 罕见", "屏幕碎了", None),
        ("ASCII", "iphone", None),
        ("两个词", "退款 快递", None),
        ("无结果", "貔貅", None),
        ("常见 + 小店铺(10%)", "的", SearchFilters(shop_ids=(shop_small,))),
        ("常见 + 客服 + 京东", "您好", SearchFilters(kind="message", role="agent", platform="jd")),
        ("常见 + 近 90 天", "的", last90),
        ("常见 + 1 月（最旧）", "的", january),
        ("常见 + 1 月 15–16 日", "的", SearchFilters(date_from=date(2024, 1, 15), date_to=date(2024, 1, 16))),
        (
            "2 字 + 1 月 + 小店铺",
            "快递",
            SearchFilters(shop_ids=(shop_small,), date_from=january.date_from, date_to=january.date_to),
        ),
        ("仅评价 1 字", "差", SearchFilters(kind="review")),
    ]


def time_queries(db: Path, repeat: int) -> list[tuple[str, str, int, bool, float, float]]:
    from cxdesk.search import search
    from cxdesk.store import open_store

    rows = []
    with open_store(db) as store:
        for label, q, filters in queries(db):
            times = []
            page = None
            for _ in range(repeat):
                t0 = time.perf_counter()
                page = search(store, q, filters)
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            rows.append((label, q, page.total, page.total_capped, statistics.median(times), p95))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="reuse (or create) this database instead of a temporary one")
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--reviews", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--queries-only", action="store_true", help="skip the index runs (the --db is indexed)")
    args = ap.parse_args()
    chats, reviews, source = real_texts()
    db = args.db or Path(tempfile.mkdtemp(prefix="cxdesk-search-")) / "search.sqlite3"
    print(f"texts from {source}; {os.cpu_count()} cores; db {db}")
    if not db.exists():
        print(f"build db: {build_db(db, args.messages, args.reviews, chats, reviews):.1f} s")
    if not args.queries_only:
        index_runs(db, chats, args.workers)
    print("\n| query | text | hits (cap 1000) | p50 ms | p95 ms |\n|---|---|---:|---:|---:|")
    for label, q, total, capped, p50, p95 in time_queries(db, args.repeat):
        print(f"| {label} | {q} | {total:,}{'+' if capped else ''} | {p50:.1f} | {p95:.1f} |")
    return 0


def index_runs(db: Path, chats: list[str], workers: int | None) -> None:
    seconds, n = run_stage(db, workers)
    print(f"index build: {n:,} texts in {seconds:.1f} s; db now {db.stat().st_size / 1e6:.0f} MB")
    seconds, n = run_stage(db, workers)
    print(f"second run (nothing new): {seconds * 1000:.0f} ms")
    for label, sec in add_and_undo(db, chats, workers).items():
        print(f"{label}: {sec:.2f} s")


if __name__ == "__main__":
    raise SystemExit(main())
