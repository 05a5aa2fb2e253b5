"""The 会话 list: an id-based lazy table (anki's browser model, STYLE §14).

The model holds the ids of every session the filter matches, in display
order (a query in the background returns them: 100k ids cost ~0.2–2.3 s
depending on the sort, on 1M messages). ``rowCount`` is the number of ids;
``data()`` reads the rows of a block of :data:`BLOCK` ids the first time
one of them is painted, through a ``fetch(ids)`` callable the page binds to
the store (~7 ms per block), and caches them until the data changes
(:meth:`SessionListModel.mark_stale`). Sorting happens in SQL: a header
click only asks for a new id list (``sig_sort_changed``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from cxdesk.analysis.service_time import load_config, timing_for
from cxdesk.privacy import mask_nick
from cxdesk.store import PLATFORMS
from cxdesk.store.sessions_browse import SessionRow
from ui.models.flag_queue_model import short_agent, wait_text

Index = QModelIndex | QPersistentModelIndex
Fetch = Callable[[Sequence[int]], list[SessionRow]]

BLOCK = 100
# Most-read first: the list pane shows about seven columns before it scrolls sideways.
COLUMNS = (
    ("started", "开始时间"),
    ("buyer", "买家"),
    ("agents", "客服"),
    ("messages", "消息"),
    ("first_response", "首次响应"),
    ("sentiment", "结束情感"),
    ("risk", "风险"),
    ("reviewed", "已阅"),
    ("duration", "时长"),
    ("faq", "常见问题"),
    ("order", "订单"),
    ("shop", "店铺"),
    ("platform", "平台"),
)
COLUMN_KEYS = [key for key, _ in COLUMNS]
LEVEL_COLORS = {"高": QColor("#c62828"), "中": QColor("#b26a00"), "低": QColor("#757575")}
LABEL_COLORS = {"负面": QColor("#c62828"), "正面": QColor("#2e7d32"), "中性": QColor("#6d6d6d")}
SLOW_COLOR, OVER_COLOR = QColor("#c77700"), QColor("#c62828")
CENTERED = {"platform", "duration", "messages", "first_response", "sentiment", "risk", "reviewed"}


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    if s < 60:
        return f"{s} 秒"
    if s < 3600:
        return f"{s // 60} 分"
    return f"{s / 3600:.1f} 时"


class SessionListModel(QAbstractTableModel):
    """Read-only table of :class:`cxdesk.store.sessions_browse.SessionRow`, by id."""

    sig_sort_changed = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._ids: list[int] = []
        self._rows: dict[int, SessionRow] = {}
        self._fetch: Fetch | None = None
        self._sort = ("started", True)
        self._mask = False
        self._service = load_config()

    # --- feeding ------------------------------------------------------------------

    def set_result(self, ids: Sequence[int], fetch: Fetch, first_rows: Sequence[SessionRow] = ()) -> None:
        """A new id list (new filter or sort); ``first_rows`` were read with it, off the GUI thread."""
        self.beginResetModel()
        self._ids, self._fetch = list(ids), fetch
        self._rows = {r.id: r for r in first_rows}
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._ids, self._rows, self._fetch = [], {}, None
        self.endResetModel()

    def mark_stale(self, session_ids: Sequence[int] | None = None) -> None:
        """Forget cached rows (all, or these sessions') so they are read again when painted."""
        if session_ids is None:
            self._rows.clear()
        else:
            for sid in session_ids:
                self._rows.pop(sid, None)
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    def set_mask(self, on: bool) -> None:
        self._mask = on
        if self._ids:
            column = COLUMN_KEYS.index("buyer")
            self.dataChanged.emit(self.index(0, column), self.index(len(self._ids) - 1, column))

    @property
    def ids(self) -> list[int]:
        return list(self._ids)

    @property
    def sort_key(self) -> tuple[str, bool]:
        return self._sort

    def set_sort_key(self, key: str, descending: bool) -> None:
        self._sort = (key, descending)

    def row_of(self, session_id: int) -> int:
        try:
            return self._ids.index(session_id)
        except ValueError:
            return -1

    def session_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def session(self, row: int) -> SessionRow | None:
        """The row's data, read (with its block) if not cached."""
        if not 0 <= row < len(self._ids):
            return None
        sid = self._ids[row]
        if sid not in self._rows and self._fetch is not None:
            start = row - row % BLOCK
            block = [i for i in self._ids[start : start + BLOCK] if i not in self._rows]
            for r in self._fetch(block):
                self._rows[r.id] = r
        return self._rows.get(sid)

    def cached_rows(self) -> int:
        return len(self._rows)

    # --- QAbstractTableModel --------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting happens in SQL: ask the page for the ids in the new order."""
        new = (COLUMN_KEYS[column], order == Qt.SortOrder.DescendingOrder)
        if new != self._sort:
            self._sort = new
            self.sig_sort_changed.emit()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = COLUMN_KEYS[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter) if key in CENTERED else None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole):
            return None
        row = self.session(index.row())
        if row is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, key)
        return self._color(row, key)

    # --- cells ------------------------------------------------------------------------------

    def _buyer(self, row: SessionRow) -> str:
        return mask_nick(row.buyer) if self._mask else row.buyer

    def _text(self, row: SessionRow, key: str) -> str:
        if key == "started":
            return (row.started_at or "")[:16]
        if key == "platform":
            return PLATFORMS.get(row.platform, row.platform)
        if key == "buyer":
            return self._buyer(row)
        if key == "agents":
            names = [short_agent(a) for a in row.agent_list]
            return "、".join(names) + (" ⇨" if row.transferred and len(names) < 2 else "")
        if key == "duration":
            return duration_text(row.duration_s)
        if key == "messages":
            return str(row.message_count)
        if key == "first_response":
            if row.first_response_s is None:
                return "未回复" if row.agent_messages == 0 and row.buyer_messages else ""
            return wait_text(row.first_response_s)
        if key == "sentiment":
            return row.end_label or ""
        if key == "risk":
            if row.risk_score is None:
                return ""
            return f"{row.risk_level} {row.risk_score}" if row.risk_level != "无" else "—"
        if key == "faq":
            return row.faq or ""
        if key == "order":
            return row.order_id or ""
        if key == "reviewed":
            return "✓" if row.reviewed else ("✎" if row.note else "")
        return str(getattr(row, key, ""))

    def _tooltip(self, row: SessionRow, key: str) -> str:
        if key == "started":
            return f"{row.started_at or ''} 至 {row.ended_at or ''}\n会话 #{row.id}"
        if key == "agents":
            return "\n".join(row.agent_list) + ("\n（会话中转接过）" if row.transferred else "")
        if key == "messages":
            return f"共 {row.message_count} 条：买家 {row.buyer_messages} 条，客服 {row.agent_messages} 条"
        if key == "first_response":
            timing = timing_for(row.platform, self._service)
            return (
                f"从买家第一条消息到客服第一次回复；{PLATFORMS.get(row.platform, row.platform)}"
                f"提醒线 {wait_text(timing.warn_s)}、时限 {wait_text(timing.limit_s)}"
            )
        if key == "sentiment" and row.end_score is not None:
            return f"买家最后一条消息的情感：{row.end_label}（{row.end_score:.2f}）"
        if key == "risk" and row.risk_score is not None:
            return f"风险分 {row.risk_score}（{row.risk_level}）{('：' + row.risk_reasons) if row.risk_reasons else ''}"
        if key == "order" and row.order_id:
            return "按买家昵称和时间推测的订单（会话开始前 7 天至后 3 天内最近的一笔）"
        if key == "reviewed":
            return ("已阅" if row.reviewed else "未阅") + (f"\n备注：{row.note}" if row.note else "")
        if key in ("shop", "buyer", "faq"):
            return self._text(row, key)
        return ""

    def _color(self, row: SessionRow, key: str) -> QBrush | None:
        if key == "risk" and row.risk_level in LEVEL_COLORS:
            return QBrush(LEVEL_COLORS[row.risk_level])
        if key == "sentiment" and row.end_label in LABEL_COLORS:
            return QBrush(LABEL_COLORS[row.end_label])
        if key == "first_response" and row.first_response_s is not None:
            timing = timing_for(row.platform, self._service)
            if row.first_response_s > timing.limit_s:
                return QBrush(OVER_COLOR)
            if row.first_response_s > timing.warn_s:
                return QBrush(SLOW_COLOR)
        if key == "first_response" and row.first_response_s is None and row.agent_messages == 0:
            return QBrush(OVER_COLOR)
        return None
