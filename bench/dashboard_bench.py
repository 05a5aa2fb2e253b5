"""Dashboard and start-up speed on the 1M-message benchmark database.

Builds (or reuses, ``--db``) the search benchmark's database (100k sessions
× 10 messages in three shops over 2024, 200k reviews, real texts when
``../shared/data`` is present), adds 30k orders of the same buyers, and runs
the full analysis once (sentiment, aspects, risk, ...). Then, each in a fresh
process so nothing is cached in Python:

* the team KPI pre-aggregate from nothing (what the analysis / the first
  open of 总览 computes once per data change);
* ``load_dashboard`` for the last 90 days (every tile with its previous
  period, both charts' series): p50/p95 over ``--repeat`` runs, in one
  process after the first call, and the first call of a fresh process;
* the 总览 page opened in a real window (offscreen Qt): from the page's
  ``refresh`` to the tiles and charts painted;
* GUI start-up: ``python main.py --db …`` in a subprocess, from launch to the
  main window shown with the 总览 figures filled in (the app prints nothing:
  the child here imports ``ui.app`` the same way and reports the moment).

    python bench/dashboard_bench.py [--db PATH] [--repeat 20]

Not a test: figures go to bench/README.md ("## Dashboard and start-up").
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_ORDERS = 30_000


def build(db: Path, messages: int, reviews: int) -> None:
    """The search benchmark's database, plus orders and one full analysis run."""
    from bench.analysis_bench import real_texts
    from bench.search_bench import build_db
    from cxdesk.store import open_store

    chats, review_texts, source = real_texts()
    print(f"texts from {source}")
    print(f"build db: {build_db(db, messages, reviews, chats, review_texts):.1f} s")
    rnd = random.Random(3)
    t0 = time.perf_counter()
    with open_store(db) as store, store.transaction():
        heads = store.conn.execute("SELECT shop_id, buyer_nick, started_at FROM chat_sessions ORDER BY id").fetchall()
        per_shop: dict[int, list] = {}
        for i, (shop_id, buyer, started) in enumerate(rnd.sample(heads, min(N_ORDERS, len(heads)))):
            at = datetime.fromisoformat(started) + timedelta(minutes=rnd.randint(5, 600))
            paid = at + timedelta(minutes=2) if rnd.random() < 0.85 else None
            per_shop.setdefault(shop_id, []).append(
                {
                    "order_id": f"o{i}",
                    "buyer_nick": buyer,
                    "created_at": at.strftime("%Y-%m-%d %H:%M:%S"),
                    "paid_at": paid.strftime("%Y-%m-%d %H:%M:%S") if paid else None,
                    "amount": round(rnd.uniform(19, 399), 2),
                    "status": "交易成功" if paid else "等待买家付款",
                    "refund_status": "退款成功" if paid and rnd.random() < 0.05 else None,
                }
            )
        for shop_id, rows in per_shop.items():
            store.orders.insert_many(shop_id, None, rows)
    print(f"orders: {time.perf_counter() - t0:.1f} s")
    from cxdesk.analysis.engine import analyze
    from cxdesk.tasks import TaskContext

    t0 = time.perf_counter()
    summary = analyze(TaskContext(), db)
    print(f"analyze: {time.perf_counter() - t0:.1f} s — {summary.describe()}")


def _child(code: str, db: Path, env: dict | None = None) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line last."""
    out = subprocess.run(
        [sys.executable, "-c", code, str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )
    if out.returncode != 0:
        raise SystemExit(f"child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


_AGGREGATE = """
import json, sys, time
from cxdesk.reports.aggregate import refresh_review_daily, refresh_team_daily
from cxdesk.tasks import TaskContext
t0 = time.perf_counter()
refresh_review_daily(sys.argv[1], force=True)
t1 = time.perf_counter()
n = refresh_team_daily(TaskContext(), sys.argv[1], force=True)
print(json.dumps({"reviews": t1 - t0, "seconds": time.perf_counter() - t1, "rows": n}))
"""

_LOAD = """
import json, sys, time
t0 = time.perf_counter()
from cxdesk.reports.data import load_dashboard, default_filter
from cxdesk.store import open_store
imported = time.perf_counter() - t0
store = open_store(sys.argv[1])
flt = default_filter(store, days=90)
t0 = time.perf_counter()
data = load_dashboard(store, flt)
first = time.perf_counter() - t0
times = []
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 20):
    t0 = time.perf_counter()
    load_dashboard(store, flt)
    times.append(time.perf_counter() - t0)
