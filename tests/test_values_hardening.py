"""Impossible dates and junk ratings (issue 14, classes 2 and 9).

At import a time that is no real date (2024-02-30) or lies outside the plausible
range (0001-01-01, 9999-12-31), and a rating that is no star count (-3, NaN, inf,
7, abc), reject the row with its line number and a Chinese reason; real ratings
in any usual spelling (★★★★★, 五, 4.5分, ５) are parsed. A store written by an
older version that holds such times still analyses and reports: they count as
missing.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from cxdesk.analysis.agent_metrics import NO_TIME
from cxdesk.analysis.agent_report_compare import period_of
from cxdesk.analysis.engine import analyze
from cxdesk.importers import import_file, preview
from cxdesk.importers._values import parse_rating, parse_time
from cxdesk.importers.agent_report import parse_day
from cxdesk.reports.build import ReportParams, build_report
from cxdesk.store import Store, open_store
from cxdesk.store.dashboard import DashboardFilter, DashboardRepo
from cxdesk.store.risk_queue import RiskQueueRepo
from cxdesk.store.sessions_browse import SessionsBrowseRepo
from cxdesk.store.voc import VocFilter, VocRepo
from cxdesk.tasks import NullContext, TaskContext
from cxdesk import times
from cxdesk.times import plausible_range, plausible_text_range, stored_date, stored_datetime

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)

IMPOSSIBLE = [
    "2024-02-30 10:00:00",
    "0001-01-01 00:00:00",
    "9999-12-31 23:59:59",
    "2024-13-45 99:99:99",
    "garbage",
    "2024-06-1",
]


# --- parse_rating --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, stars",
    [
        ("★★★★★", 5),
        ("★★★☆☆", 3),
        ("⭐⭐⭐⭐", 4),
        ("五", 5),
        ("五星", 5),
        ("两星", 2),
        ("5星", 5),
        ("5颗星", 5),
        ("4.5分", 5),
        ("3.5", 4),
        ("５", 5),
        ("５．０", 5),
        (" 4 ", 4),
        (5, 5),
        (4.0, 4),
        (1, 1),
    ],
)
def test_real_ratings_are_parsed(cell, stars) -> None:
    assert parse_rating(cell) == (stars, None)


@pytest.mark.parametrize("cell", ["好评", "中评", "差评", "默认好评", "good", "bad"])
def test_platform_words_stay_text(cell) -> None:
    assert parse_rating(cell) == (None, cell)


@pytest.mark.parametrize("cell", [None, "", "  ", "-", "无"])
def test_blank_is_no_rating(cell) -> None:
    assert parse_rating(cell) == (None, None)


@pytest.mark.parametrize(
    "cell, why",
    [
        ("-3", "不在 1–5 之间"),
        ("7", "不在 1–5 之间"),
        ("７", "不在 1–5 之间"),
        (0, "不在 1–5 之间"),
        (-3, "不在 1–5 之间"),
        ("☆☆☆☆☆", "不在 1–5 之间"),
        ("NaN", "无法识别"),
        ("inf", "无法识别"),
        ("abc", "无法识别"),
        (True, "无法识别"),
        (float("nan"), "不是有效数字"),
        (float("inf"), "不是有效数字"),
    ],
)
def test_junk_ratings_are_refused_with_the_reason(cell, why) -> None:
    with pytest.raises(ValueError, match=f"评分“.*”{why}.*没有评分请留空"):
        parse_rating(cell)


# --- parse_time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, why",
    [
        ("2024-02-30 10:00:00", "不是有效日期"),
        ("2023-02-29 00:00:00", "不是有效日期"),
        ("2024-02-30", "不是有效日期"),
        ("2024-4-31 10:00", "不是有效日期"),
        (20240230, "“20240230”不是有效日期"),
        ("0001-01-01 00:00:00", "不在合理范围"),
        ("0001-01-01", "不在合理范围"),
        ("9999-12-31 23:59:59", "不在合理范围"),
        ("9999-12-31", "不在合理范围"),
        ("1999-12-31 23:59:59", "不在合理范围"),
        (100_000_000, "不在合理范围"),
        (date(1, 1, 1), "不在合理范围"),
        (datetime(9999, 1, 1), "不在合理范围"),
        ("明天下午", "无法识别"),
    ],
)
def test_impossible_and_implausible_times_are_refused(cell, why) -> None:
    with pytest.raises(ValueError, match=f"时间.*{why}"):
        parse_time(cell)


class _March15(date):
    """A fake clock's day: ``date.today()`` is 2026-03-15."""

    @classmethod
    def today(cls) -> date:
        return date(2026, 3, 15)


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> date:
    """Today is 2026-03-15 for cxdesk.times, and its once-per-process range is worked out afresh (and again after)."""
    monkeypatch.setattr(times, "date", _March15)
    plausible_range.cache_clear()
    plausible_text_range.cache_clear()
    yield _March15.today()
    plausible_range.cache_clear()
    plausible_text_range.cache_clear()


