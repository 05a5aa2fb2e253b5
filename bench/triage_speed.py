"""How fast a triage keystroke on 风险 shows, and how long its write takes on the window's writer.

Opens the real main window (offscreen Qt) on an analysed store, shows 风险 and presses
keys on the queue as a reviewer does. For every keystroke it prints (median / max):

- *model*: from the key press until the queue model shows the new status (its
  ``dataChanged`` for the marked row) — the figure of issue 18 point 3 (≤ 50 ms);
- *key*: until the key press is handled (also the next row opened in the detail pane);
- *op done*: until the write and re-scoring on the writer are done and every page was told
  (``OpRunner.sig_op_done``; H and F only, J writes nothing);
- *writer*: the operation itself (:func:`cxdesk.ops.triage.set_status`) on the writer thread;
- per page, the time its ``on_op_done`` took on the GUI thread (what else a triage costs the
  window: pages that reload on a change of flags or risk scores).

Two runs: *one by one* waits for each write before the next key; *burst* presses the keys
back to back (a reviewer holding H) while the writes queue behind, and also gives the time
until the last write is done. A 10 ms heartbeat gives the longest GUI freeze of each run.

    QT_QPA_PLATFORM=offscreen python bench/triage_speed.py [--db ANALYSED.sqlite3] [-n 30] [--only-risk]

``--only-risk`` is a diagnosis, not the app: the other pages are not told of the operations,
which gives the cost of 风险 itself apart from what other pages do on every triage.

Without ``--db`` it builds the demo store first (``python main.py demo --db X --quiet`` and
``python main.py --db X analyze``, ~20 s). The store is copied: the one given is not changed.
Not a test: it prints figures (no assertion on time).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYS = {"H": "已处理", "F": "误报", "J": None}


def build_demo(folder: Path) -> Path:
    db = folder / "demo.sqlite3"
    env = {**os.environ, "CXDESK_DATA_DIR": str(folder / "data")}
    for args in (["demo", "--db", str(db), "--quiet"], ["--db", str(db), "analyze"]):
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        if done.returncode:
            raise SystemExit(f"main.py {' '.join(args)} failed:\n{done.stderr.decode(errors='replace')}")
    return db


def figures(values: list[float]) -> str:
    if not values:
        return "—"
    worst = max(range(len(values)), key=values.__getitem__)
    return f"median {statistics.median(values):6.1f} ms  max {values[worst]:6.1f} ms (#{worst + 1} of {len(values)})"


class Probe:
    """Time stamps of the queue model's changes and of finished operations."""

    def __init__(self, page, window, only_risk: bool) -> None:
        from cxdesk.ops import triage

        self.changed_rows: dict[int, float] = {}
        self.done: list[float] = []
        self.beats: list[float] = []
        self.writer: list[float] = []
        self.pages: dict[str, list[float]] = {key: [] for key in window.pages}
        page.model.dataChanged.connect(lambda top, _bottom, _roles=(): self._changed(top.row()))
        window.ops.sig_op_done.connect(lambda _changes, _origin: self.done.append(time.perf_counter()))
        real = triage.set_status

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                self.writer.append((time.perf_counter() - t0) * 1000)

        triage.set_status = timed  # the page looks it up on every keystroke
        for key, other in window.pages.items():
            if only_risk and other is not page:
                other.on_op_done = lambda _changes, _origin: None
            else:
                other.on_op_done = self._timed_page(key, other.on_op_done)

    def _timed_page(self, key, on_op_done):
        def timed(changes, origin) -> None:
            t0 = time.perf_counter()
            on_op_done(changes, origin)
            self.pages[key].append((time.perf_counter() - t0) * 1000)

        return timed

    def clear(self) -> None:
        self.beats.clear()
        self.writer.clear()
        for values in self.pages.values():
            values.clear()

    def _changed(self, row: int) -> None:
        self.changed_rows.setdefault(row, time.perf_counter())

    def beat(self) -> None:
        self.beats.append(time.perf_counter())

    def longest_gap_ms(self) -> float:
        return max(((b - a) * 1000 for a, b in zip(self.beats, self.beats[1:])), default=0.0)


