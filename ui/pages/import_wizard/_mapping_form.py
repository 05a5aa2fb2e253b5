"""The left side of the wizard: kind, platform, shop, session gap, column mapping.

The form shows and edits one :class:`FileEntry` at a time. It writes the
user's choice straight into the entry and emits ``sig_mapping_changed``
(``True`` when the kind changed, so the page re-proposes the mapping first),
after which the page re-runs the preview, or ``sig_settings_changed``. It never reads files itself.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cxdesk.importers import FIELD_ALIASES, KIND_LABELS, KINDS
from cxdesk.store import PLATFORMS
from ui.pages.import_wizard._file_list import FileEntry
from ui.pages.import_wizard._labels import NOT_IMPORTED, field_label

FIXED_COLUMNS_NOTE = "此格式的字段由程序按平台格式识别，无需设置列的对应关系。"
NO_FILE_NOTE = "在上方列表中选择一个已识别的文件，即可在这里核对导入设置。"


class MappingForm(QWidget):
    """Import settings of the selected file."""

    sig_mapping_changed = Signal(bool)  # kind_changed; the preview must be re-run
    sig_settings_changed = Signal()  # platform, shop or gap: the preview stays valid

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry: FileEntry | None = None
        self._loading = False
        self.field_combos: dict[str, QComboBox] = {}
        self.kind_combo = QComboBox(self)
        for kind in KINDS:
            self.kind_combo.addItem(KIND_LABELS[kind], kind)
        self.platform_combo = QComboBox(self)
        for key, label in PLATFORMS.items():
            self.platform_combo.addItem(label, key)
        self.shop_combo = QComboBox(self)
        self.shop_combo.setEditable(True)
        self.shop_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.gap_spin = QSpinBox(self)
        self.gap_spin.setRange(1, 24 * 60)
        self.gap_spin.setValue(30)
        self.gap_spin.setSuffix(" 分钟")
        self.gap_spin.setToolTip("同一买家两条消息相隔超过这么久，就算作新的一次会话")
        self.note_label = QLabel(NO_FILE_NOTE, self)
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: #555;")
        self._build_layout()
        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        self.platform_combo.currentIndexChanged.connect(self._on_simple)
        self.shop_combo.currentTextChanged.connect(self._on_simple)
        self.gap_spin.valueChanged.connect(self._on_simple)
        self.set_entry(None, [])

    def _build_layout(self) -> None:
        settings = QGroupBox("导入设置", self)
        form = QFormLayout(settings)
        form.addRow("数据类型", self.kind_combo)
        form.addRow("平台", self.platform_combo)
        form.addRow("店铺", self.shop_combo)
        form.addRow("会话间隔", self.gap_spin)
        self.mapping_box = QGroupBox("列的对应关系", self)
        self.mapping_form = QFormLayout()
        box_layout = QVBoxLayout(self.mapping_box)
        box_layout.addWidget(self.note_label)
        box_layout.addLayout(self.mapping_form)
        box_layout.addStretch(1)
        # Everything scrolls, so a short window still fits the page (the
        # main window's minimum size is the largest page minimum).
        inner = QWidget(self)
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(0, 0, 4, 0)
        inner_layout.addWidget(settings)
        inner_layout.addWidget(self.mapping_box, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)

    # --- loading -----------------------------------------------------------------

    def set_entry(self, entry: FileEntry | None, shop_names: list[str]) -> None:
        """Show ``entry``'s settings (``None``: nothing selected, form disabled)."""
        self._loading = True
        try:
            self.entry = entry
            usable = entry is not None and entry.detection is not None and entry.status != "importing"
            for w in (self.kind_combo, self.platform_combo, self.shop_combo, self.gap_spin):
                w.setEnabled(usable)
            self.shop_combo.clear()
            self.shop_combo.addItems(shop_names)
            if entry is None or entry.detection is None:
                self.shop_combo.setEditText("")
                self._rebuild_mapping(None)
                return
            self._select_data(self.kind_combo, entry.kind)
            self._select_data(self.platform_combo, entry.platform)
            self.shop_combo.setEditText(entry.shop)
            hint = entry.detection.shop_hint
            self.shop_combo.lineEdit().setPlaceholderText(f"自动：{hint}" if hint else "留空则按平台自动命名")
            self.gap_spin.setValue(entry.session_gap_minutes)
            self.gap_spin.setEnabled(usable and entry.kind == "chats")
            self._rebuild_mapping(entry)
        finally:
            self._loading = False

    def _rebuild_mapping(self, entry: FileEntry | None) -> None:
        while self.mapping_form.rowCount():
            self.mapping_form.removeRow(0)
        self.field_combos = {}
        det = entry.detection if entry is not None else None
        if entry is None or det is None or entry.kind is None:
            self.note_label.setText(NO_FILE_NOTE)
            self.note_label.show()
            return
        if not det.columns:
            self.note_label.setText(FIXED_COLUMNS_NOTE)
            self.note_label.show()
            return
        self.note_label.hide()
        mapping = entry.effective_mapping()
        columns = list(det.columns) + [c for c in mapping.values() if c not in det.columns]
        for fld in FIELD_ALIASES[entry.kind]:
            combo = QComboBox(self.mapping_box)
            combo.addItem(NOT_IMPORTED, "")
            for column in columns:
                combo.addItem(column, column)
            self._select_data(combo, mapping.get(fld, ""))
            combo.setEnabled(entry.status != "importing")
            combo.currentIndexChanged.connect(lambda _i, f=fld: self._on_field(f))
            self.field_combos[fld] = combo
            self.mapping_form.addRow(field_label(fld, entry.kind), combo)

    @staticmethod
    def _select_data(combo: QComboBox, value: object) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(index, 0))

    # --- user edits ----------------------------------------------------------------

    def _on_kind(self) -> None:
        if self._loading or self.entry is None:
            return
        self.entry.kind = self.kind_combo.currentData()
        self.entry.overrides = {}
        self.gap_spin.setEnabled(self.entry.kind == "chats")
        self.sig_mapping_changed.emit(True)

    def _on_simple(self) -> None:
        if self._loading or self.entry is None:
            return
        self.entry.platform = self.platform_combo.currentData()
        self.entry.shop = self.shop_combo.currentText().strip()
        self.entry.session_gap_minutes = self.gap_spin.value()
        self.sig_settings_changed.emit()

    def _on_field(self, fld: str) -> None:
        if self._loading or self.entry is None:
            return
        column = self.field_combos[fld].currentData()
        self.entry.overrides[fld] = column
        if column:
            # A column feeds one field only (the importer does the same): free the others.
            self._loading = True
            try:
                for other, combo in self.field_combos.items():
                    if other != fld and combo.currentData() == column:
                        combo.setCurrentIndex(0)
                        self.entry.overrides[other] = ""
            finally:
                self._loading = False
        self.sig_mapping_changed.emit(False)
