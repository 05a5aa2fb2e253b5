"""How long each page takes to show its data on a big store, first and repeat visit.

Opens the real main window (offscreen Qt) on ``--db`` and visits every page
twice in the navigation order (总览, 评价分析, 会话, 风险, 常见问题, 客服绩效,
设置). A visit is timed from ``MainWindow.show_page`` to two moments:
*shown*, the page's model filled (总览: its tiles and both charts); *done*, also no background job of the
page left (``ui.workers.active_jobs()``, e.g. 常见问题's answers panel;
客服绩效's background load counts only on its own page) and nothing new
started during a further 150 ms of quiet (the time is when the page last
became idle, not the end of the quiet wait). A 10 ms heartbeat on the GUI
thread gives the longest freeze during the visit (the page must never block
the window; the dwell after a visit is not counted).

    QT_QPA_PLATFORM=offscreen python bench/page_speed.py --db COPY.sqlite3 [--rounds 3] [--dwell 1]
        [--no-prefetch] [--no-vectors]

客服绩效 loads its frames in the background before its first visit on a big
store, once no other job runs (``ui.pages.agents.PREFETCH_MIN_MESSAGES``):
``--no-prefetch`` measures the cold first visit, ``--dwell`` the time a user
spends on each page (without it the visits follow each other at once, which
leaves the background load little idle time).

The store is opened read-write (a v7 store is migrated): pass a copy.
Targets (issue 17, point 9): repeat visit ≤ 300 ms, first visit ≤ 1 s.
Not a test: figures go to bench/README.md ("## Page speed").
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("overview", "reviews", "sessions", "risk", "faq", "agents", "settings")
QUIET_MS = 150
TIMEOUT_S = 120.0


def _filled(window, key: str) -> bool:
    """The page shows its data (the empty face counts: nothing to show)."""
    page = window.pages[key]
    stack = getattr(page, "stack", None)
    if stack is not None and stack.currentIndex() == 0:
        return True  # empty state
    if key == "agents":
        return page.table is not None and page.model.rowCount() > 0
    if key == "faq":
        return page.result is not None
    if key == "overview":  # the welcome panel, or tiles and both charts (a reload keeps them until replaced)
        dash = page.dashboard
        charts = (dash.sentiment_chart.figure, dash.risk_chart.figure)
        return page.panels.currentWidget() is page.welcome_panel or (dash.data is not None and None not in charts)
    model = getattr(page, "model", None)
    if model is not None and hasattr(model, "rowCount"):
        return model.rowCount() > 0
    return True


def visit(app, window, key: str, t0: float | None = None) -> tuple[float, float, float, float]:
    """(seconds until the page's model is filled, seconds until no job is left, longest GUI-thread gap in ms,
    the same gap until the page was filled)."""
    from PySide6.QtCore import QTimer

    from ui.workers import active_jobs

    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    heartbeat.start()
    if t0 is None:  # else the window was just opened on this page at t0
        t0 = time.perf_counter()
        beats.append(t0)
        window.show_page(key)
    else:
        beats.append(time.perf_counter())
    idle_since: float | None = None
    shown: float | None = None
    while True:
        app.processEvents()
        now = time.perf_counter()
        beats.append(now)  # the loop is the event loop too: a freeze inside processEvents ends here
        filled = _filled(window, key)
        if filled and shown is None:
            shown = now
        elif not filled:
            shown = None
        # 客服绩效's background load (started while another page is shown) is not that page's work.
        jobs = [j for j in active_jobs() if key == "agents" or j._parent_widget is not window.pages["agents"]]
        idle = not jobs and filled
        if idle:
            if idle_since is None:
                idle_since = now
            elif now - idle_since >= QUIET_MS / 1000:
                break
        else:
            idle_since = None
        if now - t0 > TIMEOUT_S:
            idle_since = now
            print(f"  {key}: not idle after {TIMEOUT_S:.0f} s")
            break
        time.sleep(0.002)
    heartbeat.stop()
    gaps = [(b - a) * 1000 for a, b in zip(beats, beats[1:]) if b <= idle_since]
    until_shown = [(b - a) * 1000 for a, b in zip(beats, beats[1:]) if b <= (shown or idle_since)]
    return (shown or idle_since) - t0, idle_since - t0, max(gaps, default=0.0), max(until_shown, default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a copy of a big store (it is opened read-write)")
    parser.add_argument("--rounds", type=int, default=2, help="visits of every page (1st = first visit)")
    parser.add_argument("--no-vectors", action="store_true", help="sentence vectors unavailable")
    parser.add_argument(
        "--no-prefetch",
        action="store_true",
        help="客服绩效 loads on its first visit only (not in the background before it)",
    )
    parser.add_argument(
        "--dwell",
        type=float,
        default=0.0,
        help="seconds spent on each page after its data is shown (a user reading it)",
    )
    args = parser.parse_args()
    os.environ["CXDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="cxdesk-pagespeed-")  # own settings file

    from PySide6.QtWidgets import QApplication

    from cxdesk.store import open_store

    if args.no_vectors:
        from cxdesk.analysis import sentence_vectors

        sentence_vectors._checked = False
    app = QApplication.instance() or QApplication(sys.argv)
    from ui.app import create_main_window

    if args.no_prefetch:
        from ui.pages import agents

        agents.PREFETCH_MIN_MESSAGES = float("inf")

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average before: "
        + " ".join(f"{v:.2f}" for v in os.getloadavg())
    )
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))
    store = open_store(args.db)
    counts = store.conn.execute(
        "SELECT (SELECT COUNT(*) FROM chat_messages), (SELECT COUNT(*) FROM reviews)"
    ).fetchone()
    print(f"store: {args.db}: {counts[0]:,} messages, {counts[1]:,} reviews")
    t0 = time.perf_counter()
    window = create_main_window(store)
    window.resize(1366, 768)
    window.show()
    print(f"main window built and shown: {time.perf_counter() - t0:.2f} s")
    results: dict[str, list[tuple[float, float, float, float]]] = {k: [] for k in PAGES}
    results["overview"].append(visit(app, window, "overview", t0))  # 总览's first visit is the start-up
    shown, done, gap, gap_shown = results["overview"][0]
    print(
        f"  start-up  overview shown {shown * 1000:6.0f} ms, jobs done {done * 1000:6.0f} ms (from building the "
        f"window; longest GUI gap {gap_shown:5.0f} ms until shown, {gap:5.0f} ms until done)"
    )
    for round_no in range(args.rounds):
        for key in PAGES:
            shown, done, gap, gap_shown = visit(app, window, key)
            results[key].append((shown, done, gap, gap_shown))
            print(
                f"  round {round_no + 1} {key:<9} shown {shown * 1000:6.0f} ms, jobs done {done * 1000:6.0f} ms"
                f"  (longest GUI gap {gap:5.0f} ms)",
                flush=True,
            )
            end = time.perf_counter() + args.dwell
            while time.perf_counter() < end:
                app.processEvents()
                time.sleep(0.01)
    print()
    print(
        "first: 总览 from building the window, the others round 1; repeat: median of the later visits.\n"
        "shown = the page's model filled; done = no background job left (e.g. 常见问题's answers panel)."
    )
    print(f"{'page':<8} {'first shown/done':>18} {'repeat shown/done':>19}  {'max GUI gap':>11}")
    for key in PAGES:
        runs = results[key]
        later = runs[1:]

        def median(i: int) -> float:
            values = sorted(r[i] * 1000 for r in later)
            return values[len(values) // 2]

        repeat = f"{median(0):7.0f} /{median(1):6.0f} ms" if later else "      —"
        print(
            f"{window.pages[key].title:<6} {runs[0][0] * 1000:7.0f} /{runs[0][1] * 1000:6.0f} ms {repeat}"
            f"  {max(r[2] for r in runs):8.0f} ms"
        )
    print("load average after: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    window.jobs.shutdown()
    window.close()
    store.close()


if __name__ == "__main__":
    main()
