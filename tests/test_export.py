"""export reviews|messages|sessions|flags: the column contract, results joined, formulas neutralised."""

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
from cxdesk.store.exports import FLAG_COLUMNS, MESSAGE_COLUMNS, REVIEW_COLUMNS, SESSION_COLUMNS
from cxdesk.tasks import TaskContext

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def analysed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small analysed store (two reviews, two chats), built once per module; tests get copies."""
    base = tmp_path_factory.mktemp("export_template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CXDESK_DATA_DIR", str(base / "data"))
        return _build_analysed(base / "test.sqlite3")


@pytest.fixture
def analysed_db(analysed_template: Path, on_engine) -> Path | str:
    """This test's copy of the template on its engine (a file, or a PostgreSQL database's URL)."""
    return on_engine(analysed_template)


def _build_analysed(db_path: Path) -> Path:
    with open_store(db_path) as store:
        shop = store.shops.get_or_create("jd", "京东小店")
        with store.transaction():
            store.reviews.insert_many(
                shop.id,
                None,
                [
                    {
                        "review_key": "r1",
                        "platform_review_id": "1001",
                        "content": "质量很好，推荐",
                        "rating": 5,
                        "sku": "颜色:白;尺码:L",
                        "buyer_nick": "j***1",
                    },
                    {"review_key": "r2", "platform_review_id": "1002", "content": "=HYPERLINK(\"x\")差评", "rating": 1},
                ],
            )
            store.chats.insert_sessions(
                shop.id,
                None,
                [
                    {
                        "session_key": "buyer2-1",
                        "buyer_nick": "b2",
                        "messages": [
                            {
                                "msg_hash": 1,
                                "seq": 1,
                                "role": "buyer",
                                "sender": "b2",
                                "sent_at": "2024-05-01 10:00:00",
                                "content": "东西坏了，再不处理我就投诉到12315",
                            },
                            {
                                "msg_hash": 2,
                                "seq": 2,
                                "role": "agent",
                                "sender": "店:小李",
                                "sent_at": "2024-05-01 10:01:00",
                                "content": "亲，马上为您处理",
                            },
                        ],
                    }
                ],
            )
            store.chats.insert_sessions(
                shop.id,
                None,
                [
                    {
                        "session_key": "sid:S9",
                        "source_session_id": "S9",
                        "buyer_nick": "b1",
                        "messages": [
                            {
                                "msg_hash": 1,
                                "seq": 1,
                                "role": "buyer",
                                "sender": "b1",
                                "sent_at": None,
                                "content": "在吗",
                            },
                            {
                                "msg_hash": 2,
                                "seq": 2,
                                "role": "agent",
                                "sender": "店:小李",
                                "sent_at": None,
                                "content": "-在的亲",
                            },
                        ],
                    }
                ],
            )
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
    export_table(TaskContext(), analysed_db, "messages", out, keep_personal=True)  # joined by buyer nick
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        rows = list(book.active.values)
    finally:
        book.close()
    assert rows[0] == MESSAGE_COLUMNS
    data = [dict(zip(MESSAGE_COLUMNS, r)) for r in rows[1:]]
    data = [d for d in data if d["buyer_nick"] == "b1"]
    assert [d["source_session_id"] for d in data] == ["S9", "S9"]
    assert [d["session_id"] for d in data] == ["S9", "S9"]  # the source's id
    assert isinstance(data[0]["cxdesk_session_id"], int)
    assert data[1]["content"] == "'-在的亲" and data[1]["role"] == "agent"
    assert data[0]["sentiment_label"] in ("正面", "中性", "负面")


def test_bad_output_name_is_refused(analysed_db: Path, tmp_path: Path) -> None:
    with pytest.raises(CxdeskError, match=".csv 或 .xlsx"):
        export_table(TaskContext(), analysed_db, "reviews", tmp_path / "x.txt")
    assert not list(tmp_path.glob("x.txt*"))


def test_cli_export(analysed_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    res = subprocess.run(
        [sys.executable, "main.py", "export", "messages", "--db", str(analysed_db), "--out", str(out), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert "已导出 4 条聊天消息" in res.stdout and out.exists()
    res = subprocess.run(
        [
            sys.executable,
            "main.py",
            "export",
            "flags",
            "--db",
            str(analysed_db),
            "--out",
            str(tmp_path / "f.csv"),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0 and "条风险旗标" in res.stdout, res.stderr


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_sessions_carry_source_ids_and_risk_scores(analysed_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "sessions.csv"
    assert export_table(TaskContext(), analysed_db, "sessions", out, keep_personal=True).rows == 2
    rows = _csv(out)
    assert tuple(rows[0]) == SESSION_COLUMNS
    by_buyer = {r["buyer"]: r for r in rows}
    assert by_buyer["b1"]["session_id"] == "S9"
    angry = by_buyer["b2"]
    assert angry["session_id"] == angry["cxdesk_session_id"]  # no source id: the importer's number
    assert angry["agent"] == "店:小李" and int(angry["risk_score"]) >= 45 and angry["risk_level"] in ("中", "高")
    assert "投诉/监管威胁·高" in angry["risk_reasons"] and "投诉/监管威胁·高" in angry["flags"]
    assert by_buyer["b1"]["risk_level"] == "无" and by_buyer["b1"]["risk_reasons"] == ""


def test_flags_export_names_the_session_review_rule_and_triage(analysed_db: Path, tmp_path: Path) -> None:
    with open_store(analysed_db) as store:
        flag_id = store.conn.execute("SELECT id FROM risk_flags WHERE rule_id = 'complaint.regulator'").fetchone()[0]
        with store.transaction():
            store.flags.set_status(flag_id, "已处理", note="已补发", handler="组长")
    out = tmp_path / "flags.xlsx"
    summary = export_table(TaskContext(), analysed_db, "flags", out, keep_personal=True)
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        rows = list(book.active.values)
    finally:
        book.close()
    assert rows[0] == FLAG_COLUMNS and summary.rows == len(rows) - 1
    data = [dict(zip(FLAG_COLUMNS, r)) for r in rows[1:]]
    regulator = next(d for d in data if d["rule_id"] == "complaint.regulator")
    assert regulator["target_type"] == "message" and regulator["buyer"] == "b2" and regulator["agent"] == "店:小李"
    assert regulator["text"] == "东西坏了，再不处理我就投诉到12315" and "12315" in regulator["evidence"]
    assert (regulator["status"], regulator["note"], regulator["handler"]) == ("已处理", "已补发", "组长")
    # The words that fired it, and the score of the session the queue ranks it by, with its reasons.
    assert "12315" in regulator["trigger_words"] and regulator["trigger_words"] in regulator["text"]
    assert int(regulator["risk_score"]) >= 45 and "投诉/监管威胁·高" in regulator["risk_reasons"]
    assert regulator["risk_level"] in ("中", "高")
    assert data[0]["level"] == "高"  # highest level first
    review_flags = [d for d in data if d["target_type"] == "review"]
    assert all(d["review_id"] in ("1001", "1002") and d["session_id"] is None for d in review_flags)


# --- the one table writer and the one trend ---------------------------------------------------


def test_table_writer_csv_has_a_bom_neutralised_cells_and_empty_nones(tmp_path: Path) -> None:
    from cxdesk.tablewriter import write_table

    out = tmp_path / "t.csv"
    rows = [("=1+1", 3, None), ("@x", -2.5, "普通")]
    assert write_table(out, ["a", "b", "c"], [rows[:1], rows[1:]]) == 2
    assert out.read_bytes() == "\ufeffa,b,c\r\n'=1+1,3,\r\n'@x,-2.5,普通\r\n".encode()
    assert not (tmp_path / "t.csv.part").exists()


def test_table_writer_xlsx_keeps_numbers_and_neutralises_text(tmp_path: Path) -> None:
    from cxdesk.tablewriter import write_table

    out = tmp_path / "t.xlsx"
    write_table(out, ["a", "b"], [[("+86 138", 7), ("-", None)]], sheet="客服绩效", note="说明文字", freeze=(1, 1))
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["客服绩效", "说明"]
    assert [[c.value for c in row] for row in book["客服绩效"].iter_rows()] == [
        ["a", "b"],
        ["'+86 138", 7],
        ["'-", None],
    ]
    assert book["客服绩效"].freeze_panes == "B2" and book["说明"]["A1"].value == "说明文字。"


def test_table_writer_leaves_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    from cxdesk.tablewriter import write_table

    out = tmp_path / "t.csv"
    out.write_text("旧文件", encoding="utf-8")

    def rows():
        yield [("a",)]
        raise RuntimeError("磁盘满")

    with pytest.raises(RuntimeError):
        write_table(out, ["h"], rows())
    assert out.read_text(encoding="utf-8") == "旧文件" and not (tmp_path / "t.csv.part").exists()
    with pytest.raises(CxdeskError, match=r"\.csv 或 \.xlsx"):
        write_table(tmp_path / "t.txt", ["h"], [])


@pytest.mark.parametrize(
    ("current", "previous", "kind", "word"),
    [
        (8, 3, "急升", "上升"),  # ≥ 5 and ≥ 1.5 × previous
        (5, 0, "急升", "上升"),  # previous 0 counts as 1
        (4, 0, "新出现", "新出现"),  # too few to be 急升
        (0, 0, "", ""),
        (4, 2, "上升", "上升"),  # × 2 but fewer than 5
        (3, 2, "持平", "持平"),  # × 1.5 is not above 1.5
        (3, 4, "持平", "持平"),
        (2, 3, "下降", "下降"),  # 0.667 is below 0.67
        (2, 4, "下降", "下降"),
    ],
)
def test_one_trend_for_the_faq_page_and_the_export(current: int, previous: int, kind: str, word: str) -> None:
    """docs/metrics.md 趋势: the same kind decides the page's column and the export's 趋势 cell."""
    from cxdesk.exports import faq_trend_word
    from cxdesk.store.faq import TrendRules

    rules = TrendRules.from_json({"period_days": 7, "rising_ratio": 1.5, "rising_min_count": 5})
    assert rules.kind(current, previous) == kind and faq_trend_word(kind) == word
    assert rules.is_rising(current, previous) == (kind == "急升")


def test_trend_thresholds_are_data() -> None:
    from cxdesk.analysis.faq_text import FaqRules
    from cxdesk.store.faq import TrendRules

    strict = TrendRules.from_json({"rising_ratio": 3, "rising_min_count": 10, "falling_ratio": 0.9})
    assert strict.kind(8, 3) == "持平" and strict.kind(9, 2) == "上升" and strict.kind(8, 9) == "下降"
    assert FaqRules.load().trend == TrendRules()  # the shipped faq.json says what the defaults say
