"""设置: where things are (database, data and resource folders) and versions.

Real content from the start: when something goes wrong, the first question
is "which database and which rule files is it using?", and this page
answers it. Folder opening goes through an injectable ``open_url`` so tests
never launch a file manager.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from cxdesk import __version__ as app_version
from cxdesk.paths import data_dir, resources_dir, user_resources_dir
from ui.pages.base import BasePage, PageContext
from ui.settings import settings_path


def _selectable(text: str, parent: QWidget, *, wrap: bool = True) -> QLabel:
    label = QLabel(text, parent)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(wrap)
    return label


class SettingsPage(BasePage):
    """Paths, schema version and program versions; buttons open the folders."""

    key = "settings"
    title = "设置"
    icon = QStyle.StandardPixmap.SP_FileDialogListView

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setVerticalSpacing(12)
        self.schema_label = _selectable("", self)
        self.db_label = _selectable("", self)
        self.form.addRow("数据库文件：", self.db_label)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.addWidget(body)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        store = self.ctx.store
        self.db_label.setText(str(store.path))
        self.schema_label.setText(str(store.schema_version))
        self.models_label.setText(self._models_text())

    def _models_text(self) -> str:
        """Which sentiment model each shop's unrated texts get, with its measured accuracy."""
        from cxdesk.analysis.calibration import MIN_PER_CLASS, model_status
        from cxdesk.analysis.sentiment import SentimentModel

        base = SentimentModel.load().version
        lines = [f"内置模型 {base}（评分评价一律用它打分；训练数据见 resources/README.md）"]
        for st in model_status(self.ctx.store, base):
            if st.calibrated:
                lines.append(
                    f"{st.shop_name}（{st.platform_label}）：本店校准模型，在本店留出的 {st.heldout_n} 条评分评价上"
                    f"准确率 {st.heldout_accuracy:.1%}（训练用差评 {st.n_neg} 条、好评 {st.n_pos} 条；{st.fitted_at}）")
            else:
                lines.append(f"{st.shop_name}（{st.platform_label}）：使用内置模型（有文字的差评、好评各满 "
                             f"{MIN_PER_CLASS} 条后，分析时自动校准本店模型）")
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
