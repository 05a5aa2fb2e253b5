"""Render the 客服绩效 documentation screenshot, offscreen.

``python -m ui.pages.agents_view._screenshot [--db FILE] [--out PNG]`` shows
the main window at 1366×728 on 客服绩效 (全部 period) with the slow demo
agent selected, so the radar shows a weak 响应速度 against the team.
Without ``--db`` the demo is built and analysed in a temporary folder.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SIZE = (1366, 728)


def _settle(app: object, seconds: float = 0.6) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)


def render(db_path: Path, out: Path, agent_hint: str = "老周") -> Path:
    from ui.screenshot import page_window, save_window

    with page_window(db_path, "agents", SIZE) as (app, window, page):
        deadline = time.monotonic() + 60
        while page.table is None and time.monotonic() < deadline:
            _settle(app, 0.1)
        for row in range(page.model.rowCount()):
            if agent_hint in str(page.model.row_data(row)["agent"]):
                page.select_row(row)
        _settle(app)
        return save_window(window, out)


def main(argv: Sequence[str] | None = None) -> int:
    from ui.screenshot import page_shot_main

    return page_shot_main(
        argv,
        description="渲染「客服绩效」页截图（离屏）",
        default_out=ROOT / "docs" / "screenshots" / "agents.png",
        prefix="cxdesk-agents-shot-",
        render=lambda db, out, args: render(db, out),
    )


if __name__ == "__main__":
    raise SystemExit(main())
