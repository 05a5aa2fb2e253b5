"""Run one page on its own, on an empty temporary store (Orange's WidgetPreview habit).

``python -m ui.pages.overview`` opens the 总览 page alone; handy while
building a page and for quick screenshots.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from cxdesk.store import open_store
from ui.pages.base import BasePage, PageContext
from ui.operations import OpRunner
from ui.workers import JobRunner


def preview(page_class: type[BasePage], db_path: str | None = None) -> int:
    """Show ``page_class`` in a window of its own until it is closed."""
    from ui.app import configure_application

    app = QApplication.instance() or QApplication(sys.argv)
    configure_application(app)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(db_path or Path(tmp) / "preview.sqlite3")
        jobs = JobRunner()
        ops = OpRunner(store.path)
        ctx = PageContext(store, jobs, navigate=lambda key: print(f"（预览）跳转到页面：{key}"), ops=ops)
        page = page_class(ctx)
        ops.sig_op_done.connect(page.on_op_done)
        page.setWindowTitle(f"预览：{page.title}")
        page.resize(1000, 700)
        page.show()
        code = app.exec()
        jobs.shutdown()
        ops.shutdown()
        store.close()
    return code
