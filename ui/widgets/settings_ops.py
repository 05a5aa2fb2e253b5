"""Run one of 设置's operations on the window's writer and wait for its outcome.

设置's editors (自定义风险规则, 评价方面词表, 客服能力模型权重) change files in the user's
resources folder through :mod:`cxdesk.ops` (rules, lexicon, weights), run by the window's
:class:`ui.operations.OpRunner` — at once, beside the writer, as they never touch the store
(:func:`cxdesk.ops.files_only`). Unlike a triage keystroke,
the editor must know at once whether the change was accepted: a refused rule keeps its
dialog open with the reason. :func:`run_and_wait` queues the operation, lets the event
loop run (the window stays live; the editor is disabled, with a wait cursor) until that
operation has finished, and returns
its :class:`cxdesk.ops.OpChanges` or raises its error; the writer announces the change
to every page as usual before this returns. These operations only touch files, so an
editor used on its own (no runner: previews, widget tests) runs the same operation
directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from cxdesk.errors import CxdeskError
from cxdesk.ops import OpChanges, run_op
from ui.operations import OpRunner


def run_and_wait(
    ops: OpRunner | None,
    parent: QWidget | None,
    op: Callable[..., OpChanges],
    *args: Any,
    label: str,
    origin: str = "settings",
    **kwargs: Any,
) -> OpChanges:
    """``op(writer_store, ctx, *args, **kwargs)`` on ``ops``; its changes, or its exception raised here."""
    if ops is None:
        return run_op(op, None, *args, **kwargs)
    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def done(changes: OpChanges) -> None:
        outcome["changes"] = changes
        loop.quit()

    def failed(exc: BaseException) -> None:
        outcome["error"] = exc
        loop.quit()

    ops.run(parent, op, *args, label=label, origin=origin, on_done=done, on_failure=failed, progress=False, **kwargs)
    if not outcome and ops.is_busy():
        # Wait for it; stop also when the runner goes idle without it (the window closed, the queue dropped).
        guard = QTimer()
        guard.setInterval(100)
        guard.timeout.connect(lambda: None if ops.is_busy() else loop.quit())
        enabled = parent is not None and parent.isEnabled()
        if enabled:
            parent.setEnabled(False)  # no second click while it runs
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # it may wait behind another operation
        guard.start()
        try:
            loop.exec()
        finally:
            guard.stop()
            QApplication.restoreOverrideCursor()
            if enabled:
                parent.setEnabled(True)
    if not outcome:
        raise CxdeskError(f"{label}未完成：窗口正在关闭")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["changes"]
