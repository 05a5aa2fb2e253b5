"""Render the 导入 page's two documentation screenshots, offscreen.

``python -m ui.pages.import_wizard._screenshots [--chats FILE] [--outdir DIR]``
writes ``import-wizard.png`` (a seller-tool review CSV added: detection,
mapping and preview) and ``import-summary.png`` (after importing a JDDC
chat file: the result tab and the file's row). A temporary database and
data folder are used, so nothing of the user's is touched or shown.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
REVIEWS_CSV = ROOT / "tests" / "fixtures" / "import" / "seller_reviews.csv"
QIANNIU_CSV = ROOT / "tests" / "fixtures" / "import" / "qianniu_export.csv"
DEFAULT_CHATS = Path("/work/shared/data/jddc_sample/chat_0.1per.txt")
SIZE = (1280, 800)


def _wait(app: object, done: Callable[[], bool], timeout: float = 120.0) -> None:
    """Let the event loop run until ``done()`` (screenshots only; never in the app)."""
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("等待导入页超时")
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)
    for _ in range(5):  # queued shows and layouts
        app.processEvents()  # type: ignore[attr-defined]


def render(outdir: Path, chats: Path, db_path: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from cxdesk.store import open_store
    from ui.app import configure_application, create_main_window
    from ui.workers import active_jobs

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)  # type: ignore[arg-type]
    outdir.mkdir(parents=True, exist_ok=True)
    written = [outdir / "import-wizard.png", outdir / "import-summary.png"]
    with open_store(db_path) as store:
        window = create_main_window(store)
        window.resize(*SIZE)
        window.show()
        window.show_page("import")
        page = window.pages["import"]
        idle = lambda: not active_jobs() and all(e.status != "detecting" for e in page.entries)  # noqa: E731

        page.add_files([REVIEWS_CSV, QIANNIU_CSV])
        _wait(app, idle)
        window.grab().save(str(written[0]))

        page.clear_files()
        page.add_files([chats])
        _wait(app, idle)
        page.start_import()
        _wait(app, lambda: not page.importing and idle())
        window.grab().save(str(written[1]))
        window.close()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="渲染导入页的两张截图（离屏）")
    parser.add_argument("--chats", type=Path, default=DEFAULT_CHATS, help="要导入的聊天记录文件")
    parser.add_argument("--outdir", type=Path, default=ROOT / "docs" / "screenshots", help="输出文件夹")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="cxdesk-import-shot-") as tmp:
        os.environ["CXDESK_DATA_DIR"] = str(Path(tmp) / "data")
        for path in render(args.outdir, args.chats, Path(tmp) / "shot.sqlite3"):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
