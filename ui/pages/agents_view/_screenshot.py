"""Render the 客服绩效 documentation screenshot, offscreen.

``python -m ui.pages.agents_view._screenshot [--db FILE] [--out PNG]`` shows
the main window at 1366×728 on 客服绩效 (全部 period) with the slow demo
agent selected, so the radar shows a weak 响应速度 against the team.
Without ``--db`` the demo is built and analysed in a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
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
    parser = argparse.ArgumentParser(description="渲染「客服绩效」页截图（离屏）")
    parser.add_argument("--db", type=Path, default=None, help="数据库文件（默认：临时生成并分析演示数据）")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "agents.png")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="cxdesk-agents-shot-") as tmp:
        os.environ.setdefault("CXDESK_DATA_DIR", str(Path(tmp) / "data"))
        db = args.db
        if db is None:
            from cxdesk.analysis.engine import analyze
            from cxdesk.demo import DEFAULT_SEED, build_demo
            from cxdesk.tasks import TaskContext

            db = Path(tmp) / "demo.sqlite3"
            build_demo(TaskContext(), db, seed=DEFAULT_SEED)
            analyze(TaskContext(), db)
        print(render(db, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
