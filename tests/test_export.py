"""export reviews|messages: the column contract, results joined, formulas neutralised."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from cxdesk.analysis.engine import analyze
from cxdesk.errors import CxdeskError
from cxdesk.exports import export_table, neutralise
from cxdesk.store import open_store
from cxdesk.store.exports import MESSAGE_COLUMNS, REVIEW_COLUMNS
from cxdesk.tasks import TaskContext

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def analysed_db(db_path: Path) -> Path:
    with open_store(db_path) as store:
        shop = store.shops.get_or_create("jd", "京东小店")
        with store.transaction():
            store.reviews.insert_many(shop.id, None, [
                {"review_key": "r1", "platform_review_id": "1001", "content": "质量很好，推荐", "rating": 5,
                 "sku": "颜色:白;尺码:L", "buyer_nick": "j***1"},
                {"review_key": "r2", "platform_review_id": "1002", "content": "=HYPERLINK(\"x\")差评", "rating": 1},
            ])
            store.chats.insert_sessions(shop.id, None, [{
                "session_key": "sid:S9", "source_session_id": "S9", "buyer_nick": "b1", "messages": [
                    {"msg_hash": 1, "seq": 1, "role": "buyer", "sender": "b1", "sent_at": None, "content": "在吗"},
                    {"msg_hash": 2, "seq": 2, "role": "agent", "sender": "店:小李", "sent_at": None,
                     "content": "-在的亲"},
                ]}])
    analyze(TaskContext(), db_path)
    return db_path


def test_neutralise_only_touches_formula_like_text() -> None:
    assert neutralise("=1+1") == "'=1+1" and neutralise("@x") == "'@x" and neutralise("+86") == "'+86"
    assert neutralise("质量好") == "质量好" and neutralise(-3) == -3 and neutralise(None) is None


def test_reviews_csv_has_the_contract_columns_and_results(analysed_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "reviews.csv"
    summary = export_table(TaskContext(), analysed_db, "reviews", out)
    assert summary.rows == 2
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == REVIEW_COLUMNS
    assert {"sentiment", "sentiment_label", "aspects"} <= set(rows[0])
    first = next(r for r in rows if r["review_id"] == "1001")
    assert first["sentiment_label"] == "正面" and 0.6 < float(first["sentiment"]) <= 1
    assert first["sku"] == "颜色:白;尺码:L" and first["rating"] == "5"
    assert first["aspects"] == "质量:正面(很好); 整体:正面(推荐)"
    assert first["followup_shift"] == "0" and first["append_sentiment_label"] == ""
    second = next(r for r in rows if r["review_id"] == "1002")
    assert second["content"].startswith("'=HYPERLINK")


def test_messages_xlsx_keeps_session_ids(analysed_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "messages.xlsx"
    export_table(TaskContext(), analysed_db, "messages", out)
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        rows = list(book.active.values)
    finally:
        book.close()
    assert rows[0] == MESSAGE_COLUMNS
    data = [dict(zip(MESSAGE_COLUMNS, r)) for r in rows[1:]]
    assert [d["source_session_id"] for d in data] == ["S9", "S9"]
    assert data[1]["content"] == "'-在的亲" and data[1]["role"] == "agent"
    assert data[0]["sentiment_label"] in ("正面", "中性", "负面")


def test_bad_output_name_is_refused(analysed_db: Path, tmp_path: Path) -> None:
    with pytest.raises(CxdeskError, match=".csv 或 .xlsx"):
        export_table(TaskContext(), analysed_db, "reviews", tmp_path / "x.txt")
    assert not list(tmp_path.glob("x.txt*"))


def test_cli_export(analysed_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    res = subprocess.run([sys.executable, "main.py", "export", "messages", "--db", str(analysed_db),
                          "--out", str(out), "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "已导出 2 条聊天消息" in res.stdout and out.exists()
