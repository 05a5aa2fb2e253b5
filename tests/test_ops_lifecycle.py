"""The data-lifecycle operations: import, undo, analyse, demo clear, export, report.

Each is ``op(store, ctx, ...) -> OpChanges``: what it names as changed is what it wrote,
``value`` is the summary the CLI prints and the GUI shows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cxdesk.errors import CxdeskError
from cxdesk.ops import (
    ANALYSIS,
    BATCHES,
    CHATS,
    FAQ,
    FLAGS,
    ORDERS,
    REVIEWS,
    RISK_SCORES,
    SHOPS,
    imports,
    run_op,
)
from cxdesk.ops import analyze as analyze_ops
from cxdesk.ops import demo, export, report, undo
from cxdesk.ops.on_file import run_on_file
from cxdesk.store import Store
from cxdesk.tasks import TaskContext

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
SELLER = FIXTURES / "seller_reviews.csv"
QIANNIU = FIXTURES / "qianniu_export.csv"
ORDERS_CSV = FIXTURES / "orders.csv"
DATA_KINDS = {SHOPS, BATCHES, REVIEWS, CHATS, ORDERS}


@pytest.fixture
def no_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    from cxdesk.analysis import sentence_vectors

    monkeypatch.setattr(sentence_vectors, "_checked", False)  # the encoder adds seconds and nothing here


def _import(store: Store, path: Path, kind: str, **kw):
    return run_op(imports.import_file, store, path, kind=kind, platform="taobao", shop="我的小店", **kw)


@pytest.mark.parametrize(("path", "kind", "rows"), [(SELLER, "reviews", REVIEWS), (QIANNIU, "chats", CHATS)])
def test_import_names_the_batch_and_the_rows_it_wrote(store: Store, path: Path, kind: str, rows: str) -> None:
    changes = _import(store, path, kind)
    summary = changes.value
    assert changes.kinds == {SHOPS, BATCHES, rows}
    assert changes.ids_of(BATCHES) == (summary.batch_id,)
    assert store.batches.get(summary.batch_id).kind == kind and summary.rows_added > 0
    assert changes.op == "import" and path.name in changes.summary


def test_orders_import_and_a_file_that_cannot_be_imported(store: Store) -> None:
    assert _import(store, ORDERS_CSV, "orders").kinds == {SHOPS, BATCHES, ORDERS}
    before = store.counts()
    with pytest.raises(CxdeskError):
        _import(store, FIXTURES / "reviews_mostly_bad.csv", "reviews")
    assert store.counts() == before


def _task(path: Path, kind: str) -> imports.FileTask:
    from cxdesk.importers import detect

    return imports.FileTask(path, detect(path), kind, "taobao", "我的小店", None)


def test_the_wizards_run_reports_each_file_and_changes_only_what_was_written(store: Store) -> None:
    bad = _task(FIXTURES / "reviews_mostly_bad.csv", "reviews")
    changes = run_op(imports.import_files, store, [bad, _task(QIANNIU, "chats")])
    result = changes.value
    assert [o.status for o in result.outcomes] == ["failed", "done"] and not result.cancelled
    assert "整个文件未导入" in result.outcomes[0].message
    assert changes.kinds == {SHOPS, BATCHES, CHATS}
    assert changes.ids_of(BATCHES) == (result.outcomes[1].summary.batch_id,)

    only_bad = run_op(imports.import_files, store, [bad])
    assert [o.status for o in only_bad.value.outcomes] == ["failed"] and not only_bad.changed


def test_a_cancelled_run_skips_the_files_and_changes_nothing(store: Store) -> None:
    ctx = TaskContext()
    ctx.cancel()
    changes = run_op(imports.import_files, store, [_task(SELLER, "reviews"), _task(QIANNIU, "chats")], ctx=ctx)
    assert changes.value.cancelled and [o.status for o in changes.value.outcomes] == ["skipped", "skipped"]
    assert not changes.changed and store.is_empty()


def test_undo_removes_the_batch_and_names_what_depended_on_it(store: Store, no_encoder: None) -> None:
    batch_id = _import(store, QIANNIU, "chats").value.batch_id
    removed = store.counts().chat_messages
    changes = run_op(undo.undo_batch, store, batch_id)
    assert changes.value == removed and store.counts().chat_messages == 0
    assert changes.kinds >= DATA_KINDS | {FLAGS, RISK_SCORES, ANALYSIS, FAQ}
    assert changes.ids_of(BATCHES) == (batch_id,) and f"已撤销批次 {batch_id}" in changes.summary
    assert store.batches.get(batch_id).status == "undone"
    with pytest.raises(CxdeskError, match="已于"):
        run_op(undo.undo_batch, store, batch_id)


def test_analyze_runs_every_stage_and_names_the_results(store: Store, no_encoder: None) -> None:
    _import(store, SELLER, "reviews")
    changes = run_op(analyze_ops.analyze, store, workers=1)
    assert changes.kinds == {ANALYSIS, FLAGS, RISK_SCORES, FAQ}
    assert changes.summary == changes.value.describe() and changes.summary.startswith("分析完成")
    assert sum(store.results.sentiment_counts("review").values()) == 3


def test_demo_clear_removes_demo_batches_only(store: Store) -> None:
    nothing = run_op(demo.clear, store)
    assert not nothing.changed and nothing.value.batches == 0 and "无需清除" in nothing.summary
    _import(store, ORDERS_CSV, "orders", synthetic=True)
    _import(store, SELLER, "reviews")
    changes = run_op(demo.clear, store)
    assert changes.value.batches == 1 and changes.kinds >= DATA_KINDS
    assert store.counts().orders == 0 and store.counts().reviews == 3 and not store.batches.any_synthetic()


def test_export_and_report_only_read(store: Store, tmp_path: Path, no_encoder: None) -> None:
    _import(store, SELLER, "reviews")
    run_op(analyze_ops.analyze, store, workers=1)
    before = store.counts()
    out = tmp_path / "reviews.csv"
    changes = run_op(export.export_table, store, "reviews", out)
    assert not changes.changed and changes.value.rows == 3 and out.is_file()
    assert changes.summary == changes.value.describe()

    from cxdesk.reports.build import ReportParams

    params = ReportParams(None, None, tmp_path / "report.html")
    written = run_op(report.build, store, params)
    assert not written.changed and written.value.path == params.out and params.out.is_file()
    assert store.counts() == before


def test_a_reading_op_runs_as_a_job_on_its_own_connection(store: Store, tmp_path: Path) -> None:
    _import(store, SELLER, "reviews")
    out = tmp_path / "messages.xlsx"
    summary = run_on_file(TaskContext(), export.export_table, store.path, "messages", out, keep_personal=True)
    assert summary.path == out and out.is_file() and summary.masked is False


def test_the_report_refuses_dates_in_the_wrong_order(store: Store, tmp_path: Path) -> None:
    from cxdesk.reports.build import ReportParams

    params = ReportParams(date(2024, 6, 2), date(2024, 6, 1), tmp_path / "r.html")
    with pytest.raises(CxdeskError, match="早于"):
        run_op(report.build, store, params)
