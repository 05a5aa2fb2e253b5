"""A small 「?」 button that shows how a page's numbers are computed (docs/metrics.md, by topic)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QToolButton, QVBoxLayout, QWidget

from cxdesk.metrics_doc import TITLES, topic_markdown


class MetricsDialog(QDialog):
    def __init__(self, topic: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLES.get(topic, "指标说明"))
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)
        self.browser.setMarkdown(topic_markdown(topic))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(760, 560)


class HelpButton(QToolButton):
    """「?」: opens :class:`MetricsDialog` for ``topic`` (non-modal, one per button)."""

    def __init__(self, topic: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.topic = topic
        self.setText("?")
        self.setToolTip(TITLES.get(topic, "指标说明") + "（点击查看定义）")
        self.setObjectName(f"help_{topic}")
        self.dialog: MetricsDialog | None = None
        self.clicked.connect(self.show_help)

    def show_help(self) -> MetricsDialog:
        if self.dialog is None:
            self.dialog = MetricsDialog(self.topic, self.window())
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog
