"""设置: where things are (database, data and resource folders) and versions.

数据库 (:meth:`SettingsPage._build_database`) names the store the window works on — the local file,
or the team database's address without its password — with 「连接团队数据库…」 and, on a team
database, 「回到本机数据库」; the switching itself is the app's (``ui.app`` sets
``team_db_handler`` and ``local_db_handler``). On a team database the file backups do not apply
(the server's own backups keep the data), so 数据库备份 gives way to a note saying so.

Real content from the start: when something goes wrong, the first question
is "which database and which rule files is it using?", and this page
answers it. It also lists each risk rule's hits and the share of them
people marked 误报, so noisy rules stand out (re-read whenever the page is
shown: triage on 风险 changes the shares, and while the page is hidden its
operations only mark it stale).
评价方面词表 opens :class:`ui.widgets.aspect_lexicon_dialog.AspectLexiconDialog`
(category packs on/off, the shop's own words; cxdesk.analysis.aspect_lexicon_edit).
买家个人数据 opens :class:`ui.widgets.buyer_data_dialog.BuyerDataDialog` (delete one buyer's
data by nick: cxdesk.ops.buyer_data; not offered on a read-only store).
Every change made here (the user's rules, the lexicon, the capability weights) is an
operation of :mod:`cxdesk.ops` (rules, lexicon, weights) run on the window's one writer
(:mod:`ui.widgets.settings_ops`); the page then re-reads what it changed, and other
pages hear of it through the operation's changes. Folder opening goes through an
injectable ``open_url`` so tests never launch a file manager.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cxdesk import __version__ as app_version
from cxdesk.errors import CxdeskError
from cxdesk.ops import ANALYSIS, BATCHES, BUYERS, CHATS, FLAGS, LEXICON, REVIEWS, RULES, SHOPS, WEIGHTS, OpChanges
from cxdesk.paths import data_dir, resources_dir, user_resources_dir
from ui.models.rule_stats_model import RuleStatsModel
from ui.pages.base import BasePage, PageContext
from ui.settings import settings_path


def _section_title(text: str, parent: QWidget) -> QLabel:
    """A bold section heading of the page (风险规则…, 评价方面词表)."""
    title = QLabel(text, parent)
    font = title.font()
    font.setBold(True)
    title.setFont(font)
    return title


def _selectable(text: str, parent: QWidget, *, wrap: bool = True) -> QLabel:
    label = QLabel(text, parent)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(wrap)
    return label


def _section(box: QWidget, title: str, *parts: QWidget | QLayout) -> QVBoxLayout:
    """Lay ``box`` out as one section of the page: its bold title, then ``parts`` (widgets or rows)."""
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 8, 0, 0)
    layout.setSpacing(4)
    layout.addWidget(_section_title(title, box))
    for part in parts:
        if isinstance(part, QLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part)
    return layout


def _text_and_button(text: QWidget, button: QPushButton) -> QHBoxLayout:
    """A section's note or summary beside the button that acts on it (top-aligned)."""
    row = QHBoxLayout()
    row.addWidget(text, 1)
    row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
    return row