parts = data.timings
print(json.dumps({"import": imported, "first": first, "times": times, "parts": parts,
                  "period": [str(flt.date_from), str(flt.date_to)], "reviews": data.current.reviews}))
"""

_PAGE = """
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication
app = QApplication([])
from cxdesk.store import open_store
from ui.pages.base import PageContext
from ui.operations import OpRunner
from ui.workers import JobRunner
from ui.pages.overview import OverviewPage
store = open_store(sys.argv[1])
page = OverviewPage(PageContext(store, JobRunner(), navigate=lambda k: None, ops=OpRunner(store.path)))
page.resize(1216, 728)
page.show()
times = []
for i in range(6):
    t0 = time.perf_counter()
    page.refresh()
    while not page.dashboard.is_loaded():
        app.processEvents()
    page.repaint()
    app.processEvents()
    times.append(time.perf_counter() - t0)
print(json.dumps({"times": times}))
"""

_STARTUP = """
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
DB = sys.argv[1]
sys.argv = ["main.py", "--db", DB]
# What main.py does before the window: the CLI parser, then ui.app.run.
from cxdesk.cli import build_parser
build_parser().parse_args(sys.argv[1:])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import ui.app as app_module
marks = {}
def check():
    app = QApplication.instance()
    for w in app.topLevelWidgets():
        page = getattr(w, "pages", {}).get("overview") if hasattr(w, "pages") else None
        if page is not None and w.isVisible():
            marks.setdefault("window", time.time() - START)
            if page.dashboard.is_loaded():
                marks["dashboard"] = time.time() - START
                print(json.dumps(marks), flush=True)
                os._exit(0)
    QTimer.singleShot(5, check)
START = float(os.environ["CX_START"])  # time.time() in the parent just before launching
QTimer.singleShot(0, check)
app_module.run(DB)
"""


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="reuse (or create) this database")
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--reviews", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--build-only", action="store_true")
    args = ap.parse_args()
    db = args.db or Path(tempfile.mkdtemp(prefix="cxdesk-dash-")) / "dash.sqlite3"
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; db {db}")
    if not db.exists():
        build(db, args.messages, args.reviews)
    if args.build_only:
        return 0
    agg = _child(_AGGREGATE, db)
    print(
        f"pre-aggregates from nothing: reviews {agg['reviews']:.2f} s; team KPIs {agg['seconds']:.2f} s "
        f"({agg['rows']:,} rows)"
    )
    load = _child(_LOAD.replace("sys.argv[2]) if len(sys.argv) > 2 else 20", str(args.repeat) + ")"), db)
    times = [t * 1000 for t in load["times"]]
    print(f"period {load['period'][0]} – {load['period'][1]} ({load['reviews']:,} reviews)")
    print(
        f"load_dashboard: import {load['import'] * 1000:.0f} ms; first call {load['first'] * 1000:.0f} ms; "
        f"then p50 {statistics.median(times):.0f} ms, p95 {pct(times, 0.95):.0f} ms"
    )
    print("  parts (first call): " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in load["parts"].items()))
    page = _child(_PAGE, db)
    ptimes = [t * 1000 for t in page["times"]]
    print(
        f"总览 page refresh → painted: first {ptimes[0]:.0f} ms, then p50 {statistics.median(ptimes[1:]):.0f} ms, "
        f"max {max(ptimes[1:]):.0f} ms"
    )
    starts = []
    for _ in range(3):
        # A private settings folder: the window opens on 总览 with the default size, like a first start.
        starts.append(
            _child(
                _STARTUP, db, {"CX_START": str(time.time()), "XDG_CONFIG_HOME": tempfile.mkdtemp(prefix="cxdesk-cfg-")}
            )
        )
    for s in starts:
        print(f"start-up: window shown {s['window']:.2f} s, 总览 filled {s['dashboard']:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
