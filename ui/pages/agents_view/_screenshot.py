"""Render the 客服绩效 documentation screenshot, offscreen.

``python -m ui.pages.agents_view._screenshot [--db FILE] [--out PNG]`` shows
the main window at 1366×728 on 客服绩效 (全部 period) with the slow demo
agent selected, so the radar shows a weak 响应速度 against the team.
Without ``--db`` the demo is built and analysed in a temporary folder.
"""
from __future__ import annotations

import sys
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
    from PySide6.QtWidgets import QApplication

    from cxdesk.store import open_store
    from ui.app import configure_application, create_main_window

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)  # type: ignore[arg-type]
    with open_store(db_path) as store:
        window = create_main_window(store)
        window.resize(*SIZE)
        window.show()
        window.show_page("agents")
        page = window.pages["agents"]
        deadline = time.monotonic() + 60
        while page.table is None and time.monotonic() < deadline:
            _settle(app, 0.1)
        for row in range(page.model.rowCount()):
            if agent_hint in str(page.model.row_data(row)["agent"]):
                page.select_row(row)
        _settle(app)
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        window.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from ui.screenshot import page_shot_main

    return page_shot_main(argv, description="渲染「客服绩效」页截图（离屏）", default_out=ROOT / "docs" / "screenshots" / "agents.png",
                          prefix="cxdesk-agents-shot-", render=lambda db, out, args: render(db, out))


if __name__ == "__main__":
    raise SystemExit(main())
