"""Reports: XLSX / HTML / PDF from the same content; personal data masked by default; formulas neutralised."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from cxdesk.errors import CxdeskError
from cxdesk.reports.build import ReportParams, build_report
from cxdesk.store import Store
from cxdesk.tasks import TaskContext

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)

PHONE = "13812345678"


@pytest.fixture
def report_db(store: Store, store_target: Path | str) -> Path | str:
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "测试小店")
        store.reviews.insert_many(
            shop.id,
            None,
            [
                {
                    "review_key": "a",
                    "content": f"=HYPERLINK(\"x\") 差评 电话{PHONE}",
                    "rating": 1,
                    "buyer_nick": "tb_zhangsan88",
                    "created_at": "2024-06-20 10:00:00",
                },
                {
                    "review_key": "b",
                    "content": "很好",
                    "rating": 5,
                    "buyer_nick": "lisi",
                    "created_at": "2024-05-20 10:00:00",
                },
            ],
        )
        rid = store.conn.execute("SELECT id FROM reviews WHERE review_key = 'a'").fetchone()[0]
        store.conn.execute(
            "INSERT INTO risk_flags(target_type, target_id, rule_id, category, level, rules_version) "
            "VALUES ('review', ?, 'r', '投诉', '高', 'v')",
            (rid,),
        )
    return store_target


def _params(out: Path, **kw) -> ReportParams:
    return ReportParams(date(2024, 6, 1), date(2024, 6, 30), out, **kw)


def test_html_is_self_contained_and_masks_personal_data(report_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    summary = build_report(TaskContext(), report_db, _params(out))
    text = out.read_text("utf-8")
    assert summary.masked and "个人信息已隐藏" in summary.describe()
    assert "data:image/png;base64," in text and not re.search(r"(src|href)=['\"](?!data:)", text)
    for section in ("概览", "客服绩效", "未处理的主要风险", "常见问题", "评价方面", "差评原因", "新出现的抱怨"):
        assert f"<h2>{section}</h2>" in text
    assert PHONE not in text and "tb_zhangsan88" not in text and "t***8" in text
    assert "常见问题尚未分析" in text
    assert not list(tmp_path.glob("*.part"))


def test_keep_personal_keeps_it(report_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    build_report(TaskContext(), report_db, _params(out, keep_personal=True))
    text = out.read_text("utf-8")
    assert PHONE in text and "tb_zhangsan88" in text and "包含买家个人信息" in text


def test_xlsx_has_a_sheet_per_section_and_neutralises_formulas(report_db: Path, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "r.xlsx"
    build_report(TaskContext(), report_db, _params(out))
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "概览",
        "客服绩效",
        "未处理的主要风险",
        "常见问题",
        "评价方面",
        "差评原因",
        "新出现的抱怨",
    ]
    assert len(book["概览"]._images) == 3  # the charts
    cells = [c.value for row in book["未处理的主要风险"].iter_rows() for c in row if isinstance(c.value, str)]
    quoted = [v for v in cells if "HYPERLINK" in v]
    assert quoted and all(v.startswith("'=") for v in quoted)
    overview = {row[0].value: row[1].value for row in book["概览"].iter_rows() if row[0].value}
    assert overview["评价数"] == 1  # a number, not the text "1"


def test_pdf_embeds_the_cjk_font(report_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    build_report(TaskContext(), report_db, _params(out))
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"WenQuanYi" in data
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", data)) >= 2  # the figures page and the tables


def test_bad_parameters_give_chinese_errors(report_db: Path, tmp_path: Path) -> None:
    with pytest.raises(CxdeskError, match="须以 .xlsx、.html 或 .pdf 结尾"):
        build_report(TaskContext(), report_db, _params(tmp_path / "r.docx"))
    with pytest.raises(CxdeskError, match="早于开始日期"):
        build_report(TaskContext(), report_db, ReportParams(date(2024, 6, 2), date(2024, 6, 1), tmp_path / "r.pdf"))
    with pytest.raises(CxdeskError, match="文件夹不存在"):
        build_report(TaskContext(), report_db, _params(tmp_path / "no" / "r.pdf"))


def test_cli_report(report_db: Path, tmp_path: Path, capsys) -> None:
    import argparse

    from cxdesk.cli import cmd_report

    parser = argparse.ArgumentParser()
    cmd_report.add_parser(parser.add_subparsers())
    out = tmp_path / "r.pdf"
    args = parser.parse_args(
        ["report", "--db", str(report_db), "--from", "2024-06-01", "--to", "2024-06-30", "--out", str(out), "--quiet"]
    )
    assert args.func(args) == 0 and out.exists()
    assert "已生成报告" in capsys.readouterr().out
    args = parser.parse_args(
        ["report", "--db", str(report_db), "--from", "6/1", "--to", "2024-06-30", "--out", str(out)]
    )
    with pytest.raises(CxdeskError, match="格式不对"):
        args.func(args)
