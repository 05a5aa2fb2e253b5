"""A 总览 tile: caption, figure, change against the previous period, a note; click to open the rows behind it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from cxdesk.reports.data import Tile

GOOD, BAD, PLAIN = "#2e7d32", "#c62828", "#666666"
PAGE_NAMES = {"reviews": "评价分析", "risk": "风险", "faq": "常见问题", "agents": "客服绩效"}


def _label(parent: QWidget, point_size: float = 0, bold: bool = False, color: str = "") -> QLabel:
    label = QLabel("", parent)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    if point_size or bold:
        font = label.font()
        if point_size:
            font.setPointSizeF(point_size)
        font.setBold(bold)
        label.setFont(font)
    if color:
        label.setStyleSheet(f"color: {color};")
    return label


class TileWidget(QFrame):
    """Shows one :class:`Tile`; ``sig_clicked(tile)`` on a click or Enter/Space when focused."""

    sig_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tile: Tile | None = None
        self.setObjectName("dashTile")
        self.setStyleSheet(
            "#dashTile { background: #f7f9fb; border: 1px solid #d5dde6; border-radius: 6px; }"
            "#dashTile:hover, #dashTile:focus { border-color: #6d9ed4; }"
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumWidth(150)
        self.caption_label = _label(self, 9.5, color=PLAIN)
        self.value_label = _label(self, 15, bold=True)
        self.value_label.setWordWrap(True)
        self.delta_label = _label(self, 9)
        self.note_label = _label(self, 8.5, color="#888")
        self.note_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(1)
        for label in (self.caption_label, self.value_label, self.delta_label, self.note_label):
            layout.addWidget(label)
        layout.addStretch(1)

    def show_tile(self, tile: Tile) -> None:
        self.tile = tile
        self.caption_label.setText(tile.caption)
        self.value_label.setText(tile.value)
        font = self.value_label.font()
        font.setPointSizeF(15 if len(tile.value) <= 10 else 11.5)  # a FAQ label is a sentence
        self.value_label.setFont(font)
        self.value_label.setToolTip(tile.value if len(tile.value) > 10 else "")
        self.delta_label.setText(tile.delta)
        color = PLAIN if tile.good is None else GOOD if tile.good else BAD
        self.delta_label.setStyleSheet(f"color: {color};")
        self.note_label.setText(tile.note)
        linked = tile.link is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if linked else Qt.CursorShape.ArrowCursor)
        self.setToolTip(f"点击打开「{PAGE_NAMES.get(tile.link.page, tile.link.page)}」并按本期筛选" if linked else "")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.activate()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activate()
            return
        super().keyPressEvent(event)

    def activate(self) -> None:
        if self.tile is not None and self.tile.link is not None:
            self.sig_clicked.emit(self.tile)
