"""Drill-down of 客服绩效: the sessions behind a number, and each conversation read-only.

The dialog gets the rows and a ``load(session_id)`` callable from the page
(it never queries the store itself). A slow or unanswered reply is shown
with the waiting buyer message and the late reply marked, the way the
风险 page marks 服务时效 flags, through a flag made up for this view only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cxdesk.store.risk_queue import Conversation, FlagRow
from ui.models.agent_drill_model import MAX_ROWS, AgentDrillModel
from ui.widgets.conversation_view import ConversationViewWidget

FLAG_FIELDS = FlagRow.__dataclass_fields__


if TYPE_CHECKING:
    import pandas as pd


def _missing(value) -> bool:
    """None, NaN or pandas' NA (without importing pandas)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pd.NA
        return True


def view_flag(row: pd.Series, conv: Conversation, agent: str | None) -> FlagRow | None:
    """A flag (never stored) that makes the conversation view mark this row's buyer turn and reply."""
    seq = int(row["seq"])
    if seq < 0:
        return None
    reply = int(row["reply_seq"])
    evidence: dict = {"seq": seq}
    rule = "service.unanswered"
    if reply >= 0:
        rule = "service.slow_reply"
        evidence.update(reply_seq=reply, agent=agent)
        if not _missing(row["wait"]):
            evidence["wait_s"] = float(row["wait"])
    values = {name: None for name in FLAG_FIELDS}
    values.update(
        id=-1,
        target_type="session",
        target_id=conv.session.id,
        rule_id=rule,
        category="服务时效",
        level="低",
        status="待处理",
        evidence=evidence,
        session_id=conv.session.id,
        seq=seq,
    )
    return FlagRow(**values)


class AgentDrillDialog(QDialog):
    """List on top, the selected conversation below; 「在会话中打开」 shows it on the 会话 page."""

    sig_open_session = Signal(int, object)  # (session id, message id or None)

    def __init__(
        self,
        title: str,
        note: str,
        rows: pd.DataFrame,
        heads: dict,
        load: Callable[[int], Conversation | None],
        agent: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(980, 640)
        self._load, self._agent = load, agent
        total = len(rows)
        shown = min(total, MAX_ROWS)
        self.count_label = QLabel(
            f"{note}：共 {total:,} 条"
            + (f"（列出前 {shown:,} 条）" if shown < total else "")
            + ("。选中一行查看会话。" if total else "。"),
            self,
        )
        self.model = AgentDrillModel(rows, heads, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(22)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.conversation = ConversationViewWidget(self)
        self.conversation.clear_view("<p style='color:#888'>在上面的列表中选中一行，这里显示整段会话（只读）。</p>")
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.view)
        split.addWidget(self.conversation)
        split.setSizes([240, 380])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        self.open_session_button = buttons.addButton("在会话中打开", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_session_button.setToolTip("在「会话」页打开这段对话（定位到相关的消息），可用 Alt+← 回到这里")
        self.open_session_button.setEnabled(False)
        self.open_session_button.clicked.connect(self._open_session)
        self._target: tuple[int, int | None] | None = None
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.count_label)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        if self.model.rowCount():
            self.view.selectRow(0)

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.view.selectionModel().selectedRows()
        row = self.model.row_data(rows[0].row()) if rows else None
        if row is not None:
            self.show_row(row)

    def _open_session(self) -> None:
        if self._target is not None:
            self.sig_open_session.emit(*self._target)

    def show_row(self, row: pd.Series) -> None:
        conv = self._load(int(row["session_id"]))
        self._target = None
        self.open_session_button.setEnabled(conv is not None)
        if conv is not None:
            # The agent's reply when the number is about a reply (a slow one), else the buyer's message.
            seq = next((int(row[k]) for k in ("reply_seq", "seq") if k in row and not _missing(row[k])), None)
            message = next((m.id for m in conv.messages if seq is not None and m.seq == seq), None)
            self._target = (int(row["session_id"]), message)
        if conv is None:
            self.conversation.clear_view("<p style='color:#888'>这个会话已不在数据库中（可能已撤销导入）。</p>")
            return
        flag = view_flag(row, conv, self._agent)
        if flag is not None:
            conv = replace(conv, flags=[*conv.flags, flag])
        self.conversation.show_conversation(conv, flag)
