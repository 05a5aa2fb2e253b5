"""The search panel: full-text search over chat messages and reviews, hits highlighted.

Typing searches after a short pause (Enter at once). A search is one page of
50 hits plus a count capped at 1,000 and takes well under 50 ms on the
1M-message benchmark database (bench/README.md, "Search"), so it runs on the
GUI thread; further pages load as the list scrolls. Activating a hit calls
the caller's ``open_session(session_id, message_id)`` for a message, or
``open_review(review_id)`` for a review (without one: a small review window).
Query mistakes and a missing index show inline, in red, never as a dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAbstractTextDocumentLayout, QKeySequence, QPalette, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from cxdesk.errors import CxdeskError
from cxdesk.search import COUNT_CAP, SearchCursor, SearchFilters, SearchHit, SearchPage, search
from cxdesk.store import PLATFORMS, Store
from ui.models.search_results_model import HTML_ROLE, SearchResultsModel
from ui.widgets.date_range import DateRangeEdit

DEBOUNCE_MS = 300
PAGE = 50
KIND_CHOICES = (("全部", "all"), ("聊天消息", "message"), ("评价", "review"))
ROLE_CHOICES = (("不限发言方", None), ("买家", "buyer"), ("客服", "agent"))
DEFAULT_DAYS = 90


class HitDelegate(QStyledItemDelegate):
    """Paints a hit's HTML (grey meta line, text with marked hits), wrapped to the view's width."""

    def _doc(self, option: QStyleOptionViewItem, index: QModelIndex) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setHtml(index.data(HTML_ROLE) or "")
        doc.setTextWidth(max(100, option.rect.width() - 8))
        return doc

    def paint(self, painter, option, index) -> None:  # noqa: ANN001 - Qt signature
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        doc = self._doc(option, index)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        if option.state & QStyle.StateFlag.State_Selected:
            ctx.palette.setColor(QPalette.ColorRole.Text, option.palette.color(QPalette.ColorRole.HighlightedText))
        painter.save()
        painter.translate(option.rect.left() + 4, option.rect.top() + 3)
        painter.setClipRect(QRectF(0, 0, option.rect.width() - 8, option.rect.height()))
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option, index) -> QSize:  # noqa: ANN001 - Qt signature
        width = option.rect.width() if option.rect.width() > 0 else 600
        opt = QStyleOptionViewItem(option)
        opt.rect.setWidth(width)
        doc = self._doc(opt, index)
        return QSize(width, int(doc.size().height()) + 6)


class SearchPanel(QWidget):
    """Query box, filters, and the hit list."""

    sig_searched = Signal(object)  # the SearchPage of a new search (tests, status bars)
    sig_hit_activated = Signal(object)  # the SearchHit the user opened

    def __init__(
        self,
        store: Store,
        *,
        open_session: Callable[[int, int | None], object] | None = None,
        open_review: Callable[[int], object] | None = None,
        open_timeline: Callable[[SearchHit], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.open_session = open_session
        self.open_review = open_review
        self.open_timeline = open_timeline
        self.last_page: SearchPage | None = None
        self._query = ""
        self._filters = SearchFilters()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_search)
        self._build()
        self.reload_shops()

    # --- building --------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.query_edit = QLineEdit(self)
        self.query_edit.setPlaceholderText("搜索聊天消息和评价：单字也可以，多个词用空格分开（同时包含）")
        self.query_edit.setClearButtonEnabled(True)
        self.query_edit.textChanged.connect(lambda _t: self._timer.start())
        self.query_edit.returnPressed.connect(self.run_search)
        layout.addWidget(self.query_edit)
        row = QHBoxLayout()
        self.kind_combo = self._combo(KIND_CHOICES)
        self.role_combo = self._combo(ROLE_CHOICES)
        self.shop_combo = QComboBox(self)
        self.shop_combo.currentIndexChanged.connect(self._filters_changed)
        self.dates = DateRangeEdit(self, edit_width=None, spacing=None)
        # Unticked, the boxes show the data's last DEFAULT_DAYS (its last day, not today: imports lag behind).
        end = self.store.voc.last_date() or date.today()
        self.dates.offer((end - timedelta(days=DEFAULT_DAYS)).isoformat(), end.isoformat())
        self.dates.changed.connect(self._filters_changed)
        for w in (self.kind_combo, self.role_combo, self.shop_combo, self.dates):
            row.addWidget(w)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.model = SearchResultsModel(self)
        self.model.sig_more_wanted.connect(self._load_more)
        self.view = QListView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(HitDelegate(self.view))
        self.view.setWordWrap(True)
        self.view.setAlternatingRowColors(True)
        self.view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.view.activated.connect(lambda idx: self.activate(idx.row()))
        self.view.doubleClicked.connect(lambda idx: self.activate(idx.row()))
        self.view.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.view, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.timeline_button = QPushButton("买家时间线", self)
        self.timeline_button.clicked.connect(self._timeline_of_current)
        self.open_button = QPushButton("打开", self)
        self.open_button.clicked.connect(lambda: self.activate(self.view.currentIndex().row()))
        buttons.addWidget(self.timeline_button)
        buttons.addWidget(self.open_button)
        layout.addLayout(buttons)
        self._update_buttons()
        self._show_status("输入文字开始搜索。", error=False)

    def _combo(self, choices) -> QComboBox:  # noqa: ANN001 - tuple of (label, value)
        combo = QComboBox(self)
        for label, value in choices:
            combo.addItem(label, value)
        combo.currentIndexChanged.connect(self._filters_changed)
        return combo

    def reload_shops(self) -> None:
        """Fill the shop filter: all shops, each platform present, each shop."""
        current = self.shop_combo.currentData()
        self.shop_combo.blockSignals(True)
        self.shop_combo.clear()
        self.shop_combo.addItem("全部店铺", None)
        shops = self.store.shops.all()
        for platform in sorted({s.platform for s in shops}):
            self.shop_combo.addItem(f"平台：{PLATFORMS.get(platform, platform)}", f"platform:{platform}")
        for s in shops:
            self.shop_combo.addItem(f"{s.name}（{s.platform_label}）", f"shop:{s.id}")
        found = self.shop_combo.findData(current)
        self.shop_combo.setCurrentIndex(max(found, 0))
        self.shop_combo.blockSignals(False)

    # --- searching -------------------------------------------------------------------

    def set_query(self, text: str) -> None:
        """Put ``text`` in the box and search at once (the toolbar box and Ctrl+F use this)."""
        self.query_edit.setText(text)
        self.query_edit.setFocus()
        self.run_search()

    def current_filters(self) -> SearchFilters:
        what, _, value = (self.shop_combo.currentData() or "").partition(":")
        date_from, date_to = self.dates.span()
        return SearchFilters(
            kind=self.kind_combo.currentData(),
            role=self.role_combo.currentData(),
            shop_ids=(int(value),) if what == "shop" else None,
            platform=value if what == "platform" else None,
            date_from=_to_date(date_from),
            date_to=_to_date(date_to),
        )

    def run_search(self) -> None:
        self._timer.stop()
        text = self.query_edit.text().strip()
        if not text:
            self.model.clear()
            self.last_page = None
            self._show_status("输入文字开始搜索。", error=False)
            return
        try:
            filters = self.current_filters()
            page = search(self.store, text, filters, limit=PAGE)
        except CxdeskError as exc:
            self.model.clear()
            self.last_page = None
            self._show_status(str(exc), error=True)
            return
        self._query, self._filters, self.last_page = text, filters, page
        self.model.set_hits(page.hits, page.next_cursor)
        self._show_status(_summary(page), error=False)
        if page.hits:
            self.view.setCurrentIndex(self.model.index(0))
        self._update_buttons()
        self.sig_searched.emit(page)

    def _load_more(self, generation: int, cursor: SearchCursor) -> None:
        try:
            page = search(self.store, self._query, self._filters, limit=PAGE, cursor=cursor, with_count=False)
        except CxdeskError as exc:
            self._show_status(str(exc), error=True)
            self.model.append_page(generation, [], None)
            return
        self.model.append_page(generation, page.hits, page.next_cursor)

    def _filters_changed(self, *_args: object) -> None:
        if self.query_edit.text().strip():
            self._timer.start()

    def _show_status(self, text: str, *, error: bool) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #c62828;" if error else "color: #555;")

    # --- opening ---------------------------------------------------------------------

    def _update_buttons(self) -> None:
        hit = self.model.hit(self.view.currentIndex().row())
        self.open_button.setEnabled(hit is not None)
        self.timeline_button.setEnabled(bool(hit and hit.buyer_nick and self.open_timeline))

    def activate(self, row: int) -> None:
        """Open hit ``row``: its conversation at the message, or the review."""
        hit = self.model.hit(row)
        if hit is None:
            return
        self.sig_hit_activated.emit(hit)
        if hit.kind == "message" and hit.session_id is not None and self.open_session is not None:
            self.open_session(hit.session_id, hit.target_id)
        elif hit.kind == "review":
            if self.open_review is not None:
                self.open_review(hit.target_id)
            else:
                from ui.widgets.customer_timeline import show_review_dialog

                show_review_dialog(self.store, hit.target_id, self)

    def _timeline_of_current(self) -> None:
        hit = self.model.hit(self.view.currentIndex().row())
        if hit is not None and self.open_timeline is not None:
            self.open_timeline(hit)


class SearchDialog(QDialog):
    """The search panel in its own non-modal window (toolbar box, Ctrl+F)."""

    def __init__(
        self,
        store: Store,
        *,
        open_session: Callable[[int, int | None], object] | None = None,
        open_review: Callable[[int], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("搜索聊天和评价")
        self.resize(900, 640)
        self.setModal(False)
        self._open_session = open_session
        lay = QVBoxLayout(self)
        self.panel = SearchPanel(
            store, open_session=open_session, open_review=open_review, open_timeline=self._open_timeline, parent=self
        )
        lay.addWidget(self.panel)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.panel.query_edit.setFocus)

    def _open_timeline(self, hit: SearchHit) -> None:
        from ui.widgets.customer_timeline import CustomerTimelineDialog

        target = ("session", hit.session_id) if hit.kind == "message" else ("review", hit.target_id)
        try:
            dialog = CustomerTimelineDialog.for_target(
                self.panel.store, *target, open_session=self._open_session, parent=self
            )
        except CxdeskError as exc:
            self.panel._show_status(str(exc), error=True)
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()


def _to_date(day: str | None) -> date | None:
    return date.fromisoformat(day) if day else None


def _summary(page: SearchPage) -> str:
    if not page.total and not page.hits:
        text = f"没有找到“{page.query.text}”。"
    else:
        count = f"{COUNT_CAP:,} 条以上" if page.total_capped else f"{page.total:,} 条"
        text = f"找到 {count}（最新的在前），用时 {page.seconds * 1000:.0f} 毫秒。"
    if page.not_indexed:
        text += f" 另有 {page.not_indexed:,} 条新导入的记录尚未加入索引，运行“分析数据”后即可搜到。"
    return text
