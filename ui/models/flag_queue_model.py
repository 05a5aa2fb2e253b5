"""The 风险 queue: a lazy table over the filtered, SQL-sorted queue items.

One row per session or review (:meth:`RiskQueueRepo.item_page`): the row is its strongest flag, the
类别 column lists every category of its picked flags, and triage marks all of them.

The 等级 column shows the level of the flag's session (review) risk score, the level the store
filters and sorts by (:attr:`FlagRow.shown_level`), so levels and scores agree down the queue;
its tooltip gives the score and the flag's own rule level.

Rows arrive page by page (``canFetchMore``/``fetchMore``, STYLE §14–15)
through a ``fetch(offset, limit)`` callable the page binds to the store and
the current filter; the model holds no SQL. Triage changes a row in place
(:meth:`FlagQueueModel.mark`) the moment the key is pressed, while the write
runs on the window's writer, so a flag marked 已处理 stays where it was until
the next query and the reviewer keeps their place in the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from cxdesk.analysis.rule_labels import rule_label
from cxdesk.analysis.session_risk import FLAG_LABELS
from cxdesk.roles import ROLE_LABELS
from cxdesk.store.risk_queue import FlagRow
from ui.models.paged_rows import PAGE_SIZE, Index, PagedRowsModel  # noqa: F401  (PAGE_SIZE re-exported)


COLUMNS = (
    ("level", "等级"),
    ("category", "类别"),
    ("status", "状态"),
    ("time", "时间"),
    ("who", "客服 / 买家"),
    ("excerpt", "内容"),
    ("score", "风险分"),
)
SCORE_COLUMN = len(COLUMNS) - 1
LEVEL_COLORS = {"高": QColor("#c62828"), "中": QColor("#b26a00"), "低": QColor("#757575")}
STATUS_COLORS = {
    "待处理": QColor("#c62828"),
    "处理中": QColor("#1f5fa8"),
    "已处理": QColor("#2e7d32"),
    "误报": QColor("#8a8a8a"),
}
# What a session flag (no words of its own) says: the same labels the risk score's reasons use.
SERVICE_LABELS = dict(FLAG_LABELS)
MAX_CELL_CHARS = 80


def short_agent(agent: str | None) -> str:
    """「店铺名:子账号」 shows as 子账号: the shop is in its own column of the detail."""
    if not agent:
        return ""
    return agent.split(":", 1)[-1] if ":" in agent else agent


def wait_text(seconds: float) -> str:
    s = int(round(seconds))
    if s < 120:
        return f"{s} 秒"
    if s < 7200:
        return f"{s // 60} 分 {s % 60} 秒"
    return f"{s / 3600:.1f} 小时"


def excerpt(row: FlagRow) -> str:
    """One line saying what was flagged."""
    if row.target_type == "session":
        label = rule_label(row.rule_id, row.category)
        ev = row.evidence if isinstance(row.evidence, dict) else {}
        if "wait_s" in ev:
            return f"{label}：等待 {wait_text(float(ev['wait_s']))}（第 {ev.get('seq')} 条消息）"
        if "seq" in ev:
            return f"{label}（第 {ev['seq']} 条消息起）"
        return label
    prefix = "评价" if row.target_type == "review" else ROLE_LABELS.get(row.role or "", "消息")
    text = " ".join((row.text or "").split())
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS] + "…"
    return f"{prefix}：{text}"


class FlagQueueModel(PagedRowsModel[FlagRow]):
    """Read-mostly table of :class:`cxdesk.store.risk_queue.FlagRow`."""

    COLUMNS = COLUMNS

    def flag(self, row: int) -> FlagRow | None:
        return self.row_at(row)

    def row_of(self, flag_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == flag_id), -1)

    def mark(self, rows: Iterable[int], status: str, *, handler: str | None = None, note: str | None = None) -> None:
        """Show a triage at once, without re-querying (the window's writer saves it meanwhile)."""
        for i in rows:
            r = self._rows[i]
            self._rows[i] = replace(r, status=status, handler=handler or r.handler, note=note or r.note)
            self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def replace_row(self, row: int, flag: FlagRow) -> None:
        self._rows[row] = flag
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # --- QAbstractTableModel -------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(row, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, key)
        if role == Qt.ItemDataRole.ForegroundRole:
            if key == "level":
                return QBrush(LEVEL_COLORS.get(row.shown_level, QColor("#333")))
            if key == "status":
                return QBrush(STATUS_COLORS.get(row.status, QColor("#333")))
            if row.status in ("已处理", "误报"):
                return QBrush(QColor("#9a9a9a"))
        if role == Qt.ItemDataRole.FontRole and key == "level":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("level", "status", "score"):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


def level_tip(row: FlagRow) -> str:
    """Why the row shows its level: the score it follows from, and the flag's own rule level."""
    what = "评价" if row.target_type == "review" else "会话"
    if row.score is None:
        return f"规则等级：{row.level}（{what}还没有风险分）"
    return f"{what}风险分 {row.score} → {row.shown_level}（等级由风险分得出）；本条规则等级：{row.level}"


def _text(row: FlagRow, key: str) -> str:
    if key == "time":
        return (row.event_at or "")[5:16]
    if key == "who":
        if row.target_type == "review":
            return row.buyer or ""
        return short_agent(row.agent) or row.buyer or ""
    if key == "excerpt":
        return excerpt(row)
    if key == "score":
        return "" if row.score is None else str(row.score)
    if key == "level":
        return row.shown_level or ""
    if key == "category":
        return categories_text(row)
    return str(getattr(row, key) or "")


def categories_text(row: FlagRow) -> str:
    """「退款退货纠纷、服务时效（3 条）」: every category of the item, and its flags when more than one."""
    cats = row.item_categories or (row.category,)
    n = len(row.flag_ids)
    return "、".join(cats) + (f"（{n} 条）" if n > 1 else "")


def _tooltip(row: FlagRow, key: str) -> str:
    if key == "time":
        return row.event_at or ""
    if key == "who":
        return f"店铺：{row.shop or ''}\n客服：{row.agent or '—'}\n买家：{row.buyer or '—'}"
    if key == "excerpt":
        return row.text or excerpt(row)
    if key == "score" and row.score is not None:
        return f"风险分 {row.score}（{row.score_level}）：{row.score_reasons or ''}"
    if key == "level":
        return level_tip(row)
    if key == "status" and row.handler:
        return f"{row.status} · {row.handler} · {row.handled_at or ''}" + (f"\n备注：{row.note}" if row.note else "")
    if key == "category":
        return (
            "规则："
            + rule_label(row.rule_id, row.category)
            + (f"\n本行共 {len(row.flag_ids)} 条风险，处理时一并标记" if len(row.flag_ids) > 1 else "")
        )
    return ""
