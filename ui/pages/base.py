"""What every page gets and offers: collaborators in, ``refresh()`` out.

Pages never reach into the main window or a global app object (STYLE §24):
the window hands each page a :class:`PageContext` with the store (for reading),
the job runner, the operation runner (the only way to write, see
:mod:`ui.operations`) and two callbacks. After every operation the window calls
each page's :meth:`BasePage.on_op_done` with what changed; a page reloads only
when the change touches a kind it ``watches``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from PySide6.QtWidgets import QPushButton, QStyle, QVBoxLayout, QWidget

from cxdesk.ops import ALL_KINDS, OpChanges
from cxdesk.store import Store
from ui.widgets.empty_state import EmptyStateWidget
from ui.operations import OpRunner
from ui.workers import JobRunner


@dataclass(frozen=True)
class PageContext:
    """The collaborators a page may use.

    ``store`` is for reading on the GUI thread; every write goes through ``ops``
    (:class:`ui.operations.OpRunner`), whose ``sig_op_done`` reaches every page's
    :meth:`BasePage.on_op_done`. ``navigate(key)`` shows another page.
    """

    store: Store
    jobs: JobRunner
    navigate: Callable[[str], None]
    ops: OpRunner


class BasePage(QWidget):
    """A page of the main window, identified by a stable ``key``."""

    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    icon: ClassVar[QStyle.StandardPixmap] = QStyle.StandardPixmap.SP_FileIcon
    # The kinds of data (cxdesk.ops) this page shows: an operation that touches one reloads it.
    watches: ClassVar[frozenset[str]] = ALL_KINDS

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName(f"{self.key}Page")

    def refresh(self) -> None:
        """Re-read what the page shows from the store; pages override this."""

    def on_op_done(self, changes: OpChanges, origin: str) -> None:
        """An operation finished (``origin``: the key of the page that asked, or ""); by default
        the page reloads when the change touches what it ``watches``. Pages that update in
        place (the risk queue after a triage keystroke) override this."""
        if changes.touches(self.watches):
            self.refresh()

    def build_faces(self, content: QWidget) -> None:
        """The two faces of a data page, in ``self.stack``: an empty state that sends the user to
        导入 (``self.empty_state``, ``self.action_button``; index 0) and ``content`` (index 1).

        Pages set ``empty_title``, ``empty_description`` and ``empty_how_to`` as class attributes.
        """
        from PySide6.QtWidgets import QStackedWidget

        self.empty_state = EmptyStateWidget(
            self.empty_title,
            self.empty_description,  # type: ignore[attr-defined]
            self.empty_how_to,
            self,
        )  # type: ignore[attr-defined]
        self.action_button = self.empty_state.add_button("去导入数据")
        self.action_button.clicked.connect(lambda: self.ctx.navigate("import"))
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty_state)
        self.stack.addWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)


class EmptyStatePage(BasePage):
    """A page whose feature is not built yet: says what it will show, never fakes it."""

    empty_title: ClassVar[str] = ""
    empty_description: ClassVar[str] = ""
    empty_how_to: ClassVar[str] = "先在「导入」页导入数据，然后运行分析。"
    # Shown instead once data exists: the feature itself is what is missing.
    not_built_note: ClassVar[str] = "数据已导入，但这一页的分析功能还在开发中，尚不能显示结果。"
    action_text: ClassVar[str] = "去导入数据"

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.empty_state = EmptyStateWidget(self.empty_title, self.empty_description, self.empty_how_to, self)
        self.action_button: QPushButton | None = None
        if self.action_text:
            self.action_button = self.empty_state.add_button(self.action_text)
            self.action_button.clicked.connect(lambda: self.ctx.navigate("import"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_state)
        self.refresh()

    def refresh(self) -> None:
        """Say what is missing: the user's data, or (with data) the feature itself."""
        has_data = not self.ctx.store.is_empty()
        self.empty_state.how_to_label.setText(self.not_built_note if has_data else self.empty_how_to)
        if self.action_button is not None:
            self.action_button.setVisible(not has_data)
