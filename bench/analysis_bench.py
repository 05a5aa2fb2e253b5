"""Analysis speed: every stage over 1M chat messages and 200k reviews, with a naive reference.

Builds a benchmark database (100k sessions × 10 messages, 200k reviews) from
real texts when ``../shared/data`` is present (JDDC customer-service lines,
online_shopping_10_cats reviews; sampled with replacement), else from the
demo generator's texts. Then, in the same run:

* ``analyze`` (all stages, worker processes) — wall time and peak RSS of the
  coordinating process and of the largest worker;
* a second ``analyze`` with nothing new;
* the naive reference: ``SnowNLP(text).sentiments`` per row on a fixed
  sample, its rate, and the time it would take for the same rows.

    python bench/analysis_bench.py [--messages 1000000] [--reviews 200000] [--snownlp-sample 1000]

Not a test: figures go to bench/README.md ("## Analysis speed").
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import random
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"


def real_texts() -> tuple[list[str], list[str], str]:
    """(chat lines, review texts, where they came from)."""
    jddc = SHARED / "jddc_sample" / "chat_0.1per.txt"
    shop = SHARED / "online_shopping_10_cats" / "online_shopping_10_cats.zip"
    if jddc.exists() and shop.exists():
        chats = [line.rstrip("\n").split("\t")[-1] for line in jddc.open(encoding="utf-8")]
        with zipfile.ZipFile(shop) as zf:
            name = next(n for n in zf.namelist() if n.endswith(".csv"))
            rows = csv.DictReader(io.TextIOWrapper(zf.open(name), encoding="utf-8"))
            reviews = [r["review"] for r in rows if r.get("review")]
        return [c for c in chats if c], reviews, "shared/data (JDDC lines, online_shopping_10_cats reviews)"
    from cxdesk.demo import generate

    data = generate(1)
    chats = [m["content"] for shop in data.shops for s in shop.records("chats") for m in s["messages"]]
    reviews = [r["content"] for shop in data.shops for r in shop.records("reviews") if r.get("content")]
    return chats, reviews, "the demo generator (shared/data not found)"


def build_db(db: Path, n_messages: int, n_reviews: int, chats: list[str], reviews: list[str]) -> float:
    from cxdesk.store import open_store

    rnd = random.Random(11)
    t0 = time.perf_counter()
    with open_store(db) as store, store.bulk_load(), store.transaction():
        shop = store.shops.get_or_create("taobao", "基准店")
        batch = 50_000
        for start in range(0, n_messages, batch):
            sessions = []
            for s in range(start // 10, (start + batch) // 10):
                msgs = [
                    {
                        "msg_hash": i,
                        "seq": i,
                        "role": "buyer" if i % 2 == 0 else "agent",
                        "sender": None,
                        "sent_at": None,
                        "content": rnd.choice(chats),
                    }
                    for i in range(10)
                ]
                sessions.append({"session_key": f"s{s}", "buyer_nick": f"b{s}", "messages": msgs})
            store.chats.insert_sessions(shop.id, None, sessions)
        store.reviews.insert_many(
            shop.id,
            None,
            [
                {"review_key": f"r{i}", "content": rnd.choice(reviews), "rating": rnd.choice([1, 2, 4, 5, 5, None])}
                for i in range(n_reviews)
            ],
        )
    return time.perf_counter() - t0


def snownlp_reference(texts: list[str], n: int) -> float:
    """Texts per second of the naive per-row SnowNLP call (import time excluded)."""
    from snownlp import SnowNLP

    sample = random.Random(3).sample(texts, min(n, len(texts)))
    t0 = time.perf_counter()
    for t in sample:
        SnowNLP(t).sentiments
    return len(sample) / (time.perf_counter() - t0)


def _onto_server(db: Path, server_url: str) -> str:
    """The built file copied into a fresh database of the server (``store copy``, checked); its address."""
    from import_bench import pg_database

    from cxdesk.store import open_store
    from cxdesk.store.copy import copy_store
    from cxdesk.store.pg import display_url

    url = pg_database(server_url, "analysis")
    t0 = time.perf_counter()
    with open_store(db, mode="ro") as src, open_store(url) as dst:
        report = copy_store(src, dst)
    assert report.ok, "the copy's check failed"
    print(f"copied into {display_url(url)} in {time.perf_counter() - t0:.1f} s ({report.rows:,} rows, checked)")
    return url


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--reviews", type=int, default=200_000)
    ap.add_argument("--snownlp-sample", type=int, default=1000)
    ap.add_argument("--keep", type=Path, metavar="FILE", help="also copy the analysed database to FILE")
    ap.add_argument(
        "--pg",
        metavar="URL",
        help="analyse on the team store instead: the built file is copied (store copy) into a fresh database "
        "cxbench_analysis of this PostgreSQL server (an address with a role that may create databases)",
    )
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    chats, reviews, source = real_texts()
    print(f"texts from {source}: {len(chats):,} chat lines, {len(reviews):,} reviews")
    from cxdesk.analysis.engine import analyze
    from cxdesk.tasks import TaskContext

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CXDESK_DATA_DIR"] = tmp
        db = Path(tmp) / "bench.sqlite3"
        built = build_db(db, args.messages, args.reviews, chats, reviews)
        print(f"database: {args.messages:,} messages + {args.reviews:,} reviews built in {built:.1f} s")
        if args.pg:
            db = _onto_server(db, args.pg)
        t0 = time.perf_counter()
        summary = analyze(TaskContext(), db)
        wall = time.perf_counter() - t0
        self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"analyze, first run: {wall:.1f} s — {summary.describe()}")
        print(f"  peak RSS: coordinating process {self_mb:.0f} MB, largest worker {child_mb:.0f} MB")
        for stage in summary.stages:
            print(f"  {stage.stage:22s} {stage.seconds:6.1f} s  {stage.processed:>9,} {stage.unit}")
        core = sum(s.seconds for s in summary.stages if s.stage.startswith(("calibration", "sentiment", "aspects")))
        print(
            f"  sentiment + aspects (incl. calibration): {core:.1f} s; risk stages: "
            f"{sum(s.seconds for s in summary.stages if s.stage.startswith('risk')):.1f} s"
        )
        t0 = time.perf_counter()
        again = analyze(TaskContext(), db)
        print(f"analyze, nothing new: {time.perf_counter() - t0:.2f} s ({again.processed} rows)")
        for stage in again.stages:
            print(f"  {stage.stage:22s} {stage.seconds:6.2f} s")
        if args.keep and not args.pg:
            import shutil

            shutil.copyfile(db, args.keep)
            print(f"analysed database kept as {args.keep}")
    rows = args.messages + args.reviews
    if args.snownlp_sample <= 0:  # the naive reference was not asked for
        return 0
    rate = snownlp_reference(chats + reviews, args.snownlp_sample)
    print(
        f"naive SnowNLP(text).sentiments per row: {rate:,.0f} texts/s on a {args.snownlp_sample}-text sample "
        f"→ {rows / rate / 60:.0f} min for {rows:,} texts; engine is {rows / rate / wall:.0f}× faster"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
