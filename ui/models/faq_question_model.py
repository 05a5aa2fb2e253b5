"""Example questions of one 常见问题 cluster as a Qt table model (at most a few hundred rows)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from cxdesk.store.faq import FaqQuestion

COLUMNS = ("提问时间", "买家原话", "会话")
Index = QModelIndex | QPersistentModelIndex


class FaqQuestionModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.questions: list[FaqQuestion] = []

    def set_questions(self, questions: list[FaqQuestion]) -> None:
        self.beginResetModel()
        self.questions = list(questions)
        self.endResetModel()

    def question(self, row: int) -> FaqQuestion | None:
        return self.questions[row] if 0 <= row < len(self.questions) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.questions)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        q = self.question(index.row()) if index.isValid() else None
        if q is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return (q.asked_at or "")[:16]
            if index.column() == 1:
                return " ".join((q.text or q.question).split())
            return q.session_id
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [q.text or q.question, f"归一后：{q.question}" if q.question else ""]
            if q.product:
                lines.append(f"商品：{q.product}")
            if q.manual:
                lines.append("（已手动归类）")
            lines.append("双击在「会话」中打开")
            return "\n".join(line for line in lines if line)
        if role == Qt.ItemDataRole.UserRole:
            return q.message_id
        return None
