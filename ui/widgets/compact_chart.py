"""A small matplotlib canvas without toolbar, for charts that sit beside a list.

matplotlib is imported on the first ``set_figure`` call, never when the
widget is built, so a page can create it at start-up for free. Clickable
artists (``picker=True`` with a ``gid``) are reported as ``sig_picked(gid)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class CompactChartWidget(QWidget):
    """Shows one Figure at a fixed height; the canvas is rebuilt per figure."""

    sig_picked = Signal(str)

    def __init__(self, height: int, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedHeight(height)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.placeholder = QLabel(placeholder, self)
        self.placeholder.setStyleSheet("color: #888;")
        self.placeholder.setWordWrap(True)  # a long message wraps inside the chart's width
        self._layout.addWidget(self.placeholder)
        self.canvas: Any = None
        self.figure: Figure | None = None

    def set_figure(self, figure: Figure) -> None:
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        from ui.widgets.chart_widget import ensure_chart_support

        ensure_chart_support()
        if self.canvas is not None:
            self._layout.removeWidget(self.canvas)
            self.canvas.deleteLater()
        self.placeholder.hide()
        canvas = FigureCanvasQTAgg(figure)
        canvas.setMinimumSize(200, 60)
        canvas.mpl_connect("pick_event", self._on_pick)
        self.canvas, self.figure = canvas, figure
        self._layout.addWidget(canvas, 1)
        canvas.draw_idle()

    def clear(self, text: str) -> None:
        """Drop the figure and show ``text`` instead."""
        if self.canvas is not None:
            self._layout.removeWidget(self.canvas)
            self.canvas.deleteLater()
            self.canvas = self.figure = None
        self.placeholder.setText(text)
        self.placeholder.show()

    def _on_pick(self, event: Any) -> None:
        gid = event.artist.get_gid()
        if gid:
            self.sig_picked.emit(str(gid))
