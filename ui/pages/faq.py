"""常见问题: the questions buyers ask again and again, how often, whether they are rising, and the best answer.

Left: the filter bar (search, product, sort), the cluster list (pinned
first; rising ones marked red) with the curation buttons and a chart of the
top clusters over time. Right: the selected cluster's label (editable),
numbers, wordings (相似问法), example questions (double-click opens the
conversation on 会话 through ``sig_open_session``), the agents' answers
ranked by frequency or by outcome, and the editable 推荐回答.

Every read runs in the background (:mod:`ui.pages.faq_view._tasks`): the
list and the detail in a few ms on the demo, the answers of a big cluster
in seconds. Curation (rename, pin, hide, merge, split, save) is an
operation of :mod:`cxdesk.ops.faq` run on the window's one writer; its
changes (``FAQ`` / ``ANSWERS``) reload this page and 会话's FAQ marks.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelection, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cxdesk.ops import ANALYSIS, ANSWERS, BATCHES, BUYERS, CHATS, FAQ, ORDERS, REVIEWS, SHOPS, OpChanges
from cxdesk.ops import faq as faq_ops
from cxdesk.store.faq import FaqCluster
from ui.models.faq_cluster_model import FaqClusterModel
from ui.pages.base import BasePage, PageContext
from ui.pages.faq_view._detail import FaqDetailWidget
from ui.pages.faq_view._filters import FaqFilterBarWidget
from ui.pages.faq_view._tasks import (
    AnswersResult,
    DetailResult,
    FaqQuery,
    ListResult,
    load_answers,
    load_detail,
    load_list,
)
from ui.widgets.compact_chart import CompactChartWidget
from ui.workers import Job

NO_FAQ_WITH_DATA = (
    "已导入数据，但还没有整理出常见问题：导入客服聊天记录后点左下角「分析数据」，完成后这里列出买家反复问的问题。"
)
CHART_HEIGHT = 190


class FaqPage(BasePage):
    key = "faq"
    title = "常见问题"
    icon = QStyle.StandardPixmap.SP_MessageBoxQuestion
    empty_title = "还没有整理出常见问题"
    empty_description = (
        "这里将把买家反复询问的问题归成一类类常见问题，按出现次数排序，并给出客服回答得最好的答案，方便整理成快捷短语。"
    )
    empty_how_to = "先在「导入」页导入客服聊天记录，然后运行分析。"

    sig_loaded = Signal()
    sig_detail_loaded = Signal(int)
    sig_answers_loaded = Signal(int)
    sig_open_session = Signal(int, object)  # (session id, message id): the main window shows it on 会话
    sig_curated = Signal(str)  # what was done, e.g. 「已合并 2 类问题」
    # The clusters and their answers, the analysis that makes them, the imported data they come from.
    watches = frozenset({FAQ, ANSWERS, ANALYSIS, SHOPS, BATCHES, REVIEWS, CHATS, ORDERS, BUYERS})

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.repo = ctx.store.faq
        self.result: ListResult | None = None
        self._stale = True
        self._pending: int | None = None  # a cluster to select once the list has loaded
        # Injectable for tests: a yes/no question, a text (None: cancelled), a choice among labels.
        self.confirm: Callable[[str, str], bool] = self._ask
        self.ask_text: Callable[[str, str, str], str | None] = self._ask_text
        self.ask_choice: Callable[[str, str, list[str]], int | None] = self._ask_choice
        self.build_faces(self._build_content())
        self.refresh()

    # --- building -----------------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content = QWidget(self)
        self.filter_bar = FaqFilterBarWidget(content)
        self.filter_bar.sig_changed.connect(self.load)
        self.model = FaqClusterModel(self)
        self.model.sig_sort_requested.connect(self.filter_bar.set_sort)
        self.view = QTableView(content)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.setSortingEnabled(False)
        header = self.view.horizontalHeader()
        header.setSectionsClickable(True)
        header.sectionClicked.connect(lambda col: self.model.sort(col))
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 52), (2, 52), (3, 50), (4, 96)):
            self.view.setColumnWidth(col, width)
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        self.pin_button = QPushButton("置顶", content)
        self.pin_button.setToolTip("置顶的问题总排在最前（再点一次取消）")
        self.hide_button = QPushButton("隐藏", content)
        self.hide_button.setToolTip("不是真正的问题（如寒暄）就隐藏；勾选「显示已隐藏」可找回")
        self.merge_button = QPushButton("合并所选", content)
        self.merge_button.setToolTip("按住 Ctrl 选中多类问题，合并成一类（保留次数最多那类的名称和推荐回答）")
        self.pin_button.clicked.connect(self.toggle_pin)
        self.hide_button.clicked.connect(self.toggle_hidden)
        self.merge_button.clicked.connect(self.merge_selected)
        actions = QHBoxLayout()
        actions.addWidget(self.pin_button)
        actions.addWidget(self.hide_button)
        actions.addWidget(self.merge_button)
        actions.addStretch(1)
        self.chart = CompactChartWidget(CHART_HEIGHT, "正在准备走势图…", content)
        self.chart.sig_picked.connect(self._chart_picked)
        left = QWidget(content)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.view, 1)
        left_layout.addLayout(actions)
        left_layout.addWidget(self.chart)
        self.detail = FaqDetailWidget(content)
        self.detail.sig_rename.connect(self.rename)
        self.detail.sig_save_answer.connect(self.save_answer)
        self.detail.sig_answer_sort.connect(lambda _s: self._load_answers())
        self.detail.sig_open_question.connect(self.open_question)
        self.detail.sig_split_new.connect(self.split_to_new)
        self.detail.sig_split_to.connect(self.split_to_existing)
        self.split = QSplitter(Qt.Orientation.Horizontal, content)
        self.split.addWidget(left)
        self.split.addWidget(self.detail)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([520, 600])
        layout = QVBoxLayout(content)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.split, 1)
        self._update_actions()
        return content

    # --- loading ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Data changed (import, analysis, curation): reload now if shown, else when next shown."""
        has_faq = self.repo.counts()[0] > 0
        self.stack.setCurrentIndex(1 if has_faq else 0)
        has_data = not self.ctx.store.is_empty()
        self.empty_state.how_to_label.setText(NO_FAQ_WITH_DATA if has_data else self.empty_how_to)
        self.action_button.setVisible(not has_data)
        self._stale = has_faq
        if not has_faq:
            self.model.set_clusters([])
            self.detail.show_nothing()
        elif self.isVisible():
            self.load()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.load()

    def load(self, query: FaqQuery | None = None) -> None:
        """Query the list for the filter bar (or ``query``) in the background; a newer call replaces it."""
        self._stale = False
        query = query or self.filter_bar.query()
        self.filter_bar.summary.setText("正在查询…")
        job = Job(self, load_list, self.ctx.store.path, query, label="查询常见问题")
        job.without_progress_dialog().on_success(self._apply_list)
        self.ctx.jobs.start(self.key, job)

    def _apply_list(self, result: ListResult) -> None:
        self.result = result
        self.filter_bar.set_products(result.products)
        self.filter_bar.set_shops(list(result.shops))
        keep = self._pending if self._pending is not None else self.detail.cluster_id
        self._pending = None
        with QSignalBlocker(self.view.selectionModel()):
            self.model.set_clusters(result.clusters)
        questions, clustered, visible = result.counts
        shown = len(result.clusters)
        self.filter_bar.summary.setText(
            f"{visible:,} 类问题，共 {clustered:,} 次提问"
            if shown == visible
            and not result.query.search
            and not result.query.product
            and result.query.shop_id is None
            else f"显示 {shown:,} 类（共 {visible:,} 类，{clustered:,} 次提问）"
        )
        self._draw_chart(result)
        row = self.model.row_of(keep) if keep is not None else -1
        if row < 0 and shown:
            row = 0
        if row >= 0:
            with QSignalBlocker(self.view.selectionModel()):
                self.view.selectRow(row)
            self.view.scrollTo(self.model.index(row, 0))
            self.load_detail(self.model.clusters[row].id)  # fresh numbers after a change, too
        else:
            self.detail.show_nothing("没有符合条件的问题。" if questions else None)
        self._update_actions()
        self.sig_loaded.emit()

    def _draw_chart(self, result: ListResult) -> None:
        from ui.pages.faq_view._figures import timeline_figure

        width = max(3.0, self.chart.width() / 100) if self.chart.width() > 100 else 5.2
        self.chart.set_figure(
            timeline_figure(
                result.timeline, result.chart_labels, result.query.bucket, width=width, height=CHART_HEIGHT / 100
            )
        )

    def _chart_picked(self, gid: str) -> None:
        kind, _, value = gid.partition(":")
        if kind == "cluster" and value.isdigit():
            row = self.model.row_of(int(value))
            if row >= 0:
                self.view.selectRow(row)

    # --- the selected cluster -------------------------------------------------------------

    def selected_clusters(self) -> list[FaqCluster]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [c for c in (self.model.cluster(r) for r in rows) if c is not None]

    def current_cluster(self) -> FaqCluster | None:
        current = self.view.currentIndex()
        selected = self.selected_clusters()
        if current.isValid() and any(c.id == self.model.cluster(current.row()).id for c in selected):
            return self.model.cluster(current.row())
        return selected[0] if selected else None

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_actions()
        cluster = self.current_cluster()
        if cluster is None:
            return
        if cluster.id != self.detail.cluster_id or self.detail.stack.currentIndex() == 0:
            self.load_detail(cluster.id)

    def load_detail(self, cluster_id: int) -> None:
        product = self.result.query.product if self.result else None
        shop_id = self.result.query.shop_id if self.result else None
        job = Job(self, load_detail, self.ctx.store.path, cluster_id, product, shop_id, label="读取问题详情")
        job.without_progress_dialog().on_success(self._apply_detail)
        self.ctx.jobs.start(f"{self.key}.detail", job)

    def _apply_detail(self, detail: DetailResult) -> None:
        row = self.model.row_of(detail.cluster_id)
        self.detail.show_detail(self.model.cluster(row) if row >= 0 else None, detail)
        self._update_actions()
        self.sig_detail_loaded.emit(detail.cluster_id)
        if detail.cluster is not None:
            self._load_answers()

    def _load_answers(self) -> None:
        cid = self.detail.cluster_id
        if cid is None:
            return
        self.detail.answers_status.setText("正在统计客服回答…")
        job = Job(self, load_answers, self.ctx.store.path, cid, self.detail.answer_sort(), label="统计客服回答")
        job.without_progress_dialog().on_success(self._apply_answers)
        self.ctx.jobs.start(f"{self.key}.answers", job)

    def _apply_answers(self, result: AnswersResult) -> None:
        self.detail.show_answers(result)
        self.sig_answers_loaded.emit(result.cluster_id)

    def open_cluster(self, cluster_id: int) -> None:
        """Show one cluster (from 会话's FAQ marks): filters are cleared so that it is listed."""
        cluster = self.repo.cluster(cluster_id)
        if cluster is None:
            return
        self.stack.setCurrentIndex(1)
        row = self.model.row_of(cluster_id)
        if row >= 0 and not self._stale:
            self.view.selectRow(row)
            self.view.scrollTo(self.model.index(row, 0))
            return
        self._pending = cluster_id
        self.filter_bar.clear_filters(show_hidden=bool(cluster["hidden"]))
        self.load()

    def open_question(self, message_id: int) -> None:
        """Double-click on a question: its conversation on 会话, scrolled to it."""
        session = self.repo.message_sessions([message_id]).get(message_id)
        if session is not None:
            self.sig_open_session.emit(session, message_id)

    def _update_actions(self) -> None:
        selected = self.selected_clusters()
        one = selected[0] if len(selected) == 1 else None
        self.pin_button.setEnabled(one is not None)
        self.hide_button.setEnabled(one is not None)
        self.pin_button.setText("取消置顶" if one is not None and one.pinned else "置顶")
        self.hide_button.setText("取消隐藏" if one is not None and one.hidden else "隐藏")
        self.merge_button.setEnabled(len(selected) >= 2)

    # --- curation -------------------------------------------------------------------------

    def _curate(
        self, op: Callable[..., OpChanges], *args: object, label: str, then: Callable[[OpChanges], None] | None = None
    ) -> None:
        """Run a curation operation (:mod:`cxdesk.ops.faq`) on the window's writer; when it is done
        ``then(changes)`` runs, and the operation's changes reload this page (and 会话's FAQ marks)."""

        def done(changes: OpChanges) -> None:
            if then is not None:
                then(changes)
            self.sig_curated.emit(changes.summary)

        self.ctx.ops.run(
            self, op, *args, label=label, origin=self.key, on_done=done, progress=False, keep_on_close=True
        )

    def rename(self, label: str) -> None:
        cid = self.detail.cluster_id
        label = label.strip()
        if cid is None or not label:
            return
        self._curate(faq_ops.rename, cid, label, label="问题改名")

    def save_answer(self, text: str) -> None:
        cid = self.detail.cluster_id
        if cid is None:
            return

        def saved(_changes: OpChanges) -> None:
            self.detail.save_button.setEnabled(False)

        self._curate(faq_ops.save_answer, cid, text, label="保存推荐回答", then=saved)

    def toggle_pin(self) -> None:
        selected = self.selected_clusters()
        if len(selected) != 1:
            return
        c = selected[0]
        self._curate(faq_ops.set_pinned, c.id, not c.pinned, label="取消置顶" if c.pinned else "置顶问题")

    def toggle_hidden(self) -> None:
        selected = self.selected_clusters()
        if len(selected) != 1:
            return
        c = selected[0]
        if not c.hidden and not self.confirm(
            "隐藏问题",
            f"隐藏「{c.label}」（{c.size:,} 次提问）？\n隐藏后不在列表和导出中显示，勾选「显示已隐藏」可找回。",
        ):
            return

        def hidden(_changes: OpChanges) -> None:
            if not c.hidden and not self.filter_bar.show_hidden.isChecked():
                self.detail.show_nothing()

        self._curate(faq_ops.set_hidden, c.id, not c.hidden, label="取消隐藏" if c.hidden else "隐藏问题", then=hidden)

    def merge_selected(self) -> None:
        """Merge the selected clusters into the most asked of them, after asking."""
        selected = self.selected_clusters()
        if len(selected) < 2:
            return
        target = max(selected, key=lambda c: (c.pinned, c.size))
        others = [c for c in selected if c.id != target.id]
        names = "\n".join(f"· {c.label}（{c.size:,} 次）" for c in others)
        if not self.confirm(
            "合并问题",
            f"把下面 {len(others)} 类问题并入「{target.label}」？\n{names}\n\n"
            "合并后这些问题的名称不再保留（推荐回答只在目标没有时沿用）。",
        ):
            return
        self._curate(
            faq_ops.merge, target.id, [c.id for c in others], label="合并问题", then=lambda _c: self._select(target.id)
        )

    def split_to_new(self) -> None:
        """Move the selected questions out into a new cluster named by the user."""
        ids = self.detail.selected_message_ids()
        if not ids or self.detail.cluster_id is None:
            return
        first = self.detail.question_model.question(self.detail.questions.currentIndex().row())
        label = self.ask_text(
            "拆出为新问题",
            f"把选中的 {len(ids)} 条提问拆出，新问题的名称：",
            first.question if first is not None else "",
        )
        if label is None or not label.strip():
            return
        self._curate(
            faq_ops.split_to_new, ids, label.strip(), label="拆出问题", then=lambda c: self._select(int(c.value))
        )

    def split_to_existing(self) -> None:
        """Move the selected questions to another cluster the user picks."""
        ids = self.detail.selected_message_ids()
        cid = self.detail.cluster_id
        if not ids or cid is None:
            return
        choices = [(i, label, n) for i, label, n in self.repo.cluster_labels() if i != cid]
        if not choices:
            return
        index = self.ask_choice(
            "移到其他问题", f"把选中的 {len(ids)} 条提问移到：", [f"{label}（{n:,} 次）" for _i, label, n in choices]
        )
        if index is None:
            return
        self._curate(faq_ops.move_questions, ids, choices[index][0], label="移动提问")

    def _select(self, cluster_id: int) -> None:
        """Select this cluster once the list has reloaded (after a merge or a split)."""
        self._pending = cluster_id

    # --- dialogs (replaced in tests) --------------------------------------------------------

    def _ask(self, title: str, question: str) -> bool:
        return QMessageBox.question(self, title, question) == QMessageBox.StandardButton.Yes

    def _ask_text(self, title: str, prompt: str, default: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, prompt, text=default)
        return text if ok else None

    def _ask_choice(self, title: str, prompt: str, items: list[str]) -> int | None:
        item, ok = QInputDialog.getItem(self, title, prompt, items, 0, False)
        return items.index(item) if ok and item in items else None


if __name__ == "__main__":
    import sys

    from ui.pages._preview import preview

    raise SystemExit(preview(FaqPage, sys.argv[1] if len(sys.argv) > 1 else None))
