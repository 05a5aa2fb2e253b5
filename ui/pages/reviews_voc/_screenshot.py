"""Render the 评价分析 documentation screenshot, offscreen.

``python -m ui.pages.reviews_voc._screenshot [--db FILE] [--out PNG] [--tab drivers]``
shows the main window at 1280×800 on the 评价分析 page, 方面分析 tab (aspect
bars and the product × aspect table; ``--tab drivers``: the 差评原因 table), with a review selected whose 追评
turned negative (clauses highlighted), else one with a 追评. Without ``--db`` the demo shop is built and analysed
in a temporary folder, so nothing of the user's is touched or shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SIZE = (1280, 800)


def _wait(app: object, done: Callable[[], bool], timeout: float = 120.0) -> None:
    """Let the event loop run until ``done()`` (screenshots only; never in the app)."""
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("等待评价分析页超时")
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)
    for _ in range(5):
        app.processEvents()  # type: ignore[attr-defined]


def render(db_path: Path, out: Path, tab: str = "aspects") -> Path:
    from ui.pages.reviews import SHIFT_TAB
    from ui.pages.reviews_voc._panels import DRIVER_TAB
    from ui.screenshot import page_window, save_window
    from ui.workers import active_jobs

    with page_window(db_path, "reviews", SIZE) as (app, window, page):
        _wait(app, lambda: not active_jobs() and None not in (page.snapshot, page.chart_data, page.emerging))
        model = page.model
        rows = [model.review(i) for i in range(model.rowCount())]

        # Prefer a review that shows every part of the detail view: 追评 shift, reply, a complaint.
        def score(i: int) -> tuple[bool, bool, bool, bool]:
            r = rows[i]
            return (r.shift and r.has_reply, r.shift, r.has_append and r.has_reply, r.has_append)

        if page.snapshot.options.has_aspects:
            page.charts.setCurrentIndex(DRIVER_TAB if tab == "drivers" else 1)
            if tab == "drivers":
                _wait(app, lambda: not active_jobs() and page.drivers is not None)
        shifts = page.shift_list.model
        if shifts.rowCount():  # show the 追评转差 tab: first review vs follow-up, clauses highlighted
            page.list_tabs.setCurrentIndex(SHIFT_TAB)
            readable = [i for i in range(shifts.rowCount()) if 8 <= len(shifts.shift(i).append_content) <= 60]
            page.shift_list.select_row(readable[0] if readable else 0)
        else:
            page.select_row(max(range(len(rows)), key=score, default=0))
        _wait(app, lambda: True)
        return save_window(window, out)


def main(argv: Sequence[str] | None = None) -> int:
    from ui.screenshot import page_shot_main

    return page_shot_main(
        argv,
        description="渲染评价分析页截图（离屏）",
        default_out=ROOT / "docs" / "screenshots" / "reviews.png",
        prefix="cxdesk-reviews-shot-",
        render=lambda db, out, args: render(db, out, args.tab),
        add_arguments=lambda p: p.add_argument(
            "--tab", choices=["aspects", "drivers"], default="aspects", help="左侧图表页：方面分析或差评原因"
        ),
    )


if __name__ == "__main__":
    raise SystemExit(main())
