"""Report (issue 17, point 7): the written summary, numbers stored as numbers, no click hints, PDF cells not cut.

A tiny store: 测试小店 has three dated reviews in June 2024, one in May and one without a time.
Review a carries two open flags (投诉/监管威胁 高, 差评威胁 中): one queue item, two categories.
Review c has an open 退款退货纠纷 高 flag, the May review a 高 flag (found in the previous period).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from cxdesk.reports.build import ReportParams, _resolve, build_report
from cxdesk.reports.content import ReportContent, Table, collect
from cxdesk.reports.data import DashboardFilter, Tile, all_filter, load_dashboard
from cxdesk.reports.layout import layout_table, text_width, wrap
from cxdesk.reports.summary import risk_overview, summary_sentences
from cxdesk.reports.writers import table_layout, write_xlsx
from cxdesk.store import Store, open_store
from cxdesk.tasks import TaskContext

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)

JUNE = DashboardFilter(date(2024, 6, 1), date(2024, 6, 30))
CHANGE_WORDS = ("上期", "上升", "增加", "减少", "比上", "较上")


@pytest.fixture
def summary_db(store: Store, store_target: Path | str) -> Path:
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "测试小店")
        store.reviews.insert_many(
            shop.id,
            None,
            [
                {
                    "review_key": "a",
                    "content": "再不退款我就去12315投诉",
                    "rating": 1,
                    "buyer_nick": "tb_zhangsan88",
                    "created_at": "2024-06-20 10:00:00",
                },
                {
                    "review_key": "b",
                    "content": "很好",
                    "rating": 5,
                    "buyer_nick": "lisi",
                    "created_at": "2024-06-21 10:00:00",
                },
                {
                    "review_key": "c",
                    "content": "退货运费谁出",
                    "rating": 2,
                    "buyer_nick": "wangwu",
                    "created_at": "2024-06-22 10:00:00",
                },
                {
                    "review_key": "m",
                    "content": "假货",
                    "rating": 1,
                    "buyer_nick": "zhao",
                    "created_at": "2024-05-20 10:00:00",
                },
                {"review_key": "u", "content": "没有时间的评价", "rating": 4, "buyer_nick": "qian"},
            ],
        )
        ids = dict(store.conn.execute("SELECT review_key, id FROM reviews"))
        for key, rule, category, level in (
            ("a", "r1", "投诉/监管威胁", "高"),
            ("a", "r2", "差评威胁", "中"),
            ("c", "r3", "退款退货纠纷", "高"),
            ("m", "r4", "质量/假货", "高"),
        ):
            store.conn.execute(
                "INSERT INTO risk_flags(target_type, target_id, rule_id, category, level, rules_version) "
                "VALUES ('review', ?, ?, ?, ?, 'v')",
                (ids[key], rule, category, level),
            )
    return store_target


def _summary(db: Path, flt: DashboardFilter) -> list[str]:
    with open_store(db) as store:
        data = load_dashboard(store, flt)
        return summary_sentences(data, risk_overview(store, data))


def test_dated_summary_says_what_changed_the_risks_and_what_to_do_first(summary_db: Path) -> None:
    sentences = _summary(summary_db, JUNE)
    assert 3 <= len(sentences) <= 5
    text = "".join(sentences)
    assert "本期收到 3 条评价，比上期（1 条）多 200%" in text
    assert "本期发现高风险的会话和评价 2 个，上期 1 个，增加 100%" in text
    # review a's two flags are one item: 2 open reviews, not 3, and both its categories are named
    assert "仍未处理的风险有 2 条评价" in text and "「投诉/监管威胁」1 个" in text and "「差评威胁」1 个" in text
    assert sentences[-1].startswith("建议先处理 2 条高风险评价") and "其中 1 条涉及" in sentences[-1]
    assert all(s.endswith("。") for s in sentences)


def test_all_data_summary_has_no_change_words(summary_db: Path) -> None:
    with open_store(summary_db) as store:
        flt = all_filter(store)
    sentences = _summary(summary_db, flt)
    assert 3 <= len(sentences) <= 5
    text = "".join(sentences)
    assert "全部数据共有 5 条评价（其中 1 条没有时间）" in text
    assert "仍未处理的风险有 3 条评价" in text  # the May review's flag too
    assert not any(w in text for w in CHANGE_WORDS), text


def test_empty_store_summary_says_what_to_do(store: Store, store_target: Path | str) -> None:
    store.close()
    for flt in (JUNE, None):
        with open_store(store_target) as s:
            flt = flt or all_filter(s)
        sentences = _summary(store_target, flt)
        assert 3 <= len(sentences) <= 5
        text = "".join(sentences)
        assert "没有未处理的风险" in text and "导入" in text
        assert not re.search(r"[1-9]", text) and not any(w in text for w in CHANGE_WORDS), text


def test_period_without_data_but_undated_rows_points_to_all(summary_db: Path) -> None:
    sentences = _summary(summary_db, DashboardFilter(date(2024, 1, 1), date(2024, 1, 31)))
    assert len(sentences) == 3 and "「全部」" in sentences[-1]


def _content(db: Path, params: ReportParams) -> ReportContent:
    return collect(TaskContext(), db, _resolve(db, params))


def test_summary_is_in_every_format(summary_db: Path, tmp_path: Path) -> None:
    import openpyxl

    first = _summary(summary_db, JUNE)[0]
    for suffix in (".html", ".xlsx", ".pdf"):
        out = tmp_path / f"r{suffix}"
        build_report(TaskContext(), summary_db, ReportParams(date(2024, 6, 1), date(2024, 6, 30), out))
        if suffix == ".html":
            assert "<h2>摘要</h2>" in out.read_text("utf-8") and first in out.read_text("utf-8")
        elif suffix == ".xlsx":
            sheet = openpyxl.load_workbook(out)["概览"]
            assert sheet["A2"].value == "摘要" and sheet["A3"].value == first
    from cxdesk.reports.writers import _first_page

    content = _content(summary_db, ReportParams(date(2024, 6, 1), date(2024, 6, 30), tmp_path / "x.pdf"))
    page = "".join(t.get_text() for t in _first_page(content).texts)
    assert first[:20] in page  # wrapped over lines, the first line holds the start


def test_risk_table_lists_one_row_per_review_with_all_its_categories(summary_db: Path, tmp_path: Path) -> None:
    table = _content(summary_db, ReportParams(date(2024, 6, 1), date(2024, 6, 30), tmp_path / "r.pdf")).table(
        "未处理的主要风险"
    )
    assert len(table.rows) == 2
    categories = sorted(r[1] for r in table.rows)
    assert categories == ["投诉/监管威胁、差评威胁（2 条）", "退款退货纠纷"]


# --- XLSX: numbers are numbers -----------------------------------------------------------------


def _numeric_text(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"'?[+-]?[\d,]+(\.\d+)?%?", value.strip()) is not None


def test_xlsx_stores_numbers_as_numbers_with_formats(summary_db: Path, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "r.xlsx"
    build_report(TaskContext(), summary_db, ReportParams(date(2024, 6, 1), date(2024, 6, 30), out))
    book = openpyxl.load_workbook(out)
    texts = [
        (ws.title, c.coordinate, c.value)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if _numeric_text(c.value)
    ]
    assert texts == []
    tiles = {row[0].value: row for row in book["概览"].iter_rows() if row[0].value}
    reviews = tiles["评价数"]
    assert (reviews[1].value, reviews[1].data_type) == (3, "n")
    assert (reviews[2].value, reviews[2].data_type, reviews[2].number_format) == (2.0, "n", "+0%;-0%;0%")
    risk = book["未处理的主要风险"]
    header = [c.value for c in risk[3]]
    assert header[header.index("风险分")] == "风险分"
    aspects = book["评价方面"]
    assert [c.value for c in aspects[3]][-1] == "负面占比"


def test_xlsx_writer_writes_ratios_and_changes_as_formatted_numbers(tmp_path: Path) -> None:
    import openpyxl

    table = Table(
        "常见问题",
        ["常见问题", "本期提问", "上期提问", "变化", "说明"],
        [["能便宜点吗", 54, 35, 0.54, "上升"], ["新问题", 3, 0, None, "新出现"]],
        formats=["", "int", "int", "signed_pct", ""],
    )
    aspects = Table("评价方面", ["方面", "负面占比"], [["物流", 0.125]], formats=["", "pct"])
    content = ReportContent(
        "报告",
        "2024-06-01 至 2024-06-30（30 天）",
        "2024-05-02 至 2024-05-31",
        "全部店铺",
        "2024-07-01 09:00",
        True,
        [
            Tile("reviews", "评价数", "1,540", "较上期 +54%", None, "", None, 1540, "int", 0.54, "signed_pct"),
            Tile("negative", "负面评价占比", "8.5%", "上期无数据", None, "", None, 0.085, "pct"),
        ],
        [table, aspects],
        [],
        summary=["一句话。"],
    )
    out = tmp_path / "t.xlsx"
    write_xlsx(content, out)
    book = openpyxl.load_workbook(out)
    rows = {r[0].value: r for r in book["概览"].iter_rows() if r[0].value}
    assert (rows["评价数"][1].value, rows["评价数"][1].number_format) == (1540, "#,##0")
    change = rows["评价数"][2]
    assert (change.value, change.data_type, change.number_format) == (0.54, "n", "+0%;-0%;0%")
    assert rows["负面评价占比"][2].value == "上期无数据"  # no number to store: the words
    faq = book["常见问题"]
    cell = faq["D4"]
    assert (cell.value, cell.data_type, cell.number_format) == (0.54, "n", "+0%;-0%;0%")
    assert faq["D5"].value is None and faq["E5"].value == "新出现"
    for col in "BC":
        assert all(faq[f"{col}{r}"].data_type == "n" for r in (4, 5))
    assert (book["评价方面"]["B4"].value, book["评价方面"]["B4"].number_format) == (0.125, "0.0%")
    assert table.text(0.54, 3) == "+54%" and aspects.text(0.125, 1) == "12.5%"  # HTML and PDF show the same


# --- figures: nothing in a report is clickable -------------------------------------------------


def _figure_texts(fig) -> str:
    from matplotlib.text import Text

    return " ".join(t.get_text() for t in fig.findobj(Text))


@pytest.mark.parametrize(
    "dates", [(date(2024, 6, 1), date(2024, 6, 30)), (None, None), (date(2024, 1, 1), date(2024, 1, 31))]
)
def test_report_figures_never_say_click(summary_db: Path, tmp_path: Path, dates) -> None:
    content = _content(summary_db, ReportParams(*dates, tmp_path / "r.pdf"))
    assert [c for c, _ in content.figures] == ["评价情感", "风险", "评价方面"]
    for caption, fig in content.figures:
        assert "点击" not in _figure_texts(fig), caption
    aspect = _figure_texts(content.figures[2][1])
    assert "没有方面提及" in aspect and "方面分析尚未运行" in aspect  # empty: says why


def test_app_aspect_chart_keeps_its_click_hint() -> None:
    from cxdesk.charts import aspect_figure

    assert "点击" in _figure_texts(aspect_figure([]))


# --- PDF layout: no cell is cut --------------------------------------------------------------

CATEGORIES = [
    "投诉/监管威胁",
    "退款退货纠纷",
    "差评威胁",
    "质量/假货",
    "客服违规",
    "服务时效",
    "重复咨询",
    "激烈情绪",
    "收费纠纷",
    "沟通破裂",
    "催办无果",
    "辱骂",
]


def test_risk_table_layout_keeps_every_category_and_status_whole() -> None:
    header = ["等级", "类别", "对象", "时间", "店铺", "买家", "客服", "风险分", "内容", "状态"]
    rows = [
        [
            "高",
            "、".join(CATEGORIES[i : i + 4]) + "（4 条）",
            "聊天消息",
            "2024-06-30 08:37",
            "京选家居京东自营专营店",
            "j***4",
            "小棉袄童装旗舰店:阿强",
            "100",
            "不给退我就打12315投诉，" * 4,
            status,
        ]
        for i, status in zip(range(0, 9), ("待处理", "处理中") * 5)
    ]
    table = Table("未处理的主要风险", header, rows, keep_words=(0, 1, 2, 4, 9))
    layout = table_layout(table)
    assert layout.fits()
    for row, cells in zip(rows, layout.rows):
        category_lines, status_lines = cells[1], cells[9]
        assert status_lines == [row[9]]  # 待处理 / 处理中 on one line
        assert "".join(category_lines) == row[1]  # nothing dropped, no 「…」
        for name in row[1].split("（")[0].split("、"):  # each category on one line, never split
            assert any(name in line for line in category_lines), (name, category_lines)
        assert "".join(cells[8]).replace(" ", "") == row[8].replace(" ", "")
    assert not any("…" in line for cells in layout.rows for cell in cells for line in cell)


def test_every_report_table_fits_its_columns(summary_db: Path, tmp_path: Path) -> None:
    content = _content(summary_db, ReportParams(date(2024, 6, 1), date(2024, 6, 30), tmp_path / "r.pdf"))
    for table in content.tables:
        layout = table_layout(table)
        assert layout.fits(), table.title
        assert sum(layout.widths) == pytest.approx(0.88 * 8.27 * 72, rel=1e-3), table.title
        for row, cells in zip(table.rows, layout.rows):
            for i, (value, lines) in enumerate(zip(row, cells)):
                assert "".join(lines).replace(" ", "") == table.text(value, i).replace(" ", ""), table.title


def test_wrap_measures_with_the_font() -> None:
    assert text_width("投诉/监管威胁", 10) > text_width("投诉", 10) * 3
    assert text_width("字", 10) == pytest.approx(10 * 1.02, rel=0.05)
    lines = wrap("投诉/监管威胁、退款退货纠纷", text_width("投诉/监管威胁、", 7), 7, free=False)
    assert lines == ["投诉/监管威胁、", "退款退货纠纷"]
    narrow = layout_table(["状态"], [["待处理"], ["处理中"]], 40, 7)
    assert narrow.rows == [[["待处理"]], [["处理中"]]] and narrow.fits()
