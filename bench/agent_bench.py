"""Agent KPI speed: every KPI and capability score over 1M chat messages (target ≤ 5 s).

Builds a benchmark database once (100k sessions × ~10 messages, 8 agents with
different reply delays, bot and system lines, transfers, 30k orders) with the
demo generator's texts, then times, in this process:

* ``load_frames`` — the store read plus turns, parts and sessions (the job the
  客服绩效 page runs in the background);
* ``kpi_table`` for 全部 / 按日 / 按周 / 按月 (what a period change costs);
* one drill-down (every slow reply of one agent).

    python bench/agent_bench.py [--messages 1000000] [--db /tmp/agent_bench.sqlite3] [--repeat 3]

Not a test: figures go to bench/README.md ("## Agent KPIs").
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AGENTS = [(f"基准店:客服{i}", d) for i, d in enumerate((8, 15, 25, 40, 60, 90, 120, 200))]


def texts() -> tuple[list[str], list[str]]:
    from cxdesk.demo import generate

    data = generate(1)
    buyer, agent = [], []
    for shop in data.shops:
        for s in shop.records("chats"):
            for m in s["messages"]:
                (buyer if m["role"] == "buyer" else agent).append(m["content"])
    return buyer, agent


def build_db(db: Path, n_messages: int) -> float:
    from cxdesk.store import open_store

    rnd = random.Random(7)
    buyer_texts, agent_texts = texts()
    t0 = time.perf_counter()
    start = datetime(2024, 4, 1, 8)
    with open_store(db) as store, store.bulk_load(), store.transaction():
        shop = store.shops.get_or_create("taobao", "基准店")
        done, s = 0, 0
        while done < n_messages:
            sessions = []
            for _ in range(5000):
                at = start + timedelta(seconds=s * 70 + rnd.randrange(60))
                agent, delay = AGENTS[rnd.randrange(len(AGENTS))]
                msgs, seq = [], 0

                def add(role: str, sender: str | None, text: str) -> None:
                    nonlocal seq
                    seq += 1
                    msgs.append(
                        {
                            "msg_hash": seq,
                            "seq": seq,
                            "role": role,
                            "sender": sender,
                            "sent_at": at.strftime("%Y-%m-%d %H:%M:%S"),
                            "content": text,
                        }
                    )

                add("bot", "基准店:店小蜜", "您好，欢迎光临")
                for turn in range(rnd.randint(2, 5)):
                    for _ in range(rnd.randint(1, 2)):
                        at += timedelta(seconds=rnd.randint(2, 30))
                        add("buyer", f"b{s}", rnd.choice(buyer_texts))
                    if rnd.random() < 0.03:
                        add("system", "系统", "转接")
                        agent = AGENTS[rnd.randrange(len(AGENTS))][0]
                    at += timedelta(seconds=max(1, int(rnd.expovariate(1 / delay))))
                    add("agent", agent, rnd.choice(agent_texts))
                sessions.append({"session_key": f"s{s}", "buyer_nick": f"b{s % 60000}", "messages": msgs})
                done += len(msgs)
                s += 1
            store.chats.insert_sessions(shop.id, None, sessions)
        store.orders.insert_many(
            shop.id,
            None,
            [
                {
                    "order_id": f"o{i}",
                    "buyer_nick": f"b{rnd.randrange(60000)}",
                    "created_at": (start + timedelta(seconds=rnd.randrange(s * 70))).strftime("%Y-%m-%d %H:%M:%S"),
                    "paid_at": None,
                    "amount": round(rnd.uniform(20, 300), 2),
                    "status": "交易成功",
                    "refund_status": None,
                }
                for i in range(30_000)
            ],
        )
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=Path("/tmp/agent_bench.sqlite3"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("CXDESK_DATA_DIR", str(args.db.parent / "agent_bench_data"))
    if not args.db.exists():
        print(f"building {args.messages:,} messages into {args.db} … {build_db(args.db, args.messages):.1f} s")
    from cxdesk.analysis.agent_kpis import drill, kpi_table, load_frames
    from cxdesk.store import open_store

    with open_store(args.db) as store:
        n = store.counts().chat_messages
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        frames = load_frames(None, args.db)
        t1 = time.perf_counter()
        tables = {"all": kpi_table(frames, "all")}
        t2 = time.perf_counter()
        tables.update({p: kpi_table(frames, p) for p in ("day", "week", "month")})
        t3 = time.perf_counter()
        rows = drill(frames, "slow", frames.agents[-1], "all", "全部")
        t4 = time.perf_counter()
        for k, v in (
            ("load_frames", t1 - t0),
            ("kpi_table(all)", t2 - t1),
            ("load + all", t2 - t0),
            ("day+week+month", t3 - t2),
            ("drill", t4 - t3),
        ):
            best[k] = min(best.get(k, 1e9), v)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{n:,} messages, {len(frames.sessions):,} sessions, {len(frames.turns):,} buyer turns, "
        f"{len(frames.agents)} agents; rows: " + ", ".join(f"{p} {len(t)}" for p, t in tables.items())
    )
    for k, v in best.items():
        print(f"{k:>14}: {v:.2f} s (best of {args.repeat})")
    print(f"slow replies of the slowest agent: {len(rows):,}; peak RSS {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
