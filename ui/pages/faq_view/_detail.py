"""The detail pane of 常见问题: one cluster's label, numbers, wordings, questions, answers and 推荐回答.

The widget only shows and asks: every change goes out as a signal that the
page turns into a store call (rename, save answer, split, open a session).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cxdesk.store.faq import FaqAnswer, FaqCluster
from ui.models.faq_cluster_model import trend_text
from ui.models.faq_question_model import FaqQuestionModel
from ui.pages.faq_view._tasks import AnswersResult, DetailResult

ANSWER_COLUMNS = ("客服回答", "次数", "结束时正面", "结束时负面", "成交")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


class FaqDetailWidget(QWidget):
    sig_rename = Signal(str)
    sig_save_answer = Signal(str)
    sig_answer_sort = Signal(str)  # 'count' or 'outcome'
    sig_open_question = Signal(int)  # message id
    sig_split_new = Signal()
    sig_split_to = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cluster_id: int | None = None
        self._split_sized = False
        self.stack = QStackedWidget(self)
        self.nothing = QLabel("在左侧选择一类问题，查看买家的各种问法、客服的回答并整理推荐回答。", self)
        self.nothing.setWordWrap(True)
        self.nothing.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.nothing.setStyleSheet("color: #777;")
        self.stack.addWidget(self.nothing)
        self.stack.addWidget(self._build_body())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    # --- building ----------------------------------------------------------------------

    def _build_body(self) -> QWidget:
        body = QWidget(self)
        self.label_edit = QLineEdit(body)
        self.label_edit.setToolTip("问题的名称：改成店里习惯的说法后按回车或点「改名」，重新分析也会保留")
        font = self.label_edit.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.label_edit.setFont(font)
        self.rename_button = QPushButton("改名", body)
        self.rename_button.setEnabled(False)
        self._label = ""
        self.label_edit.textChanged.connect(
            lambda t: self.rename_button.setEnabled(bool(t.strip()) and t.strip() != self._label)
        )
        self.label_edit.returnPressed.connect(self._rename)
        self.rename_button.clicked.connect(self._rename)
        title_row = QHBoxLayout()
        title_row.addWidget(self.label_edit, 1)
        title_row.addWidget(self.rename_button)
        self.stats = QLabel(body)
        self.stats.setWordWrap(True)
        self.keywords = QLabel(body)
        self.keywords.setWordWrap(True)
        self.keywords.setStyleSheet("color: #555;")
        self.tabs = QTabWidget(body)
        self.tabs.addTab(self._build_questions_tab(), "问法与提问")
        self.tabs.addTab(self._build_answers_tab(), "客服回答")
        self.answer_edit = QPlainTextEdit(body)
        self.answer_edit.setPlaceholderText(
            "写下这类问题的推荐回答（可从「客服回答」里双击一条带入），保存后可导出为话术。"
        )
        self.answer_edit.setFixedHeight(64)
        self.answer_saved = QLabel(body)
        self.answer_saved.setStyleSheet("color: #777;")
        self.save_button = QPushButton("保存", body)
        self.save_button.setEnabled(False)
        self.answer_edit.textChanged.connect(lambda: self.save_button.setEnabled(self.cluster_id is not None))
        self.save_button.clicked.connect(lambda: self.sig_save_answer.emit(self.answer_edit.toPlainText()))
        answer_head = QHBoxLayout()
        answer_head.addWidget(QLabel("<b>推荐回答</b>", body))
        answer_head.addWidget(self.answer_saved, 1)
        answer_head.addWidget(self.save_button)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(title_row)
        layout.addWidget(self.stats)
        layout.addWidget(self.keywords)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(answer_head)
        layout.addWidget(self.answer_edit)
        return body

    def _build_questions_tab(self) -> QWidget:
        tab = QWidget(self)
        self.variants = QListWidget(tab)
        self.variants.setToolTip("相似问法：归一后相同的问题算一种问法，括号里是问过的次数")
        # A long wording is shortened in the middle (the count stays; the tooltip has it all), not scrolled sideways.
        self.variants.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.variants.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.variants_title = QLabel("<b>相似问法</b>", tab)
        self.question_model = FaqQuestionModel(self)
        self.questions = QTableView(tab)
        self.questions.setModel(self.question_model)
        self.questions.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.questions.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.questions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.questions.verticalHeader().hide()
        self.questions.verticalHeader().setDefaultSectionSize(22)
        self.questions.setWordWrap(False)
        self.questions.setAlternatingRowColors(True)
        header = self.questions.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.questions.setColumnWidth(0, 108)
        self.questions.setColumnWidth(2, 72)
        self.questions.doubleClicked.connect(self._question_double_clicked)
        self.questions.selectionModel().selectionChanged.connect(lambda *_: self._update_split_buttons())
        self.questions_title = QLabel(tab)
        self.questions_title.setWordWrap(True)
        self.questions_title.setToolTip("双击一条提问，在「会话」页打开那段对话")
        self.split_new_button = QPushButton("拆出为新问题…", tab)
        self.split_new_button.setToolTip("把选中的提问移出，单独成为一类新问题")
        self.split_to_button = QPushButton("移到其他问题…", tab)
        self.split_to_button.setToolTip("把选中的提问移到另一类已有的问题")
        self.split_new_button.clicked.connect(self.sig_split_new)
        self.split_to_button.clicked.connect(self.sig_split_to)
        left = QWidget(tab)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.variants_title)
        left_layout.addWidget(self.variants, 1)
        right = QWidget(tab)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.questions_title, 1)
        head.addWidget(self.split_new_button)
        head.addWidget(self.split_to_button)
        right_layout.addLayout(head)
        right_layout.addWidget(self.questions, 1)
        split = QSplitter(Qt.Orientation.Horizontal, tab)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        self.questions_split = split
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)
        self._update_split_buttons()
        return tab

    def _build_answers_tab(self) -> QWidget:
        tab = QWidget(self)
        self.by_count = QRadioButton("按次数", tab)
        self.by_outcome = QRadioButton("按效果", tab)
        self.by_outcome.setToolTip("会话结束时买家情绪越好（有订单时：成交越多）的回答越靠前")
        self.by_count.setChecked(True)
        group = QButtonGroup(tab)
        group.addButton(self.by_count)
        group.addButton(self.by_outcome)
        self.by_count.toggled.connect(lambda on: on and self.sig_answer_sort.emit("count"))
        self.by_outcome.toggled.connect(lambda on: on and self.sig_answer_sort.emit("outcome"))
        self.answers_status = QLabel(tab)
        self.answers_status.setStyleSheet("color: #777;")
        self.answers = QTableWidget(0, len(ANSWER_COLUMNS), tab)
        self.answers.setHorizontalHeaderLabels(list(ANSWER_COLUMNS))
        self.answers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.answers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.answers.verticalHeader().hide()
        self.answers.verticalHeader().setDefaultSectionSize(22)
        self.answers.setWordWrap(False)
        self.answers.setToolTip("客服在买家提出这类问题后的第一句回复；双击带入推荐回答")
        self.answers.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 50), (2, 76), (3, 76), (4, 50)):
            self.answers.setColumnWidth(col, width)
        self.answers.cellDoubleClicked.connect(self._use_answer)
        head = QHBoxLayout()
        head.addWidget(QLabel("排序：", tab))
        head.addWidget(self.by_count)
        head.addWidget(self.by_outcome)
        head.addWidget(self.answers_status, 1)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.answers, 1)
        return tab

    def _size_split(self) -> None:
        """Wordings get about a third of the tab until the user drags the handle (setSizes before show is lost)."""
        width = self.questions_split.width()
        if width > 300:
            self._split_sized = True
            self.questions_split.setSizes([int(width * 0.35), width - int(width * 0.35)])

    # --- showing -------------------------------------------------------------------------

    def show_nothing(self, text: str | None = None) -> None:
        self.cluster_id = None
        if text:
            self.nothing.setText(text)
        self.stack.setCurrentIndex(0)

    def show_detail(self, summary: FaqCluster | None, detail: DetailResult) -> None:
        """Show a loaded cluster; ``summary`` is its list row (size, share, trend under the filter)."""
        cluster = detail.cluster
        if cluster is None:
            self.show_nothing("这类问题已不存在（可能已被合并）。")
            return
        same = self.cluster_id == detail.cluster_id
        self.cluster_id = detail.cluster_id
        self.stack.setCurrentIndex(1)
        if not self._split_sized:
            QTimer.singleShot(0, self._size_split)  # once laid out
        self._label = cluster["label"]
        self.label_edit.setText(cluster["label"])
        self.label_edit.setCursorPosition(0)
        self.rename_button.setEnabled(False)
        self.stats.setText(self._stats_text(summary, cluster))
        kws = cluster["keywords"]
        self.keywords.setText("关键词：" + ("、".join(kws) if kws else "—"))
        self.variants.clear()
        for wording, n in detail.variants:
            item = QListWidgetItem(f"{wording}（{n}）")
            item.setToolTip(wording)
            self.variants.addItem(item)
        self.variants_title.setText(f"<b>相似问法</b>（{len(detail.variants)} 种）")
        self.question_model.set_questions(detail.questions)
        shown = len(detail.questions)
        self.questions_title.setText(
            f"<b>买家提问</b> {detail.total_questions:,} 次"
            + (f"（最近 {shown} 条）" if shown < detail.total_questions else "")
            + "，双击看会话"
        )
        self._update_split_buttons()
        if not same or not self.save_button.isEnabled():
            self.answer_edit.setPlainText(cluster["recommended_answer"] or "")
            self.save_button.setEnabled(False)
        saved = cluster.get("answer_saved_at")
        self.answer_saved.setText(f"已保存于 {saved}" if saved else "尚未保存")
        if not same:
            self.answers.setRowCount(0)
            self.answers_status.setText("正在统计客服回答…")

    def _stats_text(self, summary: FaqCluster | None, cluster: dict) -> str:
        flags = ("【置顶】" if cluster["pinned"] else "") + ("【已隐藏】" if cluster["hidden"] else "")
        if summary is None:
            return f"{flags}共 {cluster['size']:,} 次提问"
        trend = trend_text(summary)
        color = "#c9302c" if summary.rising else "#333"
        return (
            f"{flags}共 <b>{summary.size:,}</b> 次提问，占全部问题的 <b>{summary.share:.1%}</b>；"
            f"最近一周 {summary.current} 次，前一周 {summary.previous} 次，"
            f"趋势 <span style='color:{color}'><b>{trend}</b></span>"
        )

    def show_answers(self, result: AnswersResult) -> None:
        if result.cluster_id != self.cluster_id:
            return
        rows: list[FaqAnswer] = result.answers
        self.answers.setRowCount(len(rows))
        for r, a in enumerate(rows):
            values = (
                " ".join(a.text.split()),
                f"{a.count:,}",
                _pct(a.end_positive if a.sessions else None),
                _pct(a.end_negative if a.sessions else None),
                _pct(a.conversion),
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col == 0:
                    item.setToolTip(a.text)
                    item.setData(Qt.ItemDataRole.UserRole, a.text)
                else:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.answers.setItem(r, col, item)
        order = "按次数" if result.sort == "count" else "按会话结束时的效果"
        self.answers_status.setText(f"{len(rows)} 种回答，{order}排列" if rows else "还没有客服回答过这类问题")

    def answer_sort(self) -> str:
        return "outcome" if self.by_outcome.isChecked() else "count"

    # --- questions ------------------------------------------------------------------------

    def selected_message_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.questions.selectionModel().selectedRows()})
        return [q.message_id for q in (self.question_model.question(r) for r in rows) if q is not None]

    def select_questions(self, rows: list[int]) -> None:
        sel = self.questions.selectionModel()
        sel.clearSelection()
        for r in rows:
            sel.select(
                self.question_model.index(r, 0),
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _update_split_buttons(self) -> None:
        on = bool(self.questions.selectionModel().selectedRows())
        self.split_new_button.setEnabled(on)
        self.split_to_button.setEnabled(on)

    def _question_double_clicked(self, index) -> None:  # noqa: ANN001
        q = self.question_model.question(index.row())
        if q is not None:
            self.sig_open_question.emit(q.message_id)

    def _rename(self) -> None:
        text = self.label_edit.text().strip()
        if text and self.cluster_id is not None:
            self.sig_rename.emit(text)
            self.rename_button.setEnabled(False)

    def _use_answer(self, row: int, _col: int) -> None:
        item = self.answers.item(row, 0)
        if item is not None:
            self.answer_edit.setPlainText(str(item.data(Qt.ItemDataRole.UserRole)))
