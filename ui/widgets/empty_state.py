"""An honest empty state: what a page will show and how to get data into it.

Pages whose feature does not exist yet (or whose data is not imported) show
this instead of placeholder numbers, so a user never mistakes a mock-up for
a result.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


MAX_TEXT_WIDTH = 640


class EmptyStateWidget(QWidget):
    """A centred title, a sentence on what will appear here, and a hint on how."""

    def __init__(
        self,
        title: str,
        description: str,
        how_to: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.title_label = self._label(title, "emptyStateTitle", 18, bold=True)
        self.description_label = self._label(description, "emptyStateDescription", 11)
        self.how_to_label = self._label(how_to, "emptyStateHowTo", 11)
        self.how_to_label.setStyleSheet("color: #666;")
        self.how_to_label.setVisible(bool(how_to))
        # Long lines are hard to read: keep the text column narrow and centred.
        self.content = QWidget(self)
        self.content.setMaximumWidth(MAX_TEXT_WIDTH)
        self._layout = QVBoxLayout(self.content)
        for label in (self.title_label, self.description_label, self.how_to_label):
            label.setParent(self.content)
            self._layout.addWidget(label)
        self._layout.addStretch(1)
        self._layout.setSpacing(14)
        self.content.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.content, 10)  # grows up to MAX_TEXT_WIDTH first
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 24, 48, 24)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def add_button(self, text: str) -> QPushButton:
        """Add an action button under the text (e.g. 「导入数据」); returns it to connect."""
        button = QPushButton(text, self.content)
        self._layout.insertWidget(self._layout.count() - 1, button, 0, Qt.AlignmentFlag.AlignHCenter)
        return button

    def _label(self, text: str, name: str, point_size: int, *, bold: bool = False) -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = label.font()
        font.setPointSize(point_size)
        font.setBold(bold)
        label.setFont(font)
        return label
