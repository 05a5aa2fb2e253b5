"""Render the 风险 documentation screenshot, offscreen.

``python -m ui.pages.risk_queue._screenshot [--db FILE] [--out PNG]`` shows
the main window at 1366×728 (a 1366×768 laptop screen minus the taskbar) on
the 风险 page with the detail pane open on a demo conversation: the
highest-level chat flag whose session has the most flags, with a linked order.
Without ``--db`` the demo shop is built and analysed in a temporary folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SIZE = (1366, 728)


def _settle(app: object, rounds: int = 20) -> None:
    import time

    for _ in range(rounds):
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)


def _wait_loaded(app: object, page: object, timeout: float = 60.0) -> None:
    """Until the page's background query has been shown (the queue loads off the GUI thread)."""
    import time

    end = time.monotonic() + timeout
    while page.ctx.jobs.current(page.key) is not None and time.monotonic() < end:  # type: ignore[attr-defined]
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.01)


def _pick_row(page: object) -> int:
    """A 高 chat flag in a busy session with a linked order (the richest detail view)."""
    model, repo = page.model, page.repo  # type: ignore[attr-defined]
    best, best_key = 0, (-1, -1)
    for i in range(min(model.rowCount(), 120)):
        flag = model.flag(i)
        if flag.target_type != "message" or flag.session_id is None:
            continue
        conv = repo.conversation(flag.session_id)
        linked = repo.linked_orders(flag).kind in ("mentioned", "order_id")
        key = (int(flag.level == "高") + int(linked), len({f.category for f in conv.flags}))
        if key > best_key and 8 <= len(conv.messages) <= 24:
            best, best_key = i, key
    return best


def render(db_path: Path, out: Path) -> Path:
    from ui.screenshot import page_window, save_window

    with page_window(db_path, "risk", SIZE) as (app, window, page):
        _wait_loaded(app, page)
        _settle(app)
        page.queue.go_to(_pick_row(page))
        page.queue.focus_table()
        _settle(app)
        return save_window(window, out)


def main(argv: Sequence[str] | None = None) -> int:
    from ui.screenshot import page_shot_main

    return page_shot_main(
        argv,
        description="渲染「风险」页截图（离屏）",
        default_out=ROOT / "docs" / "screenshots" / "risk-queue.png",
        prefix="cxdesk-risk-shot-",
        render=lambda db, out, args: render(db, out),
    )


if __name__ == "__main__":
    raise SystemExit(main())
