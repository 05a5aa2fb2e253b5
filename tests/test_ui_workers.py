"""ui.workers: the GUI stays live under CPU-bound jobs; cancel and errors behave."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from cxdesk.errors import CxdeskError
from cxdesk.tasks import TaskContext, cpu_burn_job
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)
from ui.widgets.error_dialog import ErrorDialog
from ui.workers import Job, JobRunner


def slow_steps(ctx: TaskContext, steps: int = 20, delay: float = 0.05) -> int:
    """A thread-friendly job that reports progress and honours cancel."""
    for i in range(steps):
        ctx.check()
        ctx.progress(i + 1, steps, "步骤")
        time.sleep(delay)
    return steps


def failing_job(ctx: TaskContext) -> None:
    raise ValueError("测试用的故障")


def expected_failure(ctx: TaskContext) -> None:
    raise CxdeskError("文件缺少「评价内容」列")


def test_cpu_bound_job_keeps_gui_responsive(qtbot) -> None:
    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    seen: list[int] = []
    bar_values: list[int] = []
    job = Job(None, cpu_burn_job, seconds=3.0, label="压力测试")

    def on_progress(done: int, total: int, message: str) -> None:
        seen.append(done)
        if job.progress_dialog is not None:
            bar_values.append(job.progress_dialog.progress_bar.value())

    job.sig_progress.connect(on_progress)
    heartbeat.start()
    started = time.perf_counter()
    with qtbot.waitSignal(job.sig_finished, timeout=60_000):
        job.run()
    ended = time.perf_counter()
    heartbeat.stop()
    # The GUI thread served its event loop throughout the job (a frozen loop fires no timer):
    # heartbeats in every tenth of the run. How long the longest gap is, is measured by
    # bench/gui_responsiveness.py, not asserted here.
    tenths = {min(int(10 * (b - started) / (ended - started)), 9) for b in beats if started <= b <= ended}
    assert len(beats) > 50 and tenths == set(range(10)), f"no heartbeat in tenths {set(range(10)) - tenths}"
    assert len(set(seen)) > 1
    assert len(set(bar_values)) > 1
    assert job.state == "succeeded" and job.result > 0


def test_cancel_cpu_bound_job(qtbot) -> None:
    succeeded: list[object] = []
    cancelled: list[bool] = []
    seen: list[tuple[int, int]] = []
    job = Job(None, cpu_burn_job, seconds=6.0, label="压力测试")
    job.on_success(succeeded.append).on_cancelled(lambda: cancelled.append(True))
    job.sig_progress.connect(lambda done, total, message: seen.append((done, total)))
    QTimer.singleShot(500, job.cancel)
    with qtbot.waitSignal(job.sig_cancelled, timeout=10_000):
        job.run()
    assert all(done < total for done, total in seen if total)  # stopped with chunks of the 6 s job left
    assert cancelled == [True] and succeeded == []
    assert job.state == "cancelled"
    assert job.error_dialog is None


def test_unexpected_error_shows_dialog_with_traceback(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    job = Job(parent, failing_job, label="测试任务")
    with qtbot.waitSignal(job.sig_failed, timeout=5_000):
        job.run()
    dialog = job.error_dialog
    assert isinstance(dialog, ErrorDialog) and dialog.isVisible()
    assert "测试用的故障" in dialog.summary_label.text()
    details = dialog.details_edit.toPlainText()
    assert "Traceback" in details and "ValueError: 测试用的故障" in details
    assert dialog.details_edit.isReadOnly()
    dialog.copy_details()
    dialog.close()


def test_expected_error_shows_warning_message(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    job = Job(parent, expected_failure, label="导入")
    with qtbot.waitSignal(job.sig_failed, timeout=5_000):
        job.run()
    box = job.error_dialog
    assert isinstance(box, QMessageBox)
    assert box.text() == "文件缺少「评价内容」列"
    box.close()


def test_failure_callback_replaces_dialog(qtbot) -> None:
    errors: list[BaseException] = []
    job = Job(None, failing_job).on_failure(errors.append)
    with qtbot.waitSignal(job.sig_finished, timeout=5_000):
        job.run()
    assert len(errors) == 1 and isinstance(errors[0], ValueError)
    assert job.error_dialog is None


def test_progress_dialog_appears_late_and_cancels(qtbot) -> None:
    job = Job(None, slow_steps, steps=200, label="慢任务")
    job.run()
    assert job.progress_dialog is None  # not before ~300 ms
    qtbot.waitUntil(lambda: job.progress_dialog is not None, timeout=3_000)
    dialog = job.progress_dialog
    assert dialog.isVisible() and dialog.title_label.text() == "正在慢任务…"
    with qtbot.waitSignal(job.sig_cancelled, timeout=5_000):
        dialog.cancel_button.click()
    assert job.progress_dialog is None


def test_quick_job_shows_no_progress_dialog(qtbot) -> None:
    shown: list[bool] = []
    job = Job(None, slow_steps, steps=2, delay=0.01)
    job.sig_progress.connect(lambda *a: shown.append(job.progress_dialog is not None))
    with qtbot.waitSignal(job.sig_succeeded, timeout=5_000) as blocker:
        job.run()
    assert blocker.args == [2]
    assert not any(shown)


def test_runner_one_job_per_owner_and_shutdown(qtbot) -> None:
    runner = JobRunner()
    calls: list[str] = []
    first = Job(None, slow_steps, steps=100).on_success(lambda r: calls.append("first"))
    second = Job(None, slow_steps, steps=100).on_success(lambda r: calls.append("second"))
    runner.start("page", first)
    runner.start("page", second)  # replaces: the first is cancelled, silently
    assert runner.current("page") is second
    with qtbot.waitSignal(first.sig_finished, timeout=5_000):
        pass
    assert first.state == "discarded"
    assert runner.shutdown()
    assert not runner.running()
    assert calls == [] and second.state == "discarded"


def test_job_runs_once(qtbot) -> None:
    job = Job(None, slow_steps, steps=1, delay=0)
    with qtbot.waitSignal(job.sig_finished, timeout=5_000):
        job.run()
    with pytest.raises(RuntimeError):
        job.run()
