"""Search hits as a list: one row per message or review, with the hits highlighted.

The model holds :class:`cxdesk.search.SearchHit` objects and no SQL. When
the view scrolls to the end, ``fetchMore`` only *asks* for the next page
(``sig_more_wanted`` with the cursor); the panel runs the search and hands
the hits back with :meth:`SearchResultsModel.append_page` (STYLE §14–15).
Every piece of imported text is escaped before it becomes HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from cxdesk.roles import ROLE_LABELS
from cxdesk.search import SearchCursor, SearchHit, snippet

Index = QModelIndex | QPersistentModelIndex

HIT_ROLE = Qt.ItemDataRole.UserRole + 1
HTML_ROLE = Qt.ItemDataRole.UserRole + 2
HIT_MARK = "#ffd54f"
KIND_LABELS = {"message": "聊天", "review": "评价"}
KIND_COLORS = {"message": "#1f5fa8", "review": "#8e44ad"}
SNIPPET_CHARS = 90


def marked_html(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Escaped ``text`` with each (start, end) span on a yellow background."""
    out, pos = [], 0
    for start, end in spans:
        out.append(escape(text[pos:start]))
        out.append(f"<span style='background:{HIT_MARK}; font-weight:bold'>{escape(text[start:end])}</span>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out).replace("\n", " ")


def meta_line(hit: SearchHit) -> str:
    """Kind, time, shop and who wrote it: the grey line above the text."""
    who = ""
    if hit.kind == "message":
        role = ROLE_LABELS.get(hit.role or "", hit.role or "")
        name = hit.buyer_nick if hit.role == "buyer" else (hit.sender or "")
        who = f"{role} {name}".strip()
    else:
        stars = f"{hit.rating}星 · " if hit.rating else ""
        who = f"{stars}买家 {hit.buyer_nick or '（无昵称）'}" + (" · 追评" if hit.part == "append" else "")
    parts = [(hit.at or "时间未知")[:16], hit.shop, who]
    return " · ".join(escape(p) for p in parts if p)


def hit_html(hit: SearchHit) -> str:
    text, spans = snippet(hit.text, list(hit.spans), SNIPPET_CHARS)
    color = KIND_COLORS[hit.kind]
    return (
        f"<span style='color:{color}; font-weight:bold'>［{KIND_LABELS[hit.kind]}］</span> "
        f"<span style='color:#666'>{meta_line(hit)}</span><br>{marked_html(text, spans)}"
    )


class SearchResultsModel(QAbstractListModel):
    """Read-only list of search hits, filled page by page."""

    sig_more_wanted = Signal(int, object)  # (generation, SearchCursor)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []
        self._html: list[str] = []
        self._cursor: SearchCursor | None = None
        self._loading = False
        self._generation = 0

    def set_hits(self, hits: Sequence[SearchHit], cursor: SearchCursor | None) -> None:
        """Show a new search's first page."""
        self.beginResetModel()
        self._generation += 1
        self._hits = list(hits)
        self._html = [hit_html(h) for h in hits]
        self._cursor, self._loading = cursor, False
        self.endResetModel()

    def clear(self) -> None:
        self.set_hits([], None)

    def append_page(self, generation: int, hits: Sequence[SearchHit], cursor: SearchCursor | None) -> None:
        """Add the page asked for by ``sig_more_wanted`` (dropped if a new search started since)."""
        if generation != self._generation:
            return
        self._loading = False
        self._cursor = cursor
        if hits:
            first = len(self._hits)
            self.beginInsertRows(QModelIndex(), first, first + len(hits) - 1)
            self._hits.extend(hits)
            self._html.extend(hit_html(h) for h in hits)
            self.endInsertRows()

    @property
    def generation(self) -> int:
        return self._generation

    def hit(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._loading and self._cursor is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._loading = True
            self.sig_more_wanted.emit(self._generation, self._cursor)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.text
        if role == HTML_ROLE:
            return self._html[index.row()]
        if role == HIT_ROLE:
            return hit
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.text[:500]
        return None
