"""Rows without a time (JDDC chats, review exports without a date): 全部 counts them, dated periods say so.

The store: the JDDC fixture (15 chat sessions, no times at all), three dated
reviews in June 2024 and four reviews without a date, all analysed; flags on
an undated session and an undated review.
"""

from __future__ import annotations

import json

import argparse
import re
from datetime import date
from pathlib import Path

import pytest

from cxdesk.importers import import_file
from cxdesk.reports.aggregate import refresh_review_daily
from cxdesk.reports.build import ReportParams, build_report, check_params
from cxdesk.reports.data import (
    ALL_PERIOD,
    PERIOD_CHOICES,
    all_filter,
    default_filter,
    load_dashboard,
    tiles,
    undated_note,
)
from cxdesk.reports.figures import link_for
from cxdesk.store import Store
from cxdesk.store.dashboard import REVIEW_DAILY_KEY, DashboardFilter, DashboardRepo
from cxdesk.tasks import NullContext, TaskContext

from tests.test_dashboard import _flag, _reviews


JUNE = DashboardFilter(date(2024, 6, 1), date(2024, 6, 30))
NOT_RUN = "尚未"


def _session_flag(store: Store, session_id: int, level: str) -> None:
    with store.transaction():
        store.conn.execute(
            "INSERT INTO risk_flags(target_type, target_id, rule_id, category, level, rules_version) "
            "VALUES ('session', ?, 's1', '投诉', ?, 'v')",
            (session_id, level),
        )


@pytest.fixture
def undated_store(store: Store, fixtures_dir: Path) -> Store:
    summary = import_file(NullContext(), store, fixtures_dir / "import" / "jddc_chat_200.txt")
    assert summary.sessions_added == 15
    _reviews(
        store,
        "小店",
        [
            ("2024-06-01 09:00:00", 5, "正面", 0.9),
            ("2024-06-20 10:00:00", 1, "负面", 0.1),
            ("2024-06-30 10:00:00", 4, "正面", 0.8),
        ],
    )
    undated = _reviews(
        store,
        "小店",
        [(None, None, "负面", 0.1), (None, None, "负面", 0.2), (None, 5, "正面", 0.9), (None, None, "负面", 0.3)],
    )
    _flag(store, undated[0], "高")
    sid = store.conn.execute("SELECT MIN(id) FROM chat_sessions").fetchone()[0]
    _session_flag(store, sid, "高")
    _session_flag(store, sid + 1, "低")
    return store


def test_all_is_a_period_choice_and_counts_the_rows_without_a_time(undated_store: Store) -> None:
    assert PERIOD_CHOICES[ALL_PERIOD] == "全部"
    flt = default_filter(undated_store, ALL_PERIOD)
    assert flt.all_data and (flt.date_from, flt.date_to) == (date(2024, 6, 1), date(2024, 6, 30))
    data = load_dashboard(undated_store, flt)
    assert (data.current.reviews, data.current.rated, data.current.analysed, data.current.negative) == (7, 4, 7, 4)
    assert (data.undated.reviews, data.undated.sessions) == (4, 15)
    assert data.open_high() == 2 and data.undated_flags() == 3  # the undated review's and session's 高
    assert data.faq == [] and not data.faq_analysed
    shown = {t.key: t for t in tiles(data)}
    assert all(not t.delta for k, t in shown.items() if k != "faq")  # no previous period: no change shown
    assert shown["reviews"].value == "7" and "4 条没有时间" in shown["reviews"].note
    assert shown["negative"].note == "4 / 7 条已分析"
    assert undated_note(data) == "其中 4 条评价、15 个会话、3 个风险标记没有时间：计入各项数字，但不在趋势图中。"
    # The trend charts hold only the dated rows.
    assert sum(p.analysed for p in data.series) == 3
    # Its links have no dates, so the pages list the undated rows too.
    assert shown["reviews"].link.filters["filter"].date_from is None
    assert shown["risk_high"].link.filters["filter"].date_from is None
    # A bar of the chart is one bucket again.
    link = link_for(data, "sentiment:2024-06-20")
    assert (link.filters["filter"].date_from, link.filters["filter"].date_to) == (date(2024, 6, 20),) * 2


def test_a_dated_period_counts_only_dated_rows_and_names_the_others(undated_store: Store) -> None:
    data = load_dashboard(undated_store, JUNE)
    assert (data.current.reviews, data.current.analysed, data.current.negative) == (3, 3, 1)
    assert data.open_high() == 0
    assert undated_note(data) == "另有 4 条评价、15 个会话没有时间，只计入「全部」。"
    assert tiles(data)[0].delta == "上期为 0"
    # A period with no dated review says so and points to 全部: never "情感分析尚未运行".
    may = load_dashboard(undated_store, DashboardFilter(date(2024, 5, 1), date(2024, 5, 31)))
    note = next(t.note for t in tiles(may) if t.key == "negative")
    assert NOT_RUN not in note and "4 条没有时间" in note and "全部" in note


