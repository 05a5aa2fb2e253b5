"""「导出报告」: period, scope, format and personal data, then a file name; returns a ReportParams snapshot.

The file name can be typed: the dialog refuses the open database (and its
side files, backups) with the reason under the form, and asks before
replacing an existing file the save dialog did not already ask about.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cxdesk.reports.build import ReportParams
from cxdesk.store.dashboard import DashboardFilter

FORMAT_CHOICES = (
    (".pdf", "PDF（打印、发给团队）"),
    (".xlsx", "Excel 工作簿（可继续编辑）"),
    (".html", "网页（单个文件，浏览器打开）"),
)
KEEP_TIP = "默认隐藏买家昵称、手机号、身份证号、邮箱、姓名和地址；勾选后报告中保留原文，请勿外传。"


def _date_edit(parent: QWidget, day: date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day), parent)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setCalendarPopup(True)
    return edit


class ReportDialog(QDialog):
    """Ask what to report; :meth:`params` is the snapshot the job gets (STYLE §7)."""

    def __init__(
        self,
        flt: DashboardFilter,
        scope: str,
        folder: Path,
        parent: QWidget | None = None,
        store_path: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("导出报告")
        self._filter = flt
        self._store_path = store_path
        self._confirmed: Path | None = None  # the path the save dialog already asked to replace
        self.date_from = _date_edit(self, flt.date_from)
        self.date_to = _date_edit(self, flt.date_to)
        self.format_combo = QComboBox(self)
        for suffix, text in FORMAT_CHOICES:
            self.format_combo.addItem(text, suffix)
        self.keep_check = QCheckBox("保留个人信息（不隐藏，报告请勿外传）", self)
        self.keep_check.setToolTip(KEEP_TIP)
        name = f"cxdesk报告_{flt.date_from:%Y%m%d}-{flt.date_to:%Y%m%d}"
        self.path_edit = QLineEdit(str(folder / f"{name}.pdf"), self)
        self.path_edit.setMinimumWidth(360)
        browse = QPushButton("浏览…", self)
        browse.clicked.connect(self._browse)
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self.error_label = QLabel("", self)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        dates = QHBoxLayout()
        for w in (self.date_from, QLabel("至", self), self.date_to):
            dates.addWidget(w)
        dates.addStretch(1)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("期间", dates)
        form.addRow("范围", QLabel(scope, self))
        form.addRow("格式", self.format_combo)
        form.addRow("保存到", path_row)
        form.addRow("", self.keep_check)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("生成报告")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("个人信息默认隐藏：昵称只留首尾字，手机号、身份证号、邮箱、姓名、地址打星号。", self))
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def params(self) -> ReportParams:
        return ReportParams(
            self.date_from.date().toPython(),
            self.date_to.date().toPython(),
            Path(self.path_edit.text().strip()),
            self._filter.shop_id,
            self._filter.platform,
            self.keep_check.isChecked(),
        )

    def _format_changed(self) -> None:
        path = Path(self.path_edit.text().strip() or "报告")
        self.path_edit.setText(str(path.with_suffix(self.format_combo.currentData())))

    def _browse(self) -> None:
        suffix = self.format_combo.currentData()
        path, _ = QFileDialog.getSaveFileName(
            self, "保存报告", self.path_edit.text(), f"{self.format_combo.currentText()} (*{suffix})"
        )
        if path:
            asked = path.lower().endswith(suffix)  # the save dialog asked before replacing exactly this name
            self.path_edit.setText(path if asked else path + suffix)
            self._confirmed = Path(path) if asked else None

    def _accept(self) -> None:
        from cxdesk.errors import CxdeskError
        from cxdesk.reports.build import check_params
        from ui.widgets.save_path import confirm_replace

        params = self.params()
        try:
            check_params(params, self._store_path)
        except CxdeskError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        if params.out != self._confirmed and not confirm_replace(self, params.out):
            return
        self.accept()
