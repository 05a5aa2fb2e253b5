"""设置 → 买家个人数据: the dialog 「删除买家数据」 (a buyer asked the shop to delete their data).

The user types the buyer's nick (matched exactly, as the CLI ``buyer show|delete`` does), picks
所有店铺 or one shop and presses 「查看」: the counts of what would be deleted
(:meth:`cxdesk.store.buyer_data.BuyerDataRepo.preview`) are read in a background job on a
read-only connection of its own, because one of the counts scans every rejected import row's raw
text (no index can serve a substring search; ~0.5 s for 500,000 rejected rows) and the GUI must
not freeze on a large store. 「删除」 is enabled only after a preview that found something, and
only for that nick and shop (editing either asks for a new preview). It asks for confirmation —
it cannot be undone and no backup is made, because a backup would keep the data — and runs
:func:`cxdesk.ops.buyer_data.delete` on the window's one writer
(:class:`ui.operations.OpRunner`), whose changes reach every page; the dialog then shows what
was deleted.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cxdesk.ops import OpChanges, buyer_data
from cxdesk.store.buyer_data import BuyerDataCounts
from cxdesk.store.shops import PLATFORMS
from cxdesk.tasks import JobContext
from ui.pages.base import PageContext
from ui.workers import Job

ALL_SHOPS = "所有店铺"
JOB_OWNER = "settings.buyer_data"  # the preview job's owner in the window's JobRunner
ORIGIN = "settings.buyer_data"  # not the page key: 设置 itself re-reads its rule counts after a delete
_ERROR = "color: #c62828;"
_NOTE = "color: #666;"


def preview_job(
    ctx: JobContext, db_path: str | Path, nick: str, shop_id: int | None
) -> tuple[BuyerDataCounts, list[str]]:
    """The counts :func:`cxdesk.ops.buyer_data.delete` would delete, and the shops holding the nick
    (「名称（平台）」), read on a connection of this job's own."""
    from cxdesk.store import open_reader
    from cxdesk.store.repos import Repos

    conn = open_reader(db_path)
    try:
        repo = Repos(conn).buyer_data
        counts = repo.preview(nick, shop_id)
        ctx.check()
        shops = [f"{name}（{PLATFORMS.get(platform, platform)}）" for _id, platform, name in repo.shops_of(nick)]
        return counts, shops
    finally:
        conn.close()


