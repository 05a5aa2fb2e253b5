"""Column widths that follow the font: narrow columns as wide as their content, a readable text column.

Fixed pixel widths were tuned on one font at one scale; with another font
(Windows' 微软雅黑 is wider than the bundled one) or a window of 1200×700
they cut 「中 43」 to 「中 4…」 or leave the review text eight characters.
:func:`fit_columns` sizes the narrow columns from sample texts (the widest
value a column can show) and the header; :class:`TextColumnKeeper` hides
optional columns (in the order given) while the table is too narrow for the
text column to keep ``min_text`` pixels, and shows them again when the
user widens the window or the splitter. What a hidden column held stays in
the detail pane below or beside the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QStyle, QTableView

# Room around a cell's text: the focus frame and text margins of the common styles (Fusion, Windows).
CELL_PADDING = 14
# The sort arrow takes this much in the header on the Windows styles (Fusion draws it above the text).
SORT_ARROW = 12


def header_width(view: QTableView, column: int) -> int:
    """Width that shows the column's header text (and sort arrow, when the view sorts)."""
    header = view.horizontalHeader()
    model = view.model()
    text = model.headerData(column, Qt.Orientation.Horizontal) if model is not None else None
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    arrow = SORT_ARROW if view.isSortingEnabled() or header.isSortIndicatorShown() else 0
    return header.fontMetrics().horizontalAdvance(str(text or "")) + 2 * margin + arrow + 4


def content_width(view: QTableView, column: int, samples: Iterable[str]) -> int:
    """Width that shows every sample text of ``column`` and its header without eliding."""
    metrics = view.fontMetrics()
    cells = max((metrics.horizontalAdvance(s) for s in samples), default=0) + CELL_PADDING
    return max(cells, header_width(view, column))


def fit_columns(view: QTableView, samples: Mapping[int, Sequence[str]]) -> None:
    """Set each listed column to its :func:`content_width` (call again after a font change)."""
    for column, texts in samples.items():
        view.setColumnWidth(column, content_width(view, column, texts))


class TextColumnKeeper(QObject):
    """Keeps ``text_column`` of ``view`` at least ``min_text`` wide by hiding ``optional`` columns.

    The text column is the one that takes the rest (``setStretchLastSection``
    or ``Stretch``); ``optional`` are hidden first to last while it would be
    narrower than ``min_text`` and come back, last hidden first, once there
    is room for them too. Columns the user resized keep their width.
    """

    def __init__(self, view: QTableView, text_column: int, min_text: int, optional: Sequence[int]) -> None:
        super().__init__(view)
        self.view, self.text_column, self.min_text = view, text_column, min_text
        self.optional = list(optional)
        view.viewport().installEventFilter(self)
        view.horizontalHeader().sectionResized.connect(self._on_section_resized)
        self._busy = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Resize:
            self.update()
        return False

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if column != self.text_column:
            self.update()

    def _others(self) -> int:
        header = self.view.horizontalHeader()
        return sum(
            header.sectionSize(c)
            for c in range(header.count())
            if c != self.text_column and not header.isSectionHidden(c)
        )

    def update(self) -> None:
        """Hide or show optional columns for the view's current width."""
        if self._busy:
            return
        self._busy = True
        try:
            header = self.view.horizontalHeader()
            room = self.view.viewport().width() - self._others()
            for column in self.optional:  # hide while the text column is too narrow
                if room >= self.min_text:
                    break
                if not header.isSectionHidden(column):
                    room += header.sectionSize(column)
                    header.hideSection(column)
            for column in reversed(self.optional):  # show again, last hidden first, while there is room
                if not header.isSectionHidden(column):
                    continue
                header.showSection(column)
                width = header.sectionSize(column)
                if room - width < self.min_text:
                    header.hideSection(column)
                    break
                room -= width
        finally:
            self._busy = False

    def hidden(self) -> list[int]:
        header = self.view.horizontalHeader()
        return [c for c in self.optional if header.isSectionHidden(c)]
