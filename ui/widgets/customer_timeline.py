"""The 买家时间线 dialog: one buyer's sessions, orders, reviews, 追评 and risk flags.

Opened from a review, it says at the top which chat sessions (and which
agent) served that buyer in the same shop before the review, each one click
from the conversation. Sessions open through the ``open_session(session_id,
message_id=None)`` callback the caller supplies (``MainWindow.open_session``);
a review item shows the review in full; a flag item shows level, category,
status and the quoted words. Queries are a few indexed look-ups (~10 ms), so
they run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cxdesk.errors import CxdeskError
from cxdesk.store import Store
from cxdesk.store.timeline import BEFORE_REVIEW_DAYS, KIND_LABELS, TimelineItem
from ui.models.timeline_model import LEVEL_COLORS, TimelineModel, badge_color
from ui.widgets.review_detail import ReviewDetailWidget

OpenSession = Callable[[int, "int | None"], object]
DEFAULT_SIZE = QSize(1100, 680)
PLACEHOLDER = "<p style='color:#888'>在左侧选中一项查看详情；双击会话或风险标记打开聊天记录。</p>"


def _p(text: str) -> str:
    return escape(text or "").replace("\n", "<br>")


def item_html(item: TimelineItem) -> str:
    """Detail of a session, order, 追评 or flag (reviews use the review view)."""
    color = badge_color(item)
    head = (
        f"<p><span style='color:{color}; font-weight:bold'>{KIND_LABELS[item.kind]}</span>"
        f" · {_p((item.at or '时间未知')[:19])} · {_p(item.shop)}</p>"
    )
    body = [head, f"<p style='font-size:11pt'><b>{_p(item.title)}</b></p>"]
    if item.kind == "flag":
        level_color = LEVEL_COLORS.get(item.level or "", "#555")
        body.append(
            f"<p>等级：<b style='color:{level_color}'>{_p(item.level or '')}</b>"
            f" · 类别：{_p(item.category or '')} · 处理状态：{_p(item.status or '')}</p>"
        )
    if item.agent:
        body.append(f"<p>客服：{_p(item.agent)}</p>")
    if item.detail:
        body.append(f"<p style='background:#f6f6f6; padding:6px'>{_p(item.detail)}</p>")
    if not item.exact:
        body.append(f"<p style='color:#8a6d00'>昵称为“{_p(item.buyer_nick)}”，与脱敏昵称首尾一致，可能是同一买家。</p>")
    if item.session_id is not None:
        body.append("<p style='color:#555'>双击或点“打开会话”查看完整聊天记录。</p>")
    return "".join(body)


class CustomerTimelineDialog(QDialog):
    """Everything one buyer did with the shop, newest first."""

    def __init__(
        self,
        store: Store,
        buyer_nick: str,
        shop_id: int | None = None,
        *,
        focus_review_id: int | None = None,
        open_session: OpenSession | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.repo = store.timeline
        self.buyer_nick = buyer_nick
        self.home_shop_id = shop_id
        self.focus_review_id = focus_review_id
        self.open_session = open_session
        self.setWindowTitle(f"买家时间线 · {buyer_nick}")
        self.resize(DEFAULT_SIZE)
        self._build()
        self.reload()

    @classmethod
    def for_target(
        cls,
        store: Store,
        target_type: str,
        target_id: int,
        *,
        open_session: OpenSession | None = None,
        parent: QWidget | None = None,
    ) -> CustomerTimelineDialog:
        """The timeline of the buyer behind a review, session, message, order row or risk flag.

        Raises
        ------
        CxdeskError
            The item has no buyer nick (or no longer exists).
        """
        repo = store.timeline
        who = repo.buyer_of(target_type, target_id)
        if who is None:
            raise CxdeskError("这一项没有买家昵称（或已被删除），无法显示买家时间线。")
        return cls(
            store,
            who[0],
            who[1],
            focus_review_id=repo.review_of(target_type, target_id),
            open_session=open_session,
            parent=parent,
        )

    # --- building --------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.header = QLabel(self)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        top.addWidget(self.header, 1)
        self.scope = QComboBox(self)
        if self.home_shop_id is not None:
            name = next((s.name for s in self.store.shops.all() if s.id == self.home_shop_id), "本店")
            self.scope.addItem(f"仅本店：{name}", self.home_shop_id)
        self.scope.addItem("全部店铺（同名昵称）", None)
        self.scope.currentIndexChanged.connect(self.reload)
        top.addWidget(self.scope)
        layout.addLayout(top)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #7a5a00;")
        layout.addWidget(self.note)
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setStyleSheet("background: #fff3cd; border: 1px solid #f0d58c; padding: 6px; border-radius: 3px;")
        self.banner.linkActivated.connect(self._on_banner_link)
        layout.addWidget(self.banner)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.model = TimelineModel(self)
        self.list = QListView(split)
        self.list.setModel(self.model)
        self.list.setIconSize(QSize(22, 22))
        self.list.setSpacing(2)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.selectionModel().currentChanged.connect(lambda cur, _prev: self._show(cur.row()))
        self.list.doubleClicked.connect(lambda idx: self._open(self.model.item(idx.row())))
        right = QWidget(split)
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        self.detail_stack = QStackedWidget(right)
        self.detail = QTextBrowser(self.detail_stack)
        self.detail.setOpenLinks(False)
        self.review_view = ReviewDetailWidget(self.detail_stack)
        self.detail_stack.addWidget(self.detail)
        self.detail_stack.addWidget(self.review_view)
        rlay.addWidget(self.detail_stack, 1)
        self.open_button = QPushButton("打开会话", right)
        self.open_button.clicked.connect(lambda: self._open(self.model.item(self.list.currentIndex().row())))
        rlay.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignRight)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    # --- data ------------------------------------------------------------------------

    def reload(self) -> None:
        shop_id = self.scope.currentData()
        self.timeline = self.repo.buyer_timeline(self.buyer_nick, shop_id)
        self.before = self.repo.sessions_before_review(self.focus_review_id) if self.focus_review_id else []
        focus = {("session", s.session_id) for s in self.before}
        if self.focus_review_id:
            focus.add(("review", self.focus_review_id))
        self.model.set_items(self.timeline.items, focus, show_shop=shop_id is None)
        self._fill_header()
        self._fill_banner()
        row = self.model.row_of("review", self.focus_review_id) if self.focus_review_id else 0
        if self.model.rowCount():
            self.list.setCurrentIndex(self.model.index(max(row, 0)))
        else:
            self._show(-1)

    def _fill_header(self) -> None:
        counts = self.timeline.counts()
        parts = [f"{KIND_LABELS[k]} {n}" for k, n in counts.items() if n]
        self.header.setText(
            f"<span style='font-size:13pt'><b>{escape(self.buyer_nick)}</b></span>"
            f"&nbsp;&nbsp;<span style='color:#555'>{escape(' · '.join(parts) or '没有记录')}</span>"
        )
        notes = []
        if self.timeline.masked:
            notes.append("昵称已被平台脱敏（含 ***）：同一店铺里相同的脱敏昵称按同一买家处理，偶尔可能混入另一位买家。")
        if any(not i.exact for i in self.timeline.items):
            notes.append("标“可能是同一买家”的项目来自首尾字符一致的完整昵称。")
        self.note.setText("".join(notes))
        self.note.setVisible(bool(notes))

    def _fill_banner(self) -> None:
        if not self.focus_review_id:
            self.banner.hide()
            return
        if not self.before:
            self.banner.setText(f"这条评价之前 {BEFORE_REVIEW_DAYS} 天内，该买家在本店没有咨询记录。")
        else:
            links = [
                f"<a href='session:{s.session_id}'>{escape((s.at or '')[:16])} 的会话</a>"
                f"（客服 <b>{escape(s.agent or '未回复')}</b>）"
                for s in self.before
            ]
            self.banner.setText(f"这条评价之前 {BEFORE_REVIEW_DAYS} 天内的咨询：" + "；".join(links))
        self.banner.show()

    def _show(self, row: int) -> None:
        item = self.model.item(row)
        self.open_button.setEnabled(bool(item and item.session_id is not None and self.open_session))
        if item is None:
            self.detail_stack.setCurrentWidget(self.detail)
            self.detail.setHtml(PLACEHOLDER)
            return
        if item.kind in ("review", "followup") and item.review_id is not None:
            detail = self.store.voc.detail(item.review_id)
            if detail is not None:
                self.review_view.show_review(detail)
                self.detail_stack.setCurrentWidget(self.review_view)
                return
        self.detail.setHtml(item_html(item))
        self.detail_stack.setCurrentWidget(self.detail)

    def _open(self, item: TimelineItem | None) -> None:
        if item is not None and item.session_id is not None and self.open_session is not None:
            self.open_session(item.session_id, item.message_id)

    def _on_banner_link(self, link: str) -> None:
        if link.startswith("session:"):
            session_id = int(link.split(":", 1)[1])
            row = self.model.row_of("session", session_id)
            if row >= 0:
                self.list.setCurrentIndex(self.model.index(row))
            if self.open_session is not None:
                self.open_session(session_id, None)


def show_review_dialog(store: Store, review_id: int, parent: QWidget | None = None) -> QDialog | None:
    """A small window with one review in full (for callers without a review page to jump to)."""
    detail = store.voc.detail(review_id)
    if detail is None:
        return None
    dialog = QDialog(parent)
    dialog.setWindowTitle(f"评价 · {detail.shop}")
    dialog.resize(640, 420)
    lay = QVBoxLayout(dialog)
    view = ReviewDetailWidget(dialog)
    view.show_review(detail)
    lay.addWidget(view)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    lay.addWidget(buttons)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def render_screenshot(db_path: str, out: str, review_id: int | None = None) -> str:
    """Render the dialog opened from a negative review on ``db_path`` to ``out`` (docs screenshot)."""
    import sys
    import time

    from PySide6.QtWidgets import QApplication

    from cxdesk.store import open_store
    from ui.app import configure_application

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)  # type: ignore[arg-type]
    with open_store(db_path) as store:
        repo = store.timeline
        if review_id is None:
            review_id = repo.richest_negative_review()
        if review_id is None:
            raise CxdeskError("数据库里没有带买家昵称的差评，无法渲染买家时间线。")
        dialog = CustomerTimelineDialog.for_target(store, "review", review_id, open_session=lambda *_: None)
        dialog.show()
        for _ in range(10):
            app.processEvents()
            time.sleep(0.02)
        dialog.grab().save(out)
        dialog.close()
    return out


if __name__ == "__main__":
    import argparse
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    ap = argparse.ArgumentParser(description="把买家时间线对话框渲染成 PNG（离屏）")
    ap.add_argument("--db", required=True)
    ap.add_argument("--out", default="docs/screenshots/customer-timeline.png")
    ap.add_argument("--review", type=int, default=None, help="从这条评价打开（默认：前面咨询最多的差评）")
    a = ap.parse_args()
    print(render_screenshot(a.db, a.out, a.review))
