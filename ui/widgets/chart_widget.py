"""A Qt wrapper for matplotlib Figures built by pure functions in ``cxdesk``.

matplotlib costs ~0.6 s to import, so it is imported here, on first use,
never at start-up; the same first use registers the bundled CJK font with
matplotlib (``cxdesk.fonts.setup_matplotlib_fonts``) so labels are not boxes.
The widget never uses pyplot (STYLE §18, §25).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QVBoxLayout, QWidget

from cxdesk.fonts import setup_matplotlib_fonts

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def ensure_chart_support() -> None:
    """Import matplotlib's Qt backend and set up the CJK font, once."""
    setup_matplotlib_fonts()  # cached: runs once per process


class ChartWidget(QWidget):
    """Shows one Figure with the standard navigation toolbar; swap it with ``set_figure``."""

    def __init__(self, figure: Figure | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        ensure_chart_support()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.canvas: QWidget | None = None
        self.toolbar: QWidget | None = None
        if figure is not None:
            self.set_figure(figure)

    def set_figure(self, figure: Figure) -> None:
        """Replace the shown figure (a canvas belongs to one figure, so it is rebuilt)."""
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT

        for old in (self.toolbar, self.canvas):
            if old is not None:
                self._layout.removeWidget(old)
                old.deleteLater()
        canvas = FigureCanvasQTAgg(figure)
        self.toolbar = NavigationToolbar2QT(canvas, self)
        self.canvas = canvas
        self._layout.addWidget(self.toolbar)
        self._layout.addWidget(canvas, 1)
        canvas.draw_idle()
