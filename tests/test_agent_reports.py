"""Platform per-agent daily reports (客服日报): detection, parsing, store, undo, CLI and the 客服绩效 comparison.

Fixture ``tests/fixtures/import/feige_agent_daily.xlsx`` mimics a 飞鸽 daily export: a title
line above the header, 日期 as an Excel date and as text, 平响 as ``00:25`` / ``1分5秒`` / ``40``,
rates as ``100.00%``, ``-`` for missing figures, and a 合计 row. Its agents 小美 and 阿强 are
the chat senders ``店:小美`` / ``店:阿强`` of tests/fixtures/agents/hand_worked.json; 老王 has no chats.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from cxdesk.analysis.agent_kpis import kpi_table, load_frames
from cxdesk.analysis.agent_report_compare import agent_key, aggregate, compare, period_of
from cxdesk.cli import main
from cxdesk.errors import ImportFormatError
from cxdesk.importers import detect, import_file, preview, undo_batch
from cxdesk.importers.agent_report import parse_day, parse_rate, parse_seconds
from cxdesk.store import Store, open_store
from cxdesk.store.agent_reports import AgentReportsRepo
from cxdesk.store.migrations import MIGRATIONS
from cxdesk.tasks import TaskContext
from test_agent_kpis import load_fixture

IMPORT = Path(__file__).resolve().parent / "fixtures" / "import"
FEIGE = IMPORT / "feige_agent_daily.xlsx"


def test_feige_report_is_detected_with_its_columns() -> None:
    det = detect(FEIGE)
    assert (det.kind, det.format_id, det.platform, det.header_row) == ("agent_report", "agent_report", "douyin", 2)
    assert det.mapping["first_response_s"] == "全天首响时长(秒)" and det.mapping["avg_response_s"] == "全天平响时长"
    assert det.mapping["agent"] == "客服昵称" and det.mapping["conversion"] == "询单转化率"


def test_existing_fixtures_are_not_taken_for_reports() -> None:
    for f in sorted(IMPORT.iterdir()):
        if f == FEIGE:
            continue
        try:
            det = detect(f)
        except ImportFormatError:
            continue
        assert det.kind != "agent_report", f.name


def test_preview_parses_times_rates_and_refuses_the_totals_row() -> None:
    rows = preview(FEIGE)
    good = [r for r in rows if "error" not in r]
    assert [(r["day"], r["agent"]) for r in good] == [
        ("2024-06-02", "小美"),
        ("2024-06-02", "阿强"),
        ("2024-06-03", "阿强"),
        ("2024-06-02", "老王"),
    ]
    xm, aq = good[0], good[1]
    assert (xm["avg_response_s"], xm["first_response_s"], xm["rate_3min"], xm["conversion"]) == (25.0, 18.0, 1.0, 0.5)
    assert (aq["avg_response_s"], aq["first_response_s"], aq["rate_3min"]) == (65.0, 65.5, 0.0)
    assert good[3]["inquiry_buyers"] is None and good[3]["conversion"] is None  # "-" = no figure
    bad = [r for r in rows if "error" in r]
    assert len(bad) == 1 and bad[0]["record_no"] == 7 and "合计" in bad[0]["error"]


@pytest.mark.parametrize(
    "value, seconds",
    [
        ("00:25", 25),
        ("0:01:05", 65),
        ("1分5秒", 65),
        ("12.5秒", 12.5),
        ("40", 40),
        (33, 33),
        ("2分钟", 120),
        ("-", None),
        (dt.time(0, 1, 30), 90),
    ],
)
def test_durations(value, seconds) -> None:
    assert parse_seconds(value) == seconds


@pytest.mark.parametrize(
    "value, rate",
    [("85.5%", 0.855), ("85.5", 0.855), (0.855, 0.855), ("100%", 1.0), (1, 1.0), ("--", None), ("0.00%", 0.0)],
)
def test_rates(value, rate) -> None:
    assert parse_rate(value) == pytest.approx(rate) if rate is not None else parse_rate(value) is None


def test_bad_cells_give_chinese_reasons() -> None:
    with pytest.raises(ValueError, match="时长"):
        parse_seconds("很快")
    with pytest.raises(ValueError, match="0–100%"):
        parse_rate("150%")
    with pytest.raises(ValueError, match="日期"):
        parse_day("昨天")
    assert parse_day("20240602") == "2024-06-02" and parse_day(dt.datetime(2024, 6, 2, 0, 0)) == "2024-06-02"


def test_import_twice_then_undo(store: Store) -> None:
    s = import_file(TaskContext(), store, FEIGE)
    assert (s.kind, s.rows_read, s.rows_added, s.rows_rejected) == ("agent_report", 5, 4, 1)
    assert "客服日报" in s.describe()
    again = import_file(TaskContext(), store, FEIGE)
    assert (again.rows_added, again.rows_duplicate, again.previous_batch_id) == (0, 4, s.batch_id)
    repo = AgentReportsRepo(store.conn)
    assert len(repo.rows()) == 4
    assert undo_batch(store, s.batch_id) == 4
    assert repo.rows() == [] and store.batches.get(s.batch_id).status == "undone"


def test_other_kinds_cannot_import_a_report_and_reports_cannot_import_chats(store: Store) -> None:
    with pytest.raises(ImportFormatError, match="客服日报"):
        import_file(TaskContext(), store, FEIGE, kind="reviews")
    with pytest.raises(ImportFormatError, match="聊天"):
        import_file(TaskContext(), store, IMPORT / "chats_generic.csv", kind="agent_report")
    assert store.counts().import_batches == 0


def test_migration_from_v6_keeps_batches_and_accepts_report_batches(tmp_path: Path) -> None:
    path = tmp_path / "v6.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for version, script in enumerate(MIGRATIONS[:6], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    conn.execute("INSERT INTO meta(key, value) VALUES ('app', 'cxdesk')")
    conn.execute("INSERT INTO import_batches(kind, file_name, file_sha256) VALUES ('orders', 'o.csv', 'x')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO import_batches(kind, file_name, file_sha256) VALUES ('agent_report', 'r', 'y')")
    conn.close()
    with open_store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert [b.kind for b in store.batches.all()] == ["orders"]
        import_file(TaskContext(), store, FEIGE)
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute("INSERT INTO import_batches(kind, file_name, file_sha256) VALUES ('x', 'r', 'y')")


def test_cli_imports_with_kind(db_path: Path, capsys) -> None:
    assert main(["import", str(FEIGE), "--db", str(db_path), "--kind", "agent_report", "--quiet"]) == 0
    assert "新增 4" in capsys.readouterr().out


def test_match_on_sub_account_and_aggregate_days() -> None:
    assert agent_key("店铺名:小美") == agent_key("小美") == agent_key("店铺名：小美 ") == "小美"
    assert period_of("2024-06-02", "week") == "2024-05-27" and period_of("2024-06-02", "month") == "2024-06"
    rows = [
        {"sessions": 3, "avg_response_s": 20.0, "rate_3min": 1.0, "inquiry_buyers": 2, "paid_buyers": 1},
        {"sessions": 1, "avg_response_s": 60.0, "rate_3min": 0.0, "inquiry_buyers": 2, "paid_buyers": 2},
    ]
    agg = aggregate(rows)
    assert agg["sessions"] == 4 and agg["avg_response_s"] == 30.0 and agg["rate_3min"] == 0.75
    assert agg["conversion"] == 0.75  # (1 + 2) / (2 + 2)


def test_comparison_with_computed_kpis(store: Store, db_path: Path) -> None:
    load_fixture(store)
    import_file(TaskContext(), store, FEIGE)
    table = kpi_table(load_frames(None, db_path), "day")
    day = table[table["period"] == "2024-06-02"].to_dict("records")
    c = compare(day, AgentReportsRepo(store.conn).rows(), "day", "2024-06-02")
    assert [line.agent for line in c.lines] == ["店:小美", "店:阿强"]
    assert c.unmatched == ["老王"] and c.without_report == [] and c.days == ("2024-06-02", "2024-06-02")
    aq = c.lines[1].values
    assert aq["avg_resp"] == (180.0, 65.0) and aq["rate_3min"] == (1.0, 0.0) and aq["sessions"] == (1, 1)
    assert "sales" not in aq  # the report has no sales column
    # 2024-06-01 has chats but no report: nothing to compare.
    assert compare(
        table[table["period"] == "2024-06-01"].to_dict("records"),
        AgentReportsRepo(store.conn).rows(),
        "day",
        "2024-06-01",
    ).empty


def test_agents_page_shows_the_report_beside_computed(qtbot, store: Store) -> None:
    from test_agent_page import _open

    load_fixture(store)
    _window, page = _open(qtbot, store)
    assert page.report_label.isHidden()  # no report imported yet
    import_file(TaskContext(), store, FEIGE)
    page.refresh()
    with qtbot.waitSignal(page.sig_loaded, timeout=20_000):
        page.reload()
    text = page.report_label.text()
    assert not page.report_label.isHidden() and "平台客服日报对照" in text
    assert "老王" in text and "未能对应" in text
    assert "2024-06-02 至 2024-06-03" in text  # period 全部 covers both report days
    page.filter_bar.kind_box.setCurrentIndex(page.filter_bar.kind_box.findData("day"))
    page.filter_bar.period_box.setCurrentIndex(page.filter_bar.period_box.findData("2024-06-02"))
    text = page.report_label.text()
    assert "180.0" in text and "65.0" in text and "+115.0" in text  # 阿强's 平响: computed, platform, difference
    page.filter_bar.period_box.setCurrentIndex(page.filter_bar.period_box.findData("2024-06-01"))
    assert page.report_label.isHidden()


def test_message_read_survives_a_separator_in_a_text(store: Store) -> None:
    """The texts travel joined by U+001F; a text holding it makes the reader fall back to one row per message."""
    from cxdesk.analysis.agent_kpis import read_messages

    msgs = [
        {
            "msg_hash": 1,
            "seq": 1,
            "role": "buyer",
            "sender": "b",
            "sent_at": "2024-06-01 10:00:00",
            "content": "在吗\x1f有货吗",
        },
        {"msg_hash": 2, "seq": 2, "role": "system", "sender": None, "sent_at": None, "content": "转接"},
        {"msg_hash": 3, "seq": 3, "role": "agent", "sender": None, "sent_at": "2024-06-01 10:00:30", "content": "有的"},
        {"msg_hash": 4, "seq": 4, "role": "agent", "sender": "店:小美", "sent_at": "不是时间", "content": ""},
    ]
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "店")
        store.chats.insert_sessions(shop.id, None, [{"session_key": "s", "buyer_nick": "b", "messages": msgs}])
    m = store.agents.messages()
    assert store.agents.message_texts()[0] is None  # the separator: pieces do not match
    assert list(m["content"]) == ["在吗\x1f有货吗", "有的", ""]
    assert list(m["sender"]) == [None, None, "店:小美"] and list(m["is_agent"]) == [False, True, True]
    assert list(m["seq"]) == [1, 3, 4] and m["t"][1] - m["t"][0] == 30 and np.isnan(m["t"][2])
    with store.transaction():
        store.conn.execute("UPDATE chat_messages SET content = '在吗' WHERE seq = 1")
    assert store.agents.message_texts() == (["在吗", "有的", ""], ["", "店:小美"])  # the joined path
    assert list(store.agents.messages()["content"]) == ["在吗", "有的", ""]
    both = read_messages(store.path, store.agents)  # texts read on a second connection meanwhile
    assert list(both["content"]) == ["在吗", "有的", ""] and list(both["sender"]) == [None, None, "店:小美"]
    assert list(both["id"]) == list(m["id"])
