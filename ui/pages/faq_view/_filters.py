"""The filter bar of 常见问题: search, shop, product, sort, chart bucket and 「显示已隐藏」 → one :class:`FaqQuery`.

Search waits 300 ms after the last key so typing runs one query.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QWidget

from ui.pages.faq_view._tasks import FaqQuery
from ui.widgets.flow_layout import FlowLayout

SORTS = (("按次数", "size"), ("按增长", "trend"), ("按最近一周", "recent"), ("按名称", "label"))
BUCKETS = (("按周", "week"), ("按天", "day"), ("按月", "month"))
PRODUCT_CHARS = 24


class FaqFilterBarWidget(QWidget):
    sig_changed = Signal(object)  # FaqQuery

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("搜索问题或关键词，如 发票、尺码")
        self.search.setClearButtonEnabled(True)
        self.search.setFixedWidth(220)
        self.shop = QComboBox(self)
        self.shop.addItem("全部店铺", None)
        self.shop.setToolTip("只看这个店铺的买家提问（几个店铺的问题不混在一个列表里）")
        self.shop.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.shop.hide()  # shown when there is more than one shop to choose from
        self.product = QComboBox(self)
        self.product.addItem("全部商品", None)
        self.product.setFixedWidth(230)
        self.product.view().setMinimumWidth(420)
        self.product.setToolTip("只看关于这件商品的会话里的问题（由会话中的商品链接或商品名识别）")
        self.sort = QComboBox(self)
        for text, key in SORTS:
            self.sort.addItem(text, key)
        self.sort.setToolTip("「按增长」：最近一周比前一周增加最多的在前")
        self.bucket = QComboBox(self)
        for text, key in BUCKETS:
            self.bucket.addItem(text, key)
        self.bucket.setToolTip("走势图的时间粒度")
        self.show_hidden = QCheckBox("显示已隐藏", self)
        self.summary = QLabel(self)
        self.summary.setStyleSheet("color: #555;")
        flow = FlowLayout(self)
        for w in (self.search, self.shop, self.product, self.sort, self.bucket, self.show_hidden, self.summary):
            flow.addWidget(w)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self._emit)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._emit)
        for combo in (self.shop, self.product, self.sort, self.bucket):
            combo.currentIndexChanged.connect(self._emit)
        self.show_hidden.toggled.connect(self._emit)

    def query(self) -> FaqQuery:
        return FaqQuery(
            sort=str(self.sort.currentData()),
            search=self.search.text().strip(),
            product=self.product.currentData(),
            include_hidden=self.show_hidden.isChecked(),
            bucket=str(self.bucket.currentData()),
            shop_id=self.shop.currentData(),
        )

    def set_shops(self, shops: list[tuple[int, str, str]]) -> None:
        """Offer the shops with questions (the box shows only when there are two or more)."""
        from cxdesk.store import PLATFORMS

        current = self.shop.currentData()
        with QSignalBlocker(self.shop):
            while self.shop.count() > 1:
                self.shop.removeItem(1)
            for sid, name, platform in shops:
                self.shop.addItem(f"{name}（{PLATFORMS.get(platform, platform)}）", sid)
            self.shop.setCurrentIndex(max(self.shop.findData(current), 0))
        self.shop.setVisible(len(shops) > 1 or self.shop.currentIndex() > 0)

    def set_products(self, products: list[tuple[str, int]]) -> None:
        """Refill the product choices, keeping the current one when it still has questions."""
        current = self.product.currentData()
        with QSignalBlocker(self.product):
            while self.product.count() > 1:
                self.product.removeItem(1)
            for name, n in products:
                short = name if len(name) <= PRODUCT_CHARS else name[: PRODUCT_CHARS - 1] + "…"
                self.product.addItem(f"{short}（{n:,}）", name)
                self.product.setItemData(self.product.count() - 1, name, 3)  # ToolTipRole
            self.product.setCurrentIndex(max(self.product.findData(current), 0))

    def set_sort(self, key: str) -> None:
        index = self.sort.findData(key)
        if index >= 0 and index != self.sort.currentIndex():
            self.sort.setCurrentIndex(index)  # announces the change

    def clear_filters(self, *, show_hidden: bool = False) -> None:
        """No search, all products (and hidden clusters shown if asked), without announcing it."""
        self._debounce.stop()
        with QSignalBlocker(self.search), QSignalBlocker(self.product), QSignalBlocker(self.show_hidden):
            self.search.clear()
            self.product.setCurrentIndex(0)
            if show_hidden:
                self.show_hidden.setChecked(True)

    def _emit(self) -> None:
        self._debounce.stop()
        self.sig_changed.emit(self.query())
