"""The window's one writer (ui.operations.OpRunner) when the window closes with work still queued."""

from __future__ import annotations

import time
from pathlib import Path

from cxdesk.ops import OpChanges
from ui.operations import OpRunner


def _ops(done: list[str]):
    def slow(store, ctx, name: str) -> OpChanges:
        time.sleep(0.4)
        done.append(name)
        return OpChanges("slow")

    def quick(store, ctx, name: str) -> OpChanges:
        assert store is not None  # runs on the writer, like every store operation
        done.append(name)
        return OpChanges("quick")

    return slow, quick


def test_closing_writes_the_users_queued_edits_and_drops_the_rest(qtbot, tmp_path: Path, caplog) -> None:
    done: list[str] = []
    slow, quick = _ops(done)
    runner = OpRunner(tmp_path / "store.sqlite3")
    runner.run(None, slow, "导入", label="导入文件", progress=False)
    runner.run(None, quick, "标记1", label="标记风险", progress=False, keep_on_close=True)
    runner.run(None, slow, "导出", label="导出报告", progress=False)
    runner.run(None, quick, "备注2", label="保存备注", progress=False, keep_on_close=True)
    assert runner.is_busy() and done == []  # the window closes while the import still runs

    assert runner.shutdown()
    # The running import ends, then the user's two edits in their order; the export is dropped, said in the log.
    assert done == ["导入", "标记1", "备注2"]
    assert "导出报告" in caplog.text
    assert not runner.is_busy()

    runner.run(None, quick, "晚到", label="关闭后", progress=False, keep_on_close=True)
    assert done == ["导入", "标记1", "备注2"]  # nothing new runs once closed


def test_closing_an_idle_runner_runs_nothing(qtbot, tmp_path: Path) -> None:
    done: list[str] = []
    slow, quick = _ops(done)
    runner = OpRunner(tmp_path / "store.sqlite3")
    runner.run(None, quick, "一次", label="标记风险", progress=False, keep_on_close=True)
    assert runner.wait_idle() and done == ["一次"]
    assert runner.shutdown() and done == ["一次"]
