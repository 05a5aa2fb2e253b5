"""How live the GUI thread stays while real background jobs run.

Runs jobs through ``ui.workers.Job`` (the helper every page uses) with a 20 ms
QTimer heartbeat on the GUI thread and prints the gaps between beats. The
goal is no gap over 100 ms; a blocked event loop gaps by seconds.

    QT_QPA_PLATFORM=offscreen python bench/gui_responsiveness.py

Jobs measured: the CPU-bound process-pool job (``cxdesk.tasks.cpu_burn_job``)
and building the demo shop (generation + writing + import into SQLite, the
heaviest job that exists today; the full analysis will be added here when it
exists).
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cxdesk.tasks import cpu_burn_job  # noqa: E402
from ui.workers import Job  # noqa: E402


def measure(name: str, fn, *args, **kwargs) -> None:
    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    loop = QEventLoop()
    job = Job(None, fn, *args, label=name, **kwargs)
    job.sig_finished.connect(loop.quit)
    t0 = time.perf_counter()
    heartbeat.start()
    job.run()
    loop.exec()
    heartbeat.stop()
    wall = time.perf_counter() - t0
    gaps_ms = sorted((b - a) * 1000 for a, b in zip(beats, beats[1:]))
    p99 = gaps_ms[int(len(gaps_ms) * 0.99) - 1] if gaps_ms else float("nan")
    over = sum(g > 100 for g in gaps_ms)
    print(
        f"{name:<28} {wall:6.2f} s  beats {len(beats):5d}  gap median {statistics.median(gaps_ms):5.1f} ms"
        f"  p99 {p99:6.1f} ms  max {gaps_ms[-1]:6.1f} ms  gaps>100ms {over}  ({job.state})"
    )


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    measure("cpu_burn_job (3 s, processes)", cpu_burn_job, seconds=3.0)
    try:
        from cxdesk.demo import build_demo
    except ImportError:
        print("cxdesk.demo missing: demo build not measured")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["CXDESK_DATA_DIR"] = tmp
            measure("build_demo (thread)", build_demo, Path(tmp) / "demo.sqlite3")
    del app


if __name__ == "__main__":
    main()
