"""The shared 「日期」 from … 至 … control of the filter bars."""

from __future__ import annotations

from PySide6.QtCore import QDate

from ui.widgets.date_range import DateRangeEdit


def _edit(qtbot) -> DateRangeEdit:
    edit = DateRangeEdit()
    qtbot.addWidget(edit)
    return edit


def test_ticking_enables_the_days_and_emits(qtbot) -> None:
    edit = _edit(qtbot)
    edit.offer("2024-06-01", "2024-06-30")
    assert not edit.date_from.isEnabled() and not edit.date_to.isEnabled()
    assert edit.span() == (None, None)  # the offered days are not a filter while unticked
    with qtbot.waitSignal(edit.changed, timeout=500):
        edit.check.setChecked(True)
    assert edit.date_from.isEnabled() and edit.date_to.isEnabled()
    assert edit.span() == ("2024-06-01", "2024-06-30")
    with qtbot.waitSignal(edit.changed, timeout=500):
        edit.date_to.setDate(QDate(2024, 6, 15))
    assert edit.span() == ("2024-06-01", "2024-06-15")
    with qtbot.waitSignal(edit.changed, timeout=500):
        edit.check.setChecked(False)
    assert not edit.date_from.isEnabled() and edit.span() == (None, None)


def test_set_span_shows_the_days_without_emitting(qtbot) -> None:
    edit = _edit(qtbot)
    with qtbot.assertNotEmitted(edit.changed):
        edit.set_span("2024-05-02", "2024-05-04")
    assert edit.check.isChecked() and edit.date_from.isEnabled()
    assert edit.span() == ("2024-05-02", "2024-05-04")
    with qtbot.assertNotEmitted(edit.changed):
        edit.set_span(None, None)
    assert not edit.check.isChecked() and not edit.date_to.isEnabled()
    assert edit.span() == (None, None)


def test_offer_keeps_a_ticked_range(qtbot) -> None:
    edit = _edit(qtbot)
    edit.set_span("2024-06-03", "2024-06-04")
    with qtbot.assertNotEmitted(edit.changed):
        edit.offer("2024-06-01", "2024-06-30")
    assert edit.span() == ("2024-06-03", "2024-06-04")
    edit.offer(None, "2024-06-30")  # no data span: nothing changes
    assert edit.span() == ("2024-06-03", "2024-06-04")


def test_bound_offer_limits_the_days(qtbot) -> None:
    edit = _edit(qtbot)
    edit.offer("2024-06-01", "2024-06-30", bound=True)
    edit.set_span("2024-05-01", "2024-07-31")  # clamped to the data's days
    assert edit.span() == ("2024-06-01", "2024-06-30")