class SettingsPage(BasePage):
    """Paths, schema version and program versions; buttons open the folders."""

    key = "settings"
    title = "设置"
    icon = QStyle.StandardPixmap.SP_FileDialogListView
    # The rule table (hits, 误报 shares), the lexicon summary, the weights and the per-shop models.
    watches = frozenset({RULES, LEXICON, WEIGHTS, FLAGS, ANALYSIS, SHOPS, BATCHES, REVIEWS, CHATS, BUYERS})

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._stale = False  # data changed while hidden: re-read everything when next shown
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setVerticalSpacing(12)
        self.schema_label = _selectable("", self)
        self.db_label = _selectable("", self)
        self.db_label.setObjectName("currentStore")
        self.form.addRow("数据库：", self._build_database(self))
        self.form.addRow("数据库结构版本：", self.schema_label)
        self.models_label = _selectable("", self)
        self.models_label.setObjectName("sentimentModels")
        self.form.addRow("情感模型：", self.models_label)
        self.form.addRow("数据文件夹：", self._folder_row(data_dir(), "data"))
        self.form.addRow("内置资源文件夹：", self._folder_row(resources_dir(), "resources"))
        self.form.addRow("自定义资源文件夹：", self._folder_row(user_resources_dir(), "user_resources"))
        hint = _selectable("放入与内置资源同名的文件（如词表、规则包），即可替换内置版本。", self, wrap=False)
        hint.setStyleSheet("color: #666;")
        self.form.addRow("", hint)
        self.form.addRow("界面设置文件：", _selectable(str(settings_path()), self))
        self.form.addRow("程序版本：", _selectable(f"cxdesk {app_version}", self))
        self.form.addRow("界面库版本：", _selectable(f"PySide6 {pyside_version}（Qt {qVersion()}）", self))
        heading = QLabel("设置与信息", self)
        font = heading.font()
        font.setPointSize(20)
        font.setBold(True)
        heading.setFont(font)
        body = QWidget(self)
        body.setMaximumWidth(900)  # keep the 「打开文件夹」 buttons near their paths
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(16)
        body_layout.addWidget(heading)
        body_layout.addLayout(self.form)
        body_layout.addWidget(self._build_rules(body), 1)
        body_layout.addWidget(self._build_lexicon(body))
        from ui.widgets.capability_weights import CapabilityWeightsWidget

        self.weights_widget = CapabilityWeightsWidget(body, ops=ctx.ops)
        body_layout.addWidget(self.weights_widget)
        from ui.widgets.backup_panel import BackupPanel

        self.backup_panel = BackupPanel(ctx.store, body)  # 数据库备份: list, back up now, restore (ui.app reopens)
        body_layout.addWidget(self.backup_panel)
        if self.on_team_db:  # file backups do not apply to a store on a server
            self.backup_panel.hide()
            body_layout.addWidget(self._build_server_backup_note(body))
        body_layout.addWidget(self._build_buyer_data(body))
        body.setMinimumHeight(920)  # below that the page scrolls: the rule table keeps ~8 rows
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 16, 16)
        layout.addWidget(scroll, 1)
        self.refresh()

    @property
    def on_team_db(self) -> bool:
        """True when the window works on the team database (PostgreSQL), not a local file."""
        return self.ctx.store.engine == "postgresql"

    def _build_database(self, parent: QWidget) -> QWidget:
        """数据库: the current store and the buttons that switch between the local file and the team database."""
        box = QWidget(parent)
        self.db_kind_label = QLabel(box)
        self.db_kind_label.setObjectName("storeKind")
        self.team_db_button = QPushButton("连接团队数据库…", box)
        self.team_db_button.setObjectName("connectTeamDb")
        self.team_db_button.setToolTip("连接店里几位客服共用的 PostgreSQL 团队数据库")
        self.local_db_button = QPushButton("回到本机数据库", box)
        self.local_db_button.setObjectName("backToLocalDb")
        self.local_db_button.setToolTip("断开团队数据库，回到这台电脑上的数据库文件")
        self.local_db_button.setVisible(self.on_team_db)
        self.team_db_handler: Callable[[], object] | None = None
        self.local_db_handler: Callable[[], object] | None = None
        self.team_db_button.clicked.connect(lambda: self.team_db_handler() if self.team_db_handler else None)
        self.local_db_button.clicked.connect(lambda: self.local_db_handler() if self.local_db_handler else None)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.db_kind_label)
        top.addWidget(self.db_label, 1)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.team_db_button)
        buttons.addWidget(self.local_db_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(buttons)
        return box

    def _build_server_backup_note(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        box.setObjectName("serverBackupNote")
        note = _selectable(
            "现在连接的是团队数据库：它的备份由数据库服务器负责（例如在服务器上每天用 pg_dump 备份），"
            "这台电脑上不为它做文件备份。回到本机数据库后，这里会列出本机数据库文件的备份。",
            box,
        )
        note.setStyleSheet("color: #666;")
        _section(box, "数据库备份", note)
        return box

    def _build_rules(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        self.rules_note = _selectable("", box)
        self.rules_note.setStyleSheet("color: #666;")
        self.rule_stats = RuleStatsModel(self)
        self.rules_view = QTableView(box)
        self.rules_view.setObjectName("ruleStats")
        self.rules_view.setModel(self.rule_stats)
        self.rules_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rules_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rules_view.verticalHeader().hide()
        self.rules_view.verticalHeader().setDefaultSectionSize(22)
        self.rules_view.setSortingEnabled(True)
        self.rules_view.horizontalHeader().setSortIndicator(3, Qt.SortOrder.DescendingOrder)
        self.rules_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.rules_view.horizontalHeader().setStretchLastSection(True)
        self.rules_view.setMinimumHeight(150)
        self.rules_view.selectionModel().selectionChanged.connect(self._update_rule_buttons)
        buttons = QHBoxLayout()
        self.add_rule_button = QPushButton("添加自定义规则…", box)
        self.edit_rule_button = QPushButton("编辑…", box)
        self.delete_rule_button = QPushButton("删除", box)
        self.add_rule_button.clicked.connect(lambda: self.edit_user_rule(None))
        self.edit_rule_button.clicked.connect(lambda: self.edit_user_rule(self._selected_user_rule()))
        self.delete_rule_button.clicked.connect(self.delete_selected_rule)
        hint = QLabel("只能编辑和删除您自己添加的规则；要改内置规则，可把规则包复制到自定义资源文件夹后修改。", box)
        hint.setStyleSheet("color: #666;")
        hint.setWordWrap(True)
        buttons.addWidget(self.add_rule_button)
        buttons.addWidget(self.edit_rule_button)
        buttons.addWidget(self.delete_rule_button)
        buttons.addWidget(hint, 1)
        self._update_rule_buttons()
        layout = _section(box, "风险规则：命中次数与误报占比", self.rules_note, self.rules_view, buttons)
        layout.setStretchFactor(self.rules_view, 1)
        return box

    def _build_lexicon(self, parent: QWidget) -> QWidget:
        """评价方面词表: what the lexicon holds now, and the button opening its editor."""
        box = QWidget(parent)
        self.lexicon_label = _selectable("", box)
        self.lexicon_label.setObjectName("lexiconSummary")
        self.lexicon_label.setStyleSheet("color: #666;")
        self.lexicon_button = QPushButton("编辑评价方面词表…", box)
        self.lexicon_button.setObjectName("editLexicon")
        self.lexicon_button.clicked.connect(self.edit_lexicon)
        _section(box, "评价方面词表", _text_and_button(self.lexicon_label, self.lexicon_button))
        return box

    def _build_buyer_data(self, parent: QWidget) -> QWidget:
        """买家个人数据: the button opening 「删除买家数据」 (a buyer asked the shop to delete their data)."""
        box = QWidget(parent)
        note = _selectable(
            "买家要求删除个人数据时，可按昵称删除其评价、聊天记录、订单及由此得出的分析结果；删除后无法恢复。", box
        )
        note.setStyleSheet("color: #666;")
        self.buyer_data_button = QPushButton("删除某位买家的数据…", box)
        self.buyer_data_button.setObjectName("deleteBuyerData")
        self.buyer_data_button.clicked.connect(self.delete_buyer_data)
        if self.ctx.store.read_only:
            self.buyer_data_button.setEnabled(False)
            self.buyer_data_button.setToolTip("数据库以只读方式打开，不能删除数据。")
        elif self.ctx.store.personal_data_masked:  # a 客服 on a team store
            self.buyer_data_button.setEnabled(False)
            self.buyer_data_button.setToolTip("只有店主可以查看和删除某位买家的数据（客服看到的买家昵称是隐藏后的）。")
        _section(box, "买家个人数据", _text_and_button(note, self.buyer_data_button))
        return box

    def delete_buyer_data(self) -> None:
        from ui.widgets.buyer_data_dialog import BuyerDataDialog

        self.run_dialog(BuyerDataDialog(self.ctx, self))

    def refresh_lexicon(self) -> None:
        from cxdesk.analysis.aspect_lexicon_edit import summary

        self.lexicon_label.setText(
            summary() + "\n按店铺类目开启词表（如卖吃的开启「餐饮/食品」），或添加本店评价里常见的说法。"
        )

    def edit_lexicon(self) -> None:
        from ui.widgets.aspect_lexicon_dialog import AspectLexiconDialog

        dialog = AspectLexiconDialog(self, ops=self.ctx.ops)
        self.run_dialog(dialog)
        self.refresh_lexicon()

    # --- the user's own rules ------------------------------------------------------------------

    # Injectable for tests: runs the dialog and returns whether it saved.
    def run_dialog(self, dialog) -> bool:
        return bool(dialog.exec())

    def _selected_user_rule(self) -> dict | None:
        from cxdesk.analysis.risk_rules import USER_RULE_PREFIX, read_user_rules

        rows = self.rules_view.selectionModel().selectedRows() if self.rules_view.selectionModel() else []
        if not rows:
            return None
        rule_id = self.rule_stats.stat(rows[0].row()).rule_id
        if not rule_id.startswith(USER_RULE_PREFIX):
            return None
        try:
            return next((r for r in read_user_rules() if r.get("id") == rule_id), None)
        except CxdeskError:
            return None

    def _update_rule_buttons(self, *_args) -> None:
        selected = self._selected_user_rule() is not None
        self.edit_rule_button.setEnabled(selected)
        self.delete_rule_button.setEnabled(selected)

    def edit_user_rule(self, rule: dict | None) -> None:
        from ui.widgets.user_rule_dialog import UserRuleDialog

        categories = sorted({self.rule_stats.stat(i).category for i in range(self.rule_stats.rowCount())})
        dialog = UserRuleDialog(categories, rule, self, ops=self.ctx.ops)
        if self.run_dialog(dialog):
            self.refresh_rule_stats()

    def delete_selected_rule(self) -> None:
        from cxdesk.ops import rules
        from ui.widgets.error_dialog import show_warning
        from ui.widgets.settings_ops import run_and_wait

        rule = self._selected_user_rule()
        if rule is None:
            return
        answer = QMessageBox.question(
            self, "删除自定义规则", f"删除规则「{rule['id']}」？已标记的风险记录会保留，下次分析不再产生新的。"
        )
        if answer == QMessageBox.StandardButton.Yes:
            try:
                run_and_wait(self.ctx.ops, self, rules.delete_user_rule, rule["id"], label="删除自定义规则")
            except CxdeskError as exc:
                show_warning(self, "删除自定义规则未完成", str(exc))
            self.refresh_rule_stats()

    def refresh(self) -> None:
        self._stale = False
        store = self.ctx.store
        self.db_label.setText(str(store.path))  # a team database's address never holds its password
        self.db_kind_label.setText("团队数据库（PostgreSQL）" if self.on_team_db else "本机数据库文件")
        self.schema_label.setText(str(store.schema_version))
        self.models_label.setText(self._models_text())
        self.refresh_rule_stats()
        self.refresh_lexicon()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()
        else:
            self.refresh_rule_stats()

    def on_op_done(self, changes: OpChanges, origin: str) -> None:
        """Another page's operation: re-read what it touched (this page re-reads after its own edits)."""
        if origin == self.key or not changes.touches(self.watches):
            return
        if changes.touches(WEIGHTS):
            self.weights_widget.load()
        if changes.touches(LEXICON):
            self.refresh_lexicon()
        if changes.touches(self.watches - {WEIGHTS, LEXICON}):
            if self.isVisible():
                self.refresh()
            else:  # triage on 风险 runs one operation per keystroke: count the rules once, when shown
                self._stale = True

    def refresh_rule_stats(self) -> None:
        """Every rule of the active pack (also those that never fired) plus any rule with flags."""
        from cxdesk.analysis.risk_rules import load_pack

        note = "误报占比 = 误报 ÷（已处理 + 误报）；颜色越深，这条规则越常被判为误报，可考虑修改触发词或排除词。"
        known: list[tuple[str, str, str]] = []
        tips: dict[str, str] = {}
        try:
            pack = load_pack()
        except CxdeskError as exc:
            note = f"风险规则包无法读取：{exc}（下表只列出已有风险记录的规则）"
        else:
            for rule in pack.rules.values():
                known.append((rule.id, rule.category, rule.level))
                tips[rule.id] = "触发词：" + "、".join(rule.words[:20]) + ("…" if len(rule.words) > 20 else "")
            for problem in pack.problems:  # stored rules the analysis skips: listed as 已停用 with the reason
                if problem.rule_id:
                    known.append((problem.rule_id, f"已停用（{problem.short}）", "—"))
                    tips[problem.rule_id] = problem.describe()
            note += "".join(f"\n注意：{problem.describe()}" for problem in pack.problems)
        self.rules_note.setText(note)
        self.rule_stats.set_stats(self.ctx.store.risk_queue.rule_stats(known), tips)
        header = self.rules_view.horizontalHeader()
        self.rule_stats.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        if hasattr(self, "edit_rule_button"):
            self._update_rule_buttons()

    def _models_text(self) -> str:
        """Which sentiment model each shop's unrated texts get, with its measured accuracy."""
        from cxdesk.analysis.calibration import model_status
        from cxdesk.analysis.sentiment import MIN_PER_CLASS
        from cxdesk.analysis.sentiment import SentimentModel

        base = SentimentModel.load().version
        lines = [f"内置模型 {base}（评分评价一律用它打分；训练数据见 resources/README.md）"]
        for st in model_status(self.ctx.store, base):
            if st.calibrated:
                lines.append(
                    f"{st.shop_name}（{st.platform_label}）：本店校准模型，在本店留出的 {st.heldout_n} 条评分评价上"
                    f"准确率 {st.heldout_accuracy:.1%}（训练用差评 {st.n_neg} 条、好评 {st.n_pos} 条；{st.fitted_at}）"
                )
            else:
                lines.append(
                    f"{st.shop_name}（{st.platform_label}）：使用内置模型（有文字的差评、好评各满 "
                    f"{MIN_PER_CLASS} 条后，分析时自动校准本店模型）"
                )
        return "\n".join(lines)

    def _folder_row(self, path: Path, name: str) -> QWidget:
        row = QWidget(self)
        button = QPushButton("打开文件夹", row)
        button.setObjectName(f"open_{name}")
        button.clicked.connect(lambda: self.open_url(QUrl.fromLocalFile(str(path))))
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_selectable(str(path), row), 1)
        layout.addWidget(button)
        return row


if __name__ == "__main__":
    from ui.pages._preview import preview

    raise SystemExit(preview(SettingsPage))