def test_plausible_range_edges(fixed_today: date) -> None:
    lo, hi = plausible_range()
    assert lo == datetime(2000, 1, 1) and hi == datetime(2027, 3, 16, 23, 59, 59)  # 2026-03-15 + 366 days
    assert parse_time("2000-01-01 00:00:00") == "2000-01-01 00:00:00"
    assert parse_time("2024-02-29 23:59:59") == "2024-02-29 23:59:59"
    assert parse_time(hi.strftime("%Y-%m-%d %H:%M:%S")) == hi.strftime("%Y-%m-%d %H:%M:%S")
    with pytest.raises(ValueError, match="不在合理范围"):
        parse_time((hi + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S"))
    assert parse_time("") is None and parse_time(float("nan")) is None and parse_time("NULL") is None


def test_agent_report_days_are_checked() -> None:
    with pytest.raises(ValueError, match="日期“20240230”不是有效日期"):
        parse_day("20240230")
    with pytest.raises(ValueError, match="日期“0001-01-01”不在合理范围"):
        parse_day("0001-01-01")
    assert parse_day("20240229") == "2024-02-29"


def test_stored_values_are_read_tolerantly() -> None:
    assert stored_datetime("2024-05-01 10:00:00") == datetime(2024, 5, 1, 10)
    assert [stored_datetime(v) for v in IMPOSSIBLE + [None, ""]] == [None] * 8
    assert stored_date("2024-05-01 10:00:00") == date(2024, 5, 1) and stored_date("2024-02-30") is None
    assert period_of("2024-02-30", "week") == NO_TIME and period_of("2024-05-01", "week") == "2024-04-29"


# --- imports ---------------------------------------------------------------------------------


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


REVIEW_ROWS = [  # content, rating, time, 追评, 追评时间, buyer; the CSV line is the index + 2
    ["质量很好", "★★★★★", "2024-05-01 10:00:00", "", "", "u1"],
    ["还行吧", "五", "2024-05-02 10:00:00", "", "", "u2"],
    ["一般", "4.5分", "2024-05-03 10:00:00", "", "", "u3"],
    ["很差", "-3", "2024-05-04 10:00:00", "", "", "u4"],  # line 5: refused
    ["不错", "NaN", "2024-05-05 10:00:00", "", "", "u5"],  # line 6: refused
    ["好看", "inf", "2024-05-06 10:00:00", "", "", "u6"],  # line 7: refused
    ["挺好", "５", "2024-02-30 10:00:00", "", "", "u7"],  # line 8: refused (date)
    ["喜欢", "5星", "0001-01-01 00:00:00", "", "", "u8"],  # line 9: refused
    ["推荐", "★★★☆☆", "2024-05-09 10:00:00", "追加", "9999-12-31", "u9"],  # line 10: refused (追评时间)
    ["好评", "好评", "2024-05-09 10:00:00", "", "", "u10"],
    ["没评分", "", "2024-05-10 10:00:00", "", "", "u11"],
    ["没时间", "５", "", "", "", "u12"],
    ["三星", "★★★☆☆", "2024-05-11 10:00:00", "", "", "u13"],
]


def test_review_import_rejects_junk_with_line_numbers(store: Store, tmp_path: Path) -> None:
    f = _csv(tmp_path / "r.csv", ["评价内容", "评分", "评价时间", "追评", "追评时间", "买家昵称"], REVIEW_ROWS)
    s = import_file(NullContext(), store, f)
    assert (s.rows_read, s.rows_added, s.rows_rejected) == (13, 7, 6)
    reasons = dict(store.batches.rejects(s.batch_id)[i][:2] for i in range(6))
    assert sorted(reasons) == [5, 6, 7, 8, 9, 10]
    assert "评分“-3”不在 1–5 之间" in reasons[5] and "评分“NaN”无法识别" in reasons[6]
    assert "评分“inf”" in reasons[7] and "时间“2024-02-30 10:00:00”不是有效日期" in reasons[8]
    assert "时间“0001-01-01 00:00:00”不在合理范围" in reasons[9] and "追评时间“9999-12-31”不在合理范围" in reasons[10]
    rows = store.conn.execute("SELECT buyer_nick, rating, rating_text FROM reviews").fetchall()
    stored = {nick: rating if rating is not None else text for nick, rating, text in rows}
    assert stored == {"u1": 5, "u2": 5, "u3": 5, "u10": "好评", "u11": None, "u12": 5, "u13": 3}


CHAT_ROWS = [  # session, role, sender, buyer, time, text; the CSV line is the index + 2
    ["s1", "买家", "b1", "b1", "2024-05-01 10:00:00", "在吗"],
    ["s1", "客服", "店:小王", "b1", "2024-05-01 10:00:30", "在的亲"],
    ["s1", "买家", "b1", "b1", "2024-02-30 10:01:00", "这个有货吗"],  # line 4
    ["s1", "客服", "店:小王", "b1", "0001-01-01 00:00:00", "有的"],  # line 5
    ["s2", "买家", "b2", "b2", "9999-12-31 23:59:59", "发货了吗"],  # line 6
    ["s2", "客服", "店:小王", "b2", "1980-01-01 10:00:00", "已发"],  # line 7: pandas reads it, the range does not
    ["s2", "买家", "b2", "b2", "2024/5/1 11:00", "谢谢"],
    ["s2", "客服", "店:小王", "b2", "", "不客气"],  # no time: kept, time missing
]


def test_chat_import_rejects_impossible_times_in_both_readers(store: Store, tmp_path: Path) -> None:
    f = _csv(tmp_path / "c.csv", ["会话ID", "角色", "发送账号", "买家昵称", "发送时间", "内容"], CHAT_ROWS)
    shown = preview(f)  # the row reader
    s = import_file(NullContext(), store, f)  # the vectorised reader
    rejects = [r[:2] for r in store.batches.rejects(s.batch_id)]
    assert [(r["record_no"], r["error"]) for r in shown if "error" in r] == rejects
    assert [no for no, _ in rejects] == [4, 5, 6, 7]
    assert "不是有效日期" in rejects[0][1] and all("不在合理范围" in why for _, why in rejects[1:])
    assert store.conn.execute("SELECT sent_at FROM chat_messages ORDER BY id").fetchall() == [
        ("2024-05-01 10:00:00",),
        ("2024-05-01 10:00:30",),
        ("2024-05-01 11:00:00",),
        (None,),
    ]


def test_json_and_qianniu_imports_reject_their_rows(store: Store, tmp_path: Path) -> None:
    comments = [
        {"id": i, "content": f"评价{i}", "creationTime": t, "score": score}
        for i, (t, score) in enumerate(
            [
                ("2024-05-01 10:00:00", 5),
                ("2024-05-02 10:00:00", "abc"),
                ("2024-02-30 10:00:00", 4),
                ("2024-05-03 10:00:00", "★★★★"),
            ],
            1,
        )
    ]
    jd = tmp_path / "jd.json"
    jd.write_text(json.dumps({"comments": comments}, ensure_ascii=False), encoding="utf-8")
    s = import_file(NullContext(), store, jd)
    assert [r[0] for r in s.rejects] == [2, 3] and "评分“abc”" in s.rejects[0].reason
    assert store.conn.execute("SELECT rating FROM reviews ORDER BY platform_review_id").fetchall() == [(5,), (4,)]
    txt = tmp_path / "qn.txt"
    txt.write_text(
        "tb_buyer 2024-5-1 10:20:33\n你好\nshop:小美 2024-2-30 10:21:00\n坏时间的消息\n"
        "shop:小美 2024-05-01 10:22:00\n在的\n",
        encoding="utf-8",
    )
    q = import_file(NullContext(), store, txt)
    assert [(r.record_no, r.reason) for r in q.rejects] == [
        (3, "时间“2024-2-30 10:21:00”不是有效日期（这条消息未导入）")
    ]
    assert q.rows_added == 2


# --- an older store holding such values ------------------------------------------------------------


def _inject(db: Path) -> None:
    """Write impossible times straight into the store, as versions before the check could."""
    conn = sqlite3.connect(db)
    with conn:
        for table, col in (
            ("reviews", "created_at"),
            ("reviews", "append_at"),
            ("chat_messages", "sent_at"),
            ("chat_sessions", "started_at"),
            ("chat_sessions", "ended_at"),
            ("orders", "created_at"),
            ("orders", "paid_at"),
        ):
            ids = [r[0] for r in conn.execute(f"SELECT rowid FROM {table} ORDER BY rowid LIMIT ?", (len(IMPOSSIBLE),))]
            conn.executemany(f"UPDATE {table} SET {col} = ? WHERE rowid = ?", zip(IMPOSSIBLE, ids))
        conn.execute("INSERT INTO agent_reports(shop_id, day, agent, sessions) VALUES (1, '2024-02-30', '小王', 3)")
    conn.close()


def _old_store(tmp_path: Path, n: int = 8) -> Path:
    """n sessions, reviews and orders on 2024-05-01 … 05-n; the first six of each get impossible times."""
    db = tmp_path / "old.sqlite3"
    chats = [
        [f"s{b}", role, sender, f"b{b}", f"2024-05-{1 + b:02d} 10:0{i}:{5 * (role == '客服'):02d}", text]
        for b in range(n)
        for i, (role, sender, text) in enumerate(
            [("买家", f"b{b}", "在吗"), ("客服", "店:小王", "亲，在的"), ("买家", f"b{b}", "东西坏了我要投诉")]
        )
    ]
    reviews = [
        [
            f"质量{'很好' if i % 2 else '太差了'}",
            str(1 + i % 5),
            f"2024-05-{1 + i:02d} 09:00:00",
            "追评",
            f"2024-05-{2 + i:02d} 09:00:00",
            f"b{i}",
        ]
        for i in range(n)
    ]
    orders = [
        [f"o{i}", f"b{i}", f"2024-05-{1 + i:02d} 10:30:00", f"2024-05-{1 + i:02d} 10:40:00", "99"] for i in range(n)
    ]
    with open_store(db) as store:
        for f in (
            _csv(tmp_path / "c.csv", ["会话ID", "角色", "发送账号", "买家昵称", "发送时间", "内容"], chats),
            _csv(tmp_path / "r.csv", ["评价内容", "评分", "评价时间", "追评", "追评时间", "买家昵称"], reviews),
            _csv(tmp_path / "o.csv", ["订单号", "买家昵称", "下单时间", "付款时间", "实付金额"], orders),
        ):
            import_file(NullContext(), store, f, shop="小店", platform="taobao")
    _inject(db)
    return db


def test_an_older_store_with_impossible_times_still_analyses_and_reports(tmp_path: Path) -> None:
    db = _old_store(tmp_path)
    summary = analyze(TaskContext(), db, workers=1)  # the real engine, in this process
    assert {s.stage: s.processed for s in summary.stages}["risk.sessions"] == 8
    out = tmp_path / "r.html"
    build_report(TaskContext(), db, ReportParams(date(2024, 2, 1), date(2024, 6, 30), out))
    assert "<h2>概览</h2>" in out.read_text("utf-8")
    with open_store(db) as store:  # what the pages read: first/last days skip the impossible ones
        dash = DashboardRepo(store.conn)
        assert (dash.first_day(), dash.last_day()) == (date(2024, 5, 7), date(2024, 5, 8))
        flt = DashboardFilter(date(2024, 2, 1), date(2024, 6, 30))
        assert dash.review_stats(flt).reviews == 2 and dash.risk_days(flt)
        voc = VocRepo(store.conn)
        assert voc.last_date() == date(2024, 5, 8) and voc.options().first_date == date(2024, 5, 7)
        assert [p.week_start for p in voc.weekly_trend(VocFilter())] == [date(2024, 5, 6)]
        assert SessionsBrowseRepo(store.conn).options().first_day == "2024-05-07"
        assert RiskQueueRepo(store.conn).options().last_day == "2024-05-08"


@pytest.mark.parametrize("cell", ["2023-05-01 " + " " * 8000 + "10:20", "1" * 5000, "年" * 20000])
def test_long_time_cells_are_refused_at_once_with_a_chinese_reason(cell: str) -> None:
    with pytest.raises(ValueError, match="不像时间"):  # the loose pattern was quadratic: 20,000 chars took 25 s
        parse_time(cell)
