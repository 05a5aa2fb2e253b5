"""A matplotlib canvas whose clickable artists report their ``gid``: charts as filters.

Unlike :class:`ui.widgets.chart_widget.ChartWidget` it has no navigation
toolbar: these small dashboard charts are read and clicked, not zoomed, and
the toolbar would take a fifth of their height at 1280×800. Figures come
from ``cxdesk.charts``; this widget only shows them and forwards
``pick_event`` as :attr:`sig_picked` (STYLE §18). matplotlib is imported on
the first :meth:`PickChartWidget.set_figure`, not when the widget is built:
pages are built at start-up, charts only when a page is first shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.widgets.chart_widget import ensure_chart_support

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MIN_SIZE = (200, 130)


class PickChartWidget(QWidget):
    """Shows one Figure; ``sig_picked(gid)`` when a clickable artist is clicked."""

    sig_picked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.canvas: Any = None
        self.figure: Figure | None = None

    def set_figure(self, figure: Figure) -> None:
        """Replace the shown figure (a canvas belongs to one figure, so it is rebuilt)."""
        ensure_chart_support()
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        if self.canvas is not None:
            self._layout.removeWidget(self.canvas)
            self.canvas.deleteLater()
        canvas = FigureCanvasQTAgg(figure)
        canvas.setMinimumSize(*MIN_SIZE)
        canvas.setCursor(Qt.CursorShape.PointingHandCursor)
        canvas.mpl_connect("pick_event", self._on_pick)
        self.canvas, self.figure = canvas, figure
        self._layout.addWidget(canvas, 1)
        canvas.draw_idle()

    def _on_pick(self, event: Any) -> None:
        gid = event.artist.get_gid()
        if gid:
            self.sig_picked.emit(str(gid))
