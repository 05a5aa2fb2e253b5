"""Render the 常见问题 documentation screenshot, offscreen.

``python -m ui.pages.faq_view._screenshot [--db FILE] [--out PNG]`` shows the
main window at 1366×728 (a 1366×768 laptop screen minus the taskbar) on the
常见问题 page, sorted by size, with a cluster selected whose detail has its
questions and the agents' answers loaded. Without ``--db`` the demo shop is
built and analysed in a temporary folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SIZE = (1366, 728)


def _settle(app: object, until: Callable[[], bool] = lambda: False, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()  # type: ignore[attr-defined]
        if until():
            break
        time.sleep(0.02)
    for _ in range(10):
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)


def render(db_path: Path, out: Path, row: int = 2) -> Path:
    from ui.screenshot import page_window, save_window

    with page_window(db_path, "faq", SIZE) as (app, window, page):
        _settle(app, lambda: page.result is not None)
        page.view.selectRow(min(row, page.model.rowCount() - 1))
        cid = page.current_cluster().id
        _settle(app, lambda: page.detail.cluster_id == cid and page.detail.answers.rowCount() > 0)
        page.detail.select_questions([0])
        return save_window(window, out)


def main(argv: Sequence[str] | None = None) -> int:
    from ui.screenshot import page_shot_main

    return page_shot_main(
        argv,
        description="渲染「常见问题」页截图（离屏）",
        default_out=ROOT / "docs" / "screenshots" / "faq.png",
        prefix="cxdesk-faq-shot-",
        render=lambda db, out, args: render(db, out, args.row),
        add_arguments=lambda p: p.add_argument("--row", type=int, default=2, help="选中列表中的第几行（从 0 起）"),
    )


if __name__ == "__main__":
    raise SystemExit(main())