class BuyerDataDialog(QDialog):
    """Find one buyer's data by nick, show how much there is, delete it on the window's writer."""

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("删除买家数据")
        self.setObjectName("buyerDataDialog")
        self.previewed: BuyerDataCounts | None = None  # the last preview, while the fields still match it
        self.deleted: BuyerDataCounts | None = None  # what the last delete removed
        self.preview_job: Job | None = None
        self.deleting = False

        intro = QLabel(
            "买家要求删除其个人数据时使用：删除这位买家在本数据库中的评价、聊天会话与消息、订单，"
            "以及由它们得出的分析结果（情感、风险标记与风险分、常见问题中的提问、会话备注）和提到其昵称的导入错误行。",
            self,
        )
        intro.setWordWrap(True)
        self.nick_edit = QLineEdit(self)
        self.nick_edit.setObjectName("buyerNick")
        self.nick_edit.setPlaceholderText("如：tb_小王2021")
        self.nick_edit.returnPressed.connect(self.preview)
        nick_hint = QLabel("须与导入数据中的买家昵称完全一致（区分大小写，不做模糊查找）。", self)
        nick_hint.setStyleSheet(_NOTE)
        nick_hint.setWordWrap(True)
        self.shop_box = QComboBox(self)
        self.shop_box.setObjectName("buyerShop")
        self.shop_box.addItem(ALL_SHOPS, None)
        for shop in ctx.store.shops.all():
            self.shop_box.addItem(f"{shop.name}（{shop.platform_label}）", shop.id)
        self.preview_button = QPushButton("查看", self)
        self.preview_button.setObjectName("previewBuyer")
        self.preview_button.clicked.connect(self.preview)
        nick_row = QHBoxLayout()
        nick_row.addWidget(self.nick_edit, 1)
        nick_row.addWidget(self.preview_button)
        nick_field = QVBoxLayout()
        nick_field.setSpacing(2)
        nick_field.addLayout(nick_row)
        nick_field.addWidget(nick_hint)
        form = QFormLayout()
        form.addRow("买家昵称：", nick_field)
        form.addRow("店铺：", self.shop_box)

        self.result_label = QLabel("输入昵称后点「查看」，先看看会删除哪些数据。", self)
        self.result_label.setObjectName("buyerDataResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.result_label.setMinimumHeight(150)
        self.result_label.setStyleSheet("QLabel { background: #fafafa; border: 1px solid #ddd; padding: 8px; }")
        self.error_label = QLabel("", self)
        self.error_label.setObjectName("buyerDataError")
        self.error_label.setStyleSheet(_ERROR)
        self.error_label.setWordWrap(True)
        warning = QLabel("删除后无法恢复，也不会先做备份（备份会保留这些数据）。", self)
        warning.setStyleSheet(_NOTE)
        warning.setWordWrap(True)

        self.delete_button = QPushButton("删除", self)
        self.delete_button.setObjectName("deleteBuyer")
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.delete)
        self.close_button = QPushButton("关闭", self)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(warning, 1)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.result_label, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.nick_edit.textChanged.connect(self._fields_changed)
        self.shop_box.currentIndexChanged.connect(self._fields_changed)
        self.resize(620, 440)

    # --- what is asked ---------------------------------------------------------------------------

    def nick(self) -> str:
        return self.nick_edit.text().strip()

    def shop_id(self) -> int | None:
        return self.shop_box.currentData()

    def _where(self) -> str:
        return ALL_SHOPS if self.shop_id() is None else f"店铺「{self.shop_box.currentText()}」"

    def _fields_changed(self, *_args) -> None:
        """Another nick or shop: the preview shown no longer says what 删除 would delete."""
        if self.previewed is not None and (self.previewed.nick, self.previewed.shop_id) != (
            self.nick(),
            self.shop_id(),
        ):
            self.previewed = None
            self.result_label.setText("昵称或店铺已改动，请重新点「查看」。")
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.deleting or (self.preview_job is not None and self.preview_job.is_running())
        self.preview_button.setEnabled(not busy)
        self.nick_edit.setReadOnly(self.deleting)
        self.shop_box.setEnabled(not self.deleting)
        self.close_button.setEnabled(not self.deleting)
        can_delete = self.previewed is not None and not self.previewed.is_empty and not self.ctx.store.read_only
        self.delete_button.setEnabled(can_delete and not busy)

    # --- 查看 ----------------------------------------------------------------------------------------

    def preview(self) -> None:
        """Count the buyer's data in the background; the answer fills the result box."""
        self.error_label.clear()
        self.previewed = None
        nick = self.nick()
        if not nick:
            self.error_label.setText("请输入买家昵称。")
            self.nick_edit.setFocus()
            self._update_buttons()
            return
        self.result_label.setText(f"正在查找买家“{nick}”的数据…")
        job = Job(self, preview_job, self.ctx.store.path, nick, self.shop_id(), label="查找买家数据")
        job.without_progress_dialog()
        job.on_success(self._previewed)
        job.on_failure(self._preview_failed)
        job.sig_finished.connect(self._update_buttons)
        self.preview_job = self.ctx.jobs.start(JOB_OWNER, job)
        self._update_buttons()

    def _previewed(self, result: tuple[BuyerDataCounts, list[str]]) -> None:
        counts, shops = result
        if (counts.nick, counts.shop_id) != (self.nick(), self.shop_id()):
            self.result_label.setText("昵称或店铺已改动，请重新点「查看」。")  # changed while it counted
            return
        self.previewed = counts
        if counts.is_empty:
            self.result_label.setText(
                f"没有找到买家“{counts.nick}”的数据（{self._where()}）。\n"
                "请核对昵称：须与导入数据中的完全一致，包括大小写和符号。"
            )
        else:
            text = f"{self._where()}中买家“{counts.nick}”的数据，将删除：\n" + "\n".join(
                f"  · {line}" for line in counts.lines()
            )
            if shops:
                text += "\n\n这个昵称出现在：" + "、".join(shops)
            self.result_label.setText(text)
        self._update_buttons()

    def _preview_failed(self, exc: BaseException) -> None:
        self.result_label.clear()
        self.error_label.setText(f"查找失败：{exc}")

    # --- 删除 ----------------------------------------------------------------------------------------

    def confirm_delete(self, counts: BuyerDataCounts) -> bool:
        """Ask before deleting; True when the user chose 删除."""
        box = QMessageBox(QMessageBox.Icon.Warning, "删除买家数据", "", QMessageBox.StandardButton.NoButton, self)
        box.setText(f"确定删除{self._where()}中买家“{counts.nick}”的全部数据？")
        box.setInformativeText(
            "将删除：" + "，".join(counts.lines()) + "。\n\n"
            "删除后无法恢复。为了真正删除，这次不会先做备份（备份会保留这些数据）；"
            "此前已有的数据库备份不受影响。"
        )
        delete = box.addButton("删除", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.exec()
        return box.clickedButton() is delete

    def delete(self) -> None:
        """Delete what the last preview counted (the same nick and shop), on the window's writer."""
        counts = self.previewed
        if counts is None or counts.is_empty or self.deleting:
            return
        if not self.confirm_delete(counts):
            return
        self.error_label.clear()
        self.deleting = True
        self._update_buttons()
        self.result_label.setText(f"正在删除买家“{counts.nick}”的数据…")
        self.ctx.ops.run(
            self,
            buyer_data.delete,
            counts.nick,
            shop_id=counts.shop_id,
            label="删除买家数据",
            origin=ORIGIN,
            on_done=self._deleted,
            on_failure=self._delete_failed,
        )

    def _deleted(self, changes: OpChanges) -> None:
        counts: BuyerDataCounts = changes.value
        self.deleting = False
        self.deleted = counts
        self.previewed = None
        if counts.is_empty:  # someone else deleted it between 查看 and 删除
            self.result_label.setText(f"没有找到买家“{counts.nick}”的数据（{self._where()}），没有删除任何内容。")
        else:
            self.result_label.setText(
                f"已删除{self._where()}中买家“{counts.nick}”的数据：\n"
                + "\n".join(f"  · {line}" for line in counts.lines())
            )
        self._update_buttons()

    def _delete_failed(self, exc: BaseException) -> None:
        self.deleting = False
        self.result_label.setText("删除未完成，数据库没有改动。")
        self.error_label.setText(str(exc))
        self._update_buttons()

    # --- closing ---------------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Not while deleting (the result is still to be shown); a running preview is dropped."""
        if self.deleting:
            return
        if self.preview_job is not None and self.preview_job.is_running():
            self.preview_job.discard()
        super().done(result)