def press(app, page, probe: Probe, key: str) -> tuple[float, float | None, int]:
    """Press ``key`` on the queue; (key handled ms, model showed ms or None, the marked row)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    row = page.queue.current_row()
    probe.changed_rows.clear()
    t0 = time.perf_counter()
    QTest.keyClick(page.queue.view, getattr(Qt.Key, f"Key_{key}"))
    handled = (time.perf_counter() - t0) * 1000
    status = KEYS[key]
    shown = None
    if status is not None:
        if page.model.data(page.model.index(row, 2)) != status:
            raise SystemExit(f"key {key}: row {row} does not show {status}")
        shown = (probe.changed_rows[row] - t0) * 1000
    return handled, shown, row


def run(app, window, page, probe: Probe, keys: str, burst: bool) -> None:
    from PySide6.QtCore import QTimer

    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(probe.beat)
    probe.clear()
    handled: dict[str, list[float]] = {k: [] for k in KEYS}
    shown: dict[str, list[float]] = {k: [] for k in KEYS}
    op_done: dict[str, list[float]] = {k: [] for k in KEYS}
    heartbeat.start()
    start = time.perf_counter()
    for key in keys:
        probe.done.clear()
        t0 = time.perf_counter()
        ms, model_ms, _row = press(app, page, probe, key)
        handled[key].append(ms)
        if model_ms is not None:
            shown[key].append(model_ms)
        if not burst and KEYS[key] is not None:
            window.ops.wait_idle()
            op_done[key].append((probe.done[-1] - t0) * 1000)
        app.processEvents()
    window.ops.wait_idle()
    total = (time.perf_counter() - start) * 1000
    heartbeat.stop()
    title = "burst (keys back to back)" if burst else "one by one (each write waited for)"
    print(f"\n{title}: {len(keys)} keys in {total:.0f} ms, longest GUI freeze {probe.longest_gap_ms():.0f} ms")
    for key, status in KEYS.items():
        if not handled[key]:
            continue
        what = f"{key} ({status})" if status else f"{key} (next row)"
        print(f"  {what:<10} key   {figures(handled[key])}")
        if shown[key]:
            print(f"  {'':<10} model {figures(shown[key])}")
        if op_done[key]:
            print(f"  {'':<10} op    {figures(op_done[key])}")
    print(f"  writer (set_status on the writer thread)  {figures(probe.writer)}")
    busy = {key: values for key, values in probe.pages.items() if sum(values) >= 1}
    print(
        "  pages' on_op_done on the GUI thread: "
        + (", ".join(f"{window.pages[k].title} {figures(v)}" for k, v in busy.items()) or "all < 1 ms")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an analysed store (copied first); default: build the demo")
    parser.add_argument("-n", type=int, default=30, help="keystrokes of each key (H, F, J) per run")
    parser.add_argument("--only-risk", action="store_true", help="diagnosis: the other pages ignore operations")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cxdesk-triage-"))
    os.environ["CXDESK_DATA_DIR"] = str(tmp / "settings")  # own settings file
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average before: "
        + " ".join(f"{v:.2f}" for v in os.getloadavg())
    )
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))
    if args.db is None:
        t0 = time.perf_counter()
        source = build_demo(tmp)
        print(f"demo store built and analysed: {time.perf_counter() - t0:.1f} s")
    else:
        source = args.db
    db = tmp / "triage.sqlite3"
    shutil.copyfile(source, db)

    from PySide6.QtWidgets import QApplication

    from cxdesk.store import open_store
    from cxdesk.store.risk_queue import FlagFilter

    app = QApplication.instance() or QApplication(sys.argv)
    from ui.app import create_main_window

    store = open_store(db)
    flags, items = store.risk_queue.count(FlagFilter()), store.risk_queue.item_count(FlagFilter())
    print(f"store: {source}: {flags:,} open flags on {items:,} sessions/reviews")
    window = create_main_window(store)
    window.resize(1366, 768)
    window.show()
    window.show_page("risk")
    page = window.pages["risk"]
    while window.jobs.current(page.key) is not None:  # the queue is queried in the background
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()
    if items < 6 * args.n:
        raise SystemExit(f"the queue holds {items} rows: fewer than the {6 * args.n} the keys need")
    page.queue.go_to(0)
    page.queue.focus_table()
    probe = Probe(page, window, args.only_risk)
    if args.only_risk:
        print("--only-risk: the other pages are not told of the operations (a diagnosis, not the app)")
    keys = "HFJ" * args.n
    run(app, window, page, probe, keys, burst=False)
    run(app, window, page, probe, keys, burst=True)
    done = store.risk_queue.count(FlagFilter(statuses=("已处理", "误报")))
    print(f"\nflags marked in the store: {done:,}")
    print("load average after: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    window.close()
    window.ops.shutdown()
    window.jobs.shutdown()
    store.close()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
