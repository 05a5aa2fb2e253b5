"""A buyer's timeline as a list: one row per session, order, review, 追评 or risk flag.

Rows are typed by a coloured badge with one character (会 单 评 追 险); risk
flags take the colour of their level. The items come from
:class:`cxdesk.store.timeline.CustomerTimeline`; the model holds no SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap

from cxdesk.store.timeline import KIND_LABELS, TimelineItem

Index = QModelIndex | QPersistentModelIndex

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_STYLE = {  # kind → (badge character, colour)
    "session": ("会", "#1f5fa8"),
    "order": ("单", "#607d8b"),
    "review": ("评", "#8e44ad"),
    "followup": ("追", "#b0609c"),
    "flag": ("险", "#e67e22"),
}
LEVEL_COLORS = {"高": "#c62828", "中": "#e67e22", "低": "#b59a00"}
LOW_RATING_COLOR = "#c62828"
FOCUS_BACKGROUND = "#fff3cd"


def badge_color(item: TimelineItem) -> str:
    if item.kind == "flag" and item.level in LEVEL_COLORS:
        return LEVEL_COLORS[item.level]
    return KIND_STYLE[item.kind][1]


def badge_icon(char: str, color: str, size: int = 22) -> QIcon:
    """A filled circle with one white character: the item's type at a glance."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(color))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(0, 0, size, size)
    font = QFont()
    font.setPixelSize(int(size * 0.6))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, char)
    p.end()
    return QIcon(pix)


def item_text(item: TimelineItem, show_shop: bool = True) -> str:
    """Two lines: time, shop (when several can appear) and headline; then the detail's first line."""
    when = (item.at or "时间未知")[:16]
    maybe = "" if item.exact else f"（可能是同一买家：{item.buyer_nick}）"
    first = (item.detail or "").split("\n")[0]
    if len(first) > 80:
        first = first[:80] + "…"
    shop = f" · {item.shop}" if show_shop else ""
    return f"{when}{shop} · {item.title}{maybe}" + (f"\n{first}" if first else "")


class TimelineModel(QAbstractListModel):
    """Read-only list of :class:`TimelineItem`, newest first; some rows may be marked as in focus."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[TimelineItem] = []
        self._focus: set[tuple[str, int | None]] = set()
        self._icons: dict[tuple[str, str], QIcon] = {}
        self._show_shop = True

    def set_items(
        self, items: Sequence[TimelineItem], focus: set[tuple[str, int | None]] | None = None, show_shop: bool = True
    ) -> None:
        """``focus`` marks rows as (kind, id): the review the dialog was opened from and the sessions before it."""
        self.beginResetModel()
        self._items = list(items)
        self._show_shop = show_shop
        self._focus = set(focus or ())
        self.endResetModel()

    def item(self, row: int) -> TimelineItem | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, kind: str, target_id: int) -> int:
        """Row of the first item of ``kind`` about ``target_id`` (session or review id), or -1."""
        for row, it in enumerate(self._items):
            if it.kind == kind and _focus_key(it)[1] == target_id:
                return row
        return -1

    def _icon(self, item: TimelineItem) -> QIcon:
        key = (item.kind, badge_color(item))
        if key not in self._icons:
            self._icons[key] = badge_icon(KIND_STYLE[item.kind][0], key[1])
        return self._icons[key]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item_text(item, self._show_shop)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{KIND_LABELS[item.kind]}\n{item.detail}"
        if role == Qt.ItemDataRole.ForegroundRole:
            if item.kind == "flag" and item.level in LEVEL_COLORS:
                return QBrush(QColor(LEVEL_COLORS[item.level]))
            if item.kind == "review" and item.rating is not None and item.rating <= 2:
                return QBrush(QColor(LOW_RATING_COLOR))
            return None
        if role == Qt.ItemDataRole.BackgroundRole and _focus_key(item) in self._focus:
            return QBrush(QColor(FOCUS_BACKGROUND))
        if role == ITEM_ROLE:
            return item
        return None


def _focus_key(item: TimelineItem) -> tuple[str, int | None]:
    if item.kind == "session":
        return ("session", item.session_id)
    if item.kind == "review":
        return ("review", item.review_id)
    return (item.kind, None)
