"""The 追评转差 list: first review and follow-up side by side, each with its sentiment and date.

A review lands here when its first review was positive and its 追评 negative
(``review_text_state.shift``, from the aspect stage): a quality problem the
buyer discovered after a while, so an early warning. Lazy like
:class:`ui.models.review_list_model.ReviewListModel`: the total comes with
the first page, later pages through ``fetchMore`` via a ``fetch`` callable
the page binds to the store's query repository (no SQL here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush

from cxdesk.store.voc import ShiftRow
from ui.models.paged_rows import PAGE_SIZE, Index, PagedRowsModel  # noqa: F401  (PAGE_SIZE re-exported)
from ui.models.review_list_model import LABEL_COLORS

Fetch = Callable[[int, int], list[ShiftRow]]  # fetch(offset, limit) -> rows

COLUMNS = (  # the texts first: they are what the owner reads; the product last, stretched
    ("created_at", "初评日期"),
    ("label", "初评情感"),
    ("content", "初评内容"),
    ("append_at", "追评日期"),
    ("append_label", "追评情感"),
    ("append_content", "追评内容"),
    ("product", "商品"),
)
MAX_CELL_CHARS = 60
_SCORES = {"label": "score", "append_label": "append_score"}


class AppendShiftModel(PagedRowsModel[ShiftRow]):
    """Read-only, lazily filled table of :class:`cxdesk.store.voc.ShiftRow`."""

    COLUMNS = COLUMNS

    def shift(self, row: int) -> ShiftRow | None:
        return self.row_at(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        value = getattr(row, key)
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(row, key, value)
        if role == Qt.ItemDataRole.ToolTipRole and key in ("product", "content", "append_content"):
            return value
        if role == Qt.ItemDataRole.ForegroundRole and key in _SCORES and value in LABEL_COLORS:
            return QBrush(LABEL_COLORS[value])
        if role == Qt.ItemDataRole.TextAlignmentRole and key in _SCORES:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


def _text(row: ShiftRow, key: str, value: Any) -> str:
    if key in ("created_at", "append_at"):
        return (value or "")[:10] or "—"
    if key in _SCORES:
        score = getattr(row, _SCORES[key])
        if value and score is not None:
            return f"{value} {score:.2f}"
        if key == "label" and not row.content.strip() and row.rating:
            return f"{row.rating}星"  # no text: the stars are what made the first review positive
        return value or "未分析"
    text = " ".join(str(value).split()) or "（无文字）"
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS] + "…"