def test_the_pre_aggregate_counts_undated_reviews_like_the_live_query(
    undated_store: Store, store_target: Path | str
) -> None:
    live = {f: load_dashboard(undated_store, f).current for f in (JUNE, all_filter(undated_store))}
    assert refresh_review_daily(store_target, force=True)
    repo = DashboardRepo(undated_store.conn)
    rows = repo.review_daily()
    assert rows is not None
    undated_rows = [r for r in rows if r[1] is None]  # one per shop: [shop, None, reviews, rated, ... scored]
    assert undated_rows == [[rows[0][0], None, 4, 1, 5, 4, 3, pytest.approx(1.5), 4]]
    for f, stats in live.items():
        assert load_dashboard(undated_store, f).current == stats
    # A pre-aggregate of the older row shape (no undated bucket) is stale: the live query is used instead.
    fingerprint = repo.review_fingerprint()
    (stored,) = undated_store.conn.execute("SELECT value FROM meta WHERE key = ?", (REVIEW_DAILY_KEY,)).fetchone()
    older = {**json.loads(stored), "fingerprint": fingerprint.replace(', "shop-day-9-undated"', "")}
    with undated_store.transaction():
        undated_store.conn.execute(
            "UPDATE meta SET value = ? WHERE key = ?", (json.dumps(older, ensure_ascii=False), REVIEW_DAILY_KEY)
        )
    assert repo.review_daily() is None
    assert load_dashboard(undated_store, all_filter(undated_store)).current.reviews == 7


def test_not_run_is_said_only_when_the_reviews_were_not_analysed(store: Store) -> None:
    _reviews(store, "小店", [(None, 5, "正面", 0.9), (None, 1, "负面", 0.1)])  # analysed, no time
    data = load_dashboard(store, default_filter(store, 30))
    negative = next(t for t in tiles(data) if t.key == "negative")
    assert NOT_RUN not in negative.note and "2 条没有时间" in negative.note
    data = load_dashboard(store, all_filter(store))
    assert not data.has_dated_rows and "都没有时间" in undated_note(data)
    assert next(t for t in tiles(data) if t.key == "negative").note == "1 / 2 条已分析"
    # Reviews nobody analysed yet: now the tile does say so.
    _reviews(store, "别的店", [(None, 3, None, 0.0)])
    other = DashboardRepo(store.conn).shops()[-1][0]
    data = load_dashboard(store, all_filter(store, shop_id=other))
    assert "尚未做情感分析" in next(t for t in tiles(data) if t.key == "negative").note


def test_an_older_store_without_undated_rows_shows_no_note(store: Store) -> None:
    _reviews(store, "小店", [("2024-06-01 09:00:00", 5, "正面", 0.9)])
    assert undated_note(load_dashboard(store, JUNE)) == ""
    assert undated_note(load_dashboard(store, all_filter(store))) == ""


# --- the report ------------------------------------------------------------------------------------


def _text(path: Path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<img[^>]*>", "", path.read_text("utf-8"))))


def _cli(argv: list[str]) -> int:
    from cxdesk.cli import cmd_report

    parser = argparse.ArgumentParser()
    cmd_report.add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_report_without_dates_is_all_data(
    undated_store: Store, store_target: Path | str, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "全部.html"
    assert _cli(["report", "--db", str(store_target), "--out", str(out), "--quiet"]) == 0
    assert "已生成报告" in capsys.readouterr().out
    text = _text(out)
    assert "全部数据（有时间的数据从 2024-06-01 至 2024-06-30）（全部数据无上期对比）" in text
    assert "评价数 7 全部评价，其中 4 条没有时间" in text
    assert "其中 4 条评价、15 个会话、3 个风险标记没有时间" in text
    assert "对比上期" not in text and "情感分析尚未运行" not in text
    assert "（未署名客服） 15 " in text  # the agents table counts the undated JDDC sessions


def test_report_of_a_period_names_the_undated_rows(
    undated_store: Store, store_target: Path | str, tmp_path: Path
) -> None:
    out = tmp_path / "六月.html"
    assert (
        _cli(
            [
                "report",
                "--db",
                str(store_target),
                "--from",
                "2024-06-01",
                "--to",
                "2024-06-30",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    text = _text(out)
    assert "对比上期 2024-05-02 至 2024-05-31" in text and "评价数 3 " in text
    assert "另有 4 条评价、15 个会话没有时间，只计入「全部」。" in text
    # One end only: the other is the data's first / last day (dated rows only).
    out = tmp_path / "起.html"
    assert _cli(["report", "--db", str(store_target), "--from", "2024-06-15", "--out", str(out), "--quiet"]) == 0
    assert "2024-06-15 至 2024-06-30（16 天）" in _text(out)


def test_report_params_without_dates(tmp_path: Path, undated_store: Store, store_target: Path | str) -> None:
    params = ReportParams(None, None, tmp_path / "r.pdf")
    assert params.all_data and check_params(params) == ".pdf"
    assert params.filter(date(2024, 6, 1), date(2024, 6, 30)).all_data
    summary = build_report(TaskContext(), store_target, params)
    assert summary.path.exists()


def test_report_help_documents_all_data(capsys) -> None:
    with pytest.raises(SystemExit):
        _cli(["report", "--help"])
    help_text = capsys.readouterr().out
    assert "全部数据" in help_text and "没有时间" in help_text
