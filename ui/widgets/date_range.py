"""An optional date range for the filter bars: 「日期」 [from] 至 [to].

The two day boxes are enabled only while 「日期」 is ticked. ``changed`` is
emitted when the user ticks or unticks it, or changes a day while it is
ticked; :meth:`set_span` and :meth:`offer` never emit (the bar announces its
whole filter once). Days travel as 'yyyy-MM-dd' strings.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QSignalBlocker, Signal
from PySide6.QtWidgets import QCheckBox, QDateEdit, QHBoxLayout, QLabel, QWidget

DATE_FORMAT = "yyyy-MM-dd"
EDIT_WIDTH = 104


class DateRangeEdit(QWidget):
    """``check`` 「日期」, ``date_from`` 至 ``date_to``; ``span()`` is (None, None) while unticked."""

    changed = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        tooltip: str = "",
        edit_width: int | None = EDIT_WIDTH,
        spacing: int | None = 4,
    ) -> None:
        """``edit_width``/``spacing`` None keep Qt's own sizes (the 客服绩效 bar)."""
        super().__init__(parent)
        self.check = QCheckBox("日期", self)
        if tooltip:
            self.check.setToolTip(tooltip)
        self.date_from = QDateEdit(self)
        self.date_to = QDateEdit(self)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        if spacing is not None:
            row.setSpacing(spacing)
        for widget in (self.check, self.date_from, QLabel("至", self), self.date_to):
            row.addWidget(widget)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat(DATE_FORMAT)
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
            if edit_width is not None:
                edit.setFixedWidth(edit_width)
            edit.dateChanged.connect(self._date_changed)
        self.check.toggled.connect(self._toggled)

    def span(self) -> tuple[str | None, str | None]:
        """('yyyy-MM-dd', 'yyyy-MM-dd') while 「日期」 is ticked, else (None, None)."""
        if not self.check.isChecked():
            return None, None
        return self.date_from.date().toString(DATE_FORMAT), self.date_to.date().toString(DATE_FORMAT)

    def set_span(self, date_from: str | None, date_to: str | None) -> None:
        """Tick 「日期」 with these days, or untick it when both are None; does not emit."""
        with QSignalBlocker(self.check), QSignalBlocker(self.date_from), QSignalBlocker(self.date_to):
            self.check.setChecked(bool(date_from or date_to))
            if date_from:
                self.date_from.setDate(QDate.fromString(date_from, DATE_FORMAT))
            if date_to:
                self.date_to.setDate(QDate.fromString(date_to, DATE_FORMAT))
            self._enable()

    def offer(self, first_day: str | None, last_day: str | None, *, bound: bool = False) -> None:
        """The days the data covers: the boxes show them while 「日期」 is unticked (a ticked
        range is the user's and stays). ``bound``: the boxes also cannot go beyond them."""
        if not first_day or not last_day:
            return
        first, last = QDate.fromString(first_day, DATE_FORMAT), QDate.fromString(last_day, DATE_FORMAT)
        with QSignalBlocker(self.date_from), QSignalBlocker(self.date_to):
            if bound:
                for edit in (self.date_from, self.date_to):
                    edit.setDateRange(first, last)
            if not self.check.isChecked():
                self.date_from.setDate(first)
                self.date_to.setDate(last)

    def _toggled(self) -> None:
        self._enable()
        self.changed.emit()

    def _date_changed(self) -> None:
        if self.check.isChecked():
            self.changed.emit()

    def _enable(self) -> None:
        on = self.check.isChecked()
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
