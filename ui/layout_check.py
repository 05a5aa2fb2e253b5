"""Render every page at common window sizes and screen scales, and list what is cut.

``python -m ui.layout_check OUTDIR [--db PATH] [--sizes 1200x700,1366x768]
[--scales 1,1.25,1.5]`` writes ``OUTDIR/s<scale>/<W>x<H>/<page>.png`` for
each page, size and scale, and prints the layout problems :func:`find_problems`
sees (buttons whose text does not fit, labels running past their parent,
narrow columns cutting their content, pages that scroll sideways). Sizes are
the window's size in logical pixels (what Windows reports at that scale:
a 1920×1080 laptop at 150 % is a 1280×720 screen). ``QT_SCALE_FACTOR``
must be set before Qt starts, so each scale other than the current one runs
in a child process. Without ``--db`` a fresh empty store is used; the data
folder is a temporary one unless ``CXDESK_DATA_DIR`` is set. Exit status 1
when a problem was found (the check is also a test: tests/test_ui_layout.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_SIZES = ((1200, 700), (1280, 720), (1366, 768))
DEFAULT_SCALES = (1.0, 1.25, 1.5)
# A narrow column (its content needs at most this: a level, a score, a date) must show all of it;
# wider ones (names, products) may elide, their tooltip has the rest.
NARROW_COLUMN = 100
# The main list of a page (attribute of the page) and how wide its text column must stay (px, logical).
MAIN_LISTS = {"reviews": ("view", 300), "risk": ("queue.view", 150), "faq": ("view", 180)}


@dataclass(frozen=True)
class Problem:
    page: str
    kind: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind} · {self.where} · {self.detail}"


def settle(app: Any, timeout: float = 120.0) -> None:
    """Let background loads finish and the layouts settle (tools and tests only, never the app)."""
    from ui.workers import active_jobs

    end = time.monotonic() + timeout
    quiet = 0
    while quiet < 5:
        app.processEvents()
        if active_jobs():
            quiet = 0
            if time.monotonic() > end:
                raise TimeoutError("页面加载超时")
            time.sleep(0.02)
        else:
            quiet += 1


def _name(widget: Any) -> str:
    """A readable name for a widget: class, object name and (short) text."""
    text = ""
    for getter in ("text", "title", "placeholderText"):
        fn = getattr(widget, getter, None)
        if callable(fn):
            try:
                value = fn()
            except TypeError:
                continue
            if isinstance(value, str) and value:
                text = value.replace("\n", " ")
                break
    label = type(widget).__name__
    if widget.objectName():
        label += f"#{widget.objectName()}"
    if text:
        label += f"「{text[:24]}{'…' if len(text) > 24 else ''}」"
    return label


def _inside_scroll_content(widget: Any, stop: Any) -> bool:
    from PySide6.QtWidgets import QAbstractScrollArea

    parent = widget.parentWidget()
    while parent is not None and parent is not stop:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and grand.viewport() is parent:
            return True
        parent = grand
    return False


def _visible_rect(widget: Any, stop: Any) -> tuple[Any, Any]:
    """(widget's rect, the part of it its ancestors up to ``stop`` leave visible), in ``stop``'s coordinates."""
    from PySide6.QtCore import QPoint, QRect

    rect = QRect(widget.mapTo(stop, QPoint(0, 0)), widget.size())
    visible = QRect(rect)
    parent = widget.parentWidget()
    while parent is not None:
        origin = parent.mapTo(stop, QPoint(0, 0)) if parent is not stop else QPoint(0, 0)
        visible = visible.intersected(QRect(origin, parent.size()))
        if parent is stop:
            break
        parent = parent.parentWidget()
    return rect, visible


def _shown(widget: Any, page: Any) -> bool:
    """Visible on screen: shown, on the current tab/stack face, and not zero-sized."""
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0 and widget.window() is page.window()


def _header_text(view: Any, column: int) -> str:
    from PySide6.QtCore import Qt

    model = view.model()
    value = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) if model else None
    return str(value) if value is not None else ""


def stretch_columns(view: Any) -> list[int]:
    """The columns that take the rest of the width (a list's text column); none in a table that scrolls."""
    from PySide6.QtWidgets import QHeaderView

    header = view.horizontalHeader()
    columns = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    stretch = [c for c in columns if header.sectionResizeMode(c) == QHeaderView.ResizeMode.Stretch]
    if not stretch and columns and header.stretchLastSection():
        stretch = [max(columns, key=header.visualIndex)]
    return stretch


def text_columns(view: Any) -> list[tuple[int, int]]:
    """(column, width) of the columns that stretch (the view's text column), else the widest one."""
    header = view.horizontalHeader()
    columns = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    if not columns:
        return []
    stretch = stretch_columns(view) or [max(columns, key=header.sectionSize)]
    return [(c, header.sectionSize(c)) for c in stretch]


def _elides_by_design(model: Any, column: int) -> bool:
    """A column whose cells repeat their text as tooltip (names, products, SKUs): cut text is readable on hover."""
    from PySide6.QtCore import Qt

    index = model.index(0, column)
    text = model.data(index, Qt.ItemDataRole.DisplayRole)
    return bool(text) and model.data(index, Qt.ItemDataRole.ToolTipRole) == text


def _table_problems(key: str, view: Any) -> Iterable[Problem]:
    header = view.horizontalHeader()
    model = view.model()
    if model is None or header.isHidden():
        return
    metrics = header.fontMetrics()
    stretch = set(stretch_columns(view))
    has_rows = model.rowCount() > 0
    for column in range(header.count()):
        if header.isSectionHidden(column):
            continue
        width = header.sectionSize(column)
        title = _header_text(view, column)
        need = metrics.horizontalAdvance(title) + 2 * view.style().pixelMetric(view.style().PixelMetric.PM_HeaderMargin)
        where = f"{_name(view)} 列「{title}」"
        if title and width < need:
            yield Problem(key, "列标题被截断", where, f"宽 {width}px，需要 {need}px")
        if has_rows and column not in stretch and not _elides_by_design(model, column):
            content = view.sizeHintForColumn(column)
            if 0 < content <= NARROW_COLUMN and width < content:
                yield Problem(key, "窄列内容被截断", where, f"宽 {width}px，内容需要 {content}px")
    if stretch and view.horizontalScrollBar().isVisible():
        yield Problem(
            key, "列表需要横向滚动", _name(view), f"各列共 {header.length()}px，可见 {view.viewport().width()}px"
        )


def _main_list(page: Any, path: str) -> Any:
    target = page
    for part in path.split("."):
        target = getattr(target, part, None)
    return target


def find_problems(window: Any, key: str) -> list[Problem]:
    """Layout problems on the page ``key`` as shown now in ``window`` (call :func:`settle` first)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractScrollArea,
        QComboBox,
        QLabel,
        QLineEdit,
        QListView,
        QScrollArea,
        QStyle,
        QTableView,
        QToolButton,
        QWidget,
    )

    page = window.pages[key]
    problems: list[Problem] = []
    if window.minimumSizeHint().width() > window.width() or window.minimumSizeHint().height() > window.height():
        hint = window.minimumSizeHint()
        problems.append(Problem(key, "窗口最小尺寸超出", "MainWindow", f"需要 {hint.width()}×{hint.height()}"))
    for widget in page.findChildren(QWidget):
        if not _shown(widget, page):
            continue
        if isinstance(widget, QAbstractButton) and widget.text():
            if widget.sizeHint().width() > widget.width():
                problems.append(
                    Problem(
                        key,
                        "按钮文字被截断",
                        _name(widget),
                        f"宽 {widget.width()}px，需要 {widget.sizeHint().width()}px",
                    )
                )
            if (
                isinstance(widget, QToolButton)
                and widget.menu() is not None
                and widget.popupMode() == QToolButton.ToolButtonPopupMode.InstantPopup
                and (widget.icon().isNull() or widget.toolButtonStyle() != Qt.ToolButtonStyle.ToolButtonIconOnly)
            ):
                # The menu arrow is drawn over the text: sizeHint does not count it.
                arrow = widget.style().pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, None, widget)
                if widget.width() < widget.sizeHint().width() + arrow:
                    problems.append(
                        Problem(
                            key,
                            "菜单箭头压住文字",
                            _name(widget),
                            f"宽 {widget.width()}px，需要 {widget.sizeHint().width() + arrow}px",
                        )
                    )
        if isinstance(widget, QLabel) and widget.text() and not widget.wordWrap() and widget.pixmap().isNull():
            if widget.sizeHint().width() > widget.width() + 1:
                problems.append(
                    Problem(
                        key, "文字被截断", _name(widget), f"宽 {widget.width()}px，需要 {widget.sizeHint().width()}px"
                    )
                )
        if isinstance(widget, (QAbstractButton, QLabel, QComboBox, QLineEdit, QAbstractScrollArea)):
            if not _inside_scroll_content(widget, window):
                rect, visible = _visible_rect(widget, window)
                if visible.width() < rect.width() - 1 or visible.height() < rect.height() - 1:
                    problems.append(
                        Problem(
                            key,
                            "超出边界被裁掉",
                            _name(widget),
                            f"{rect.width()}×{rect.height()} 只露出 {visible.width()}×{visible.height()}",
                        )
                    )
        if isinstance(widget, QScrollArea) and widget.horizontalScrollBar().isVisible():
            problems.append(
                Problem(
                    key,
                    "需要横向滚动",
                    _name(widget),
                    f"内容宽 {widget.widget().minimumSizeHint().width() if widget.widget() else '?'}px",
                )
            )
        if isinstance(widget, QTableView):
            problems.extend(_table_problems(key, widget))
        elif isinstance(widget, QListView) and widget.horizontalScrollBar().isVisible():
            problems.append(Problem(key, "列表需要横向滚动", _name(widget), "条目比列表宽"))
    if key in MAIN_LISTS:
        path, minimum = MAIN_LISTS[key]
        view = _main_list(page, path)
        if view is not None and _shown(view, page) and view.model() is not None and view.model().rowCount():
            for column, width in text_columns(view):
                if width < minimum:
                    problems.append(
                        Problem(
                            key,
                            "正文列太窄",
                            f"{_name(view)} 列「{_header_text(view, column)}」",
                            f"宽 {width}px，至少 {minimum}px",
                        )
                    )
    return problems


def render_all(
    outdir: Path, db_path: Path, sizes: Sequence[tuple[int, int]], pages: Sequence[str] | None = None
) -> list[Problem]:
    """PNG of every page at each size under ``outdir/<W>x<H>/``; returns the problems seen."""
    from PySide6.QtWidgets import QApplication

    from cxdesk.store import open_store
    from ui.app import configure_application, create_main_window

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)  # type: ignore[arg-type]  # the bundled CJK font
    problems: list[Problem] = []
    with open_store(db_path) as store:
        window = create_main_window(store)
        window.show()
        for width, height in sizes:
            window.resize(width, height)
            folder = outdir / f"{width}x{height}"
            folder.mkdir(parents=True, exist_ok=True)
            for key in pages or window.page_keys():
                window.show_page(key)
                settle(app)
                window.grab().save(str(folder / f"{key}.png"))
                found = find_problems(window, key)
                for problem in found:
                    print(f"{width}x{height} {problem}", flush=True)
                problems.extend(found)
        window.close()
        settle(app)
    return problems


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def _scale_name(scale: float) -> str:
    return f"s{scale:g}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="在常见窗口尺寸和缩放比例下渲染每个页面，并列出被截断的文字和控件")
    parser.add_argument("outdir", type=Path, help="输出文件夹")
    parser.add_argument("--db", type=Path, default=None, help="数据库文件（默认：新建空库）")
    parser.add_argument(
        "--sizes",
        default=",".join(f"{w}x{h}" for w, h in DEFAULT_SIZES),
        help="窗口尺寸（逻辑像素），逗号分隔，如 1200x700,1366x768",
    )
    parser.add_argument(
        "--scales",
        default=",".join(f"{s:g}" for s in DEFAULT_SCALES),
        help="屏幕缩放比例（QT_SCALE_FACTOR），逗号分隔，如 1,1.25,1.5",
    )
    parser.add_argument("--pages", default="", help="只看这些页面（键名，逗号分隔，如 reviews,faq）")
    args = parser.parse_args(argv)
    sizes = [_size(s) for s in args.sizes.split(",") if s]
    scales = [float(s) for s in args.scales.split(",") if s]
    pages = [p for p in args.pages.split(",") if p] or None
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="cxdesk-layout-") as tmp:
        os.environ.setdefault("CXDESK_DATA_DIR", str(Path(tmp) / "data"))
        db = args.db or Path(tmp) / "empty.sqlite3"
        current = float(os.environ.get("QT_SCALE_FACTOR") or 1)
        failed = False
        for scale in scales:
            outdir = args.outdir / _scale_name(scale)
            if scale == current:
                print(f"== 缩放 {scale:g} ==", flush=True)
                failed |= bool(render_all(outdir, db, sizes, pages))
                continue
            # QT_SCALE_FACTOR is read once, when Qt starts: another scale needs another process.
            env = dict(os.environ, QT_SCALE_FACTOR=f"{scale:g}")
            command = [
                sys.executable,
                "-m",
                "ui.layout_check",
                str(args.outdir),
                "--db",
                str(db),
                "--sizes",
                args.sizes,
                "--scales",
                f"{scale:g}",
                "--pages",
                args.pages,
            ]
            failed |= subprocess.run(command, env=env, check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
