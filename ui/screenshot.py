"""Render every page of the main window to PNG files, offscreen.

``python -m ui.screenshot OUTDIR [--db PATH] [--main PATH] [--size WxH]``
writes ``OUTDIR/<page>.png`` for each page (at 1280×800 unless ``--size``); with ``--main`` it also saves the
overview page there (the README screenshot). Without ``--db`` it uses a
fresh empty store. Unless ``CXDESK_DATA_DIR`` is set, the data folder (and
with it the UI settings) is a temporary one, so rendering never changes the
user's remembered window and the 设置 page shows no personal paths.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cxdesk.store import store_location

SIZE = (1280, 800)


def render(outdir: Path, db_path: Path, main_png: Path | None = None, size: tuple[int, int] = SIZE) -> list[Path]:
    """Save one PNG per page at ``size``; returns the written paths.

    Several sizes and screen scales, with a list of what is cut: ``python -m ui.layout_check``.
    """
    from PySide6.QtWidgets import QApplication

    from cxdesk.store import open_store
    from ui.app import configure_application, create_main_window
    from ui.layout_check import settle

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)  # type: ignore[arg-type]  # the bundled CJK font
    outdir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with open_store(db_path) as store:
        window = create_main_window(store)
        window.resize(*size)
        window.show()
        for key in window.page_keys():
            if key == "import" and window.is_demo:
                continue  # in the demo, 导入 asks (modally) to switch to the user's own store first
            window.show_page(key)
            settle(app)  # the page's background loads, then the layout
            target = outdir / f"{key}.png"
            window.grab().save(str(target))
            written.append(target)
        if main_png is not None:
            window.show_page("overview")
            settle(app)
            main_png.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(main_png))
            written.append(main_png)
        window.close()
        settle(app)
    return written


@contextmanager
def page_window(db_path: Path, key: str, size: tuple[int, int]) -> Iterator[tuple[Any, Any, Any]]:
    """(app, main window, page) with page ``key`` shown on ``db_path``, offscreen; closed afterwards."""
    from PySide6.QtWidgets import QApplication

    from cxdesk.store import open_store
    from ui.app import configure_application, create_main_window

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)  # type: ignore[arg-type]
    with open_store(db_path) as store:
        window = create_main_window(store)
        window.resize(*size)
        window.show()
        window.show_page(key)
        try:
            yield app, window, window.pages[key]
        finally:
            window.close()


def save_window(window: Any, out: Path) -> Path:
    """Grab the whole window into ``out`` (folders created)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    return out


def analysed_demo_db(folder: Path) -> Path:
    """Build the demo shop and analyse it (what the page screenshots show).

    It goes to the demo's own database when the data folder is inside
    ``folder`` (the temporary one of :func:`page_shot_main`), so the window
    labels it as the demo; else to ``folder/demo.sqlite3``.
    """
    from cxdesk.analysis.engine import analyze
    from cxdesk.demo import DEFAULT_SEED, build_demo
    from cxdesk.paths import demo_db_path
    from cxdesk.tasks import TaskContext

    demo = demo_db_path()
    db = demo if demo.resolve().is_relative_to(folder.resolve()) else folder / "demo.sqlite3"
    build_demo(TaskContext(), db, seed=DEFAULT_SEED)
    analyze(TaskContext(), db)
    return db


def page_shot_main(
    argv: Sequence[str] | None,
    *,
    description: str,
    default_out: Path,
    prefix: str,
    render: Callable[[Path, Path, argparse.Namespace], Path],
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> int:
    """The command line of a page's screenshot script (``python -m ui.pages.<page>._screenshot``).

    ``--db`` (default: a fresh demo, analysed) and ``--out``; offscreen, in a
    temporary data folder unless ``CXDESK_DATA_DIR`` is set. ``render(db, out,
    args)`` draws the page and returns the PNG path.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", type=Path, default=None, help="数据库文件（默认：临时生成并分析演示数据）")
    parser.add_argument("--out", type=Path, default=default_out)
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        os.environ.setdefault("CXDESK_DATA_DIR", str(Path(tmp) / "data"))
        print(render(args.db or analysed_demo_db(Path(tmp)), args.out, args))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="把主窗口每个页面渲染成 PNG 截图（离屏）")
    parser.add_argument("outdir", type=Path, help="输出文件夹")
    parser.add_argument(
        "--db", type=store_location, default=None, help="数据库文件或团队数据库地址 postgresql://…（默认：新建空库）"
    )
    parser.add_argument("--main", type=Path, default=None, help="另存总览页截图到此路径")
    parser.add_argument(
        "--size",
        default=f"{SIZE[0]}x{SIZE[1]}",
        help="窗口尺寸，如 1366x768（多个尺寸和缩放比例：python -m ui.layout_check）",
    )
    args = parser.parse_args(argv)
    width, _, height = args.size.lower().partition("x")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="cxdesk-shot-") as tmp:
        os.environ.setdefault("CXDESK_DATA_DIR", str(Path(tmp) / "data"))
        db = args.db or Path(tmp) / "empty.sqlite3"
        for path in render(args.outdir, db, args.main, (int(width), int(height))):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
