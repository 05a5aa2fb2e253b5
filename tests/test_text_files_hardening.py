"""Text files (CSV/TSV/TXT/JSON) that used to lose rows silently (issue 14, classes 5, 6, 9, 10).

Unclosed quotes, files mixing UTF-8 and GBK, bytes no encoding reads, over-long cells and
lines, and UTF-16 without a BOM: every case ends in a clean import with the bad rows
rejected (line number and reason), the other rows stored exactly, and no U+FFFD stored.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import random
from pathlib import Path

import pytest

from cxdesk.errors import ImportFormatError
from cxdesk.importers import _fastchat, detect, import_file, registry
from cxdesk.importers._decode import DecodedText, LongLine
from cxdesk.importers._limits import MAX_CELL_CHARS, MAX_LINE_BYTES, MAX_RECORD_LINES
from cxdesk.importers._records import records
from cxdesk.importers._sniff import HEAD_BYTES
from cxdesk.store import open_store
from cxdesk.tasks import NullContext

REVIEW_HEADER = "订单号,商品ID,商品名称,SKU,旺旺号,评分,评价内容,日期,追评,商家回复\n"
CHAT_HEADER = "客户名,消息序号,发送时间,发送内容,发送账号,账号类型\n"
STORED_TEXTS = (
    "SELECT content FROM reviews UNION ALL SELECT buyer_nick FROM reviews "
    "UNION ALL SELECT content FROM chat_messages UNION ALL SELECT sender FROM chat_messages"
)


def cell(text: str) -> str:
    """A CSV cell as a spreadsheet writes it (quoted when it must be)."""
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text


def review_line(i: int, content: str | None = None, *, raw: str | None = None) -> str:
    """A seller-tool review row; ``raw`` goes in as it is (a broken cell)."""
    text = raw if raw is not None else cell(content or f"质量很好{i}号")
    return f"{i},600001,短袖T恤,尺码:L,s***{i},5,{text},2023-05-01 10:{i % 60:02d}:00,,\n"


def chat_line(i: int, content: str | None = None, *, raw: str | None = None) -> str:
    """A Qianniu exporter row, ten messages per buyer; ``raw`` goes in as it is."""
    buyer = f"tb_{i // 10}"
    sender, role = (buyer, "买家") if i % 2 == 0 else ("某某旗舰店:小美", "客服")
    text = raw if raw is not None else cell(content or f"在吗{i}号")
    return f"{buyer},{i % 10 + 1},2023-05-01 1{i // 3600 % 10}:{i // 60 % 60:02d}:{i % 60:02d},{text},{sender},{role}\n"


def _import(path: Path, db: Path, **kw):
    with open_store(db) as store:
        s = import_file(NullContext(), store, path, **kw)
        texts = [r[0] for r in store.conn.execute(STORED_TEXTS) if r[0] is not None]
        return s, texts


def _row_path(monkeypatch: pytest.MonkeyPatch) -> None:
    for fid, spec in list(registry._BY_ID.items()):
        monkeypatch.setitem(registry._BY_ID, fid, dataclasses.replace(spec, bulk_read=None))


def _no_replacement(texts: list[str]) -> None:
    assert not any("\ufffd" in t or "\ufdd0" in t for t in texts)


# --- class 5: unclosed quotes -------------------------------------------------------------


@pytest.mark.parametrize("closed_later", [False, True], ids=["never-closed", "closed-by-a-later-quote"])
def test_unclosed_quote_in_review_csv_rejects_its_line_and_imports_the_rest(tmp_path, closed_later):
    rows = [review_line(i) for i in range(1, 61)]
    rows[19] = review_line(20, raw='"质量很好20号')  # line 21: the quote never closes
    if closed_later:
        rows[39] = review_line(40, "有逗号,的评价")  # line 41: a real quoted cell closes it, wrongly
    f = tmp_path / "reviews.csv"
    f.write_text(REVIEW_HEADER + "".join(rows), encoding="utf-8")
    s, texts = _import(f, tmp_path / "db.sqlite3")
    assert s.rows_read == 60 and s.rows_added == 59
    assert [r.record_no for r in s.rejects] == [21]
    assert "引号没有闭合" in s.rejects[0].reason and "质量很好20号" in s.rejects[0].raw
    assert ("第 41 行" if closed_later else "文件末尾（第 61 行）") in s.rejects[0].reason
    assert {f"质量很好{i}号" for i in range(21, 40)} <= set(texts)


def test_unclosed_quote_in_qianniu_csv_same_on_every_chat_reader(tmp_path, monkeypatch):
    """Thread (pandas) reader, reader process and row reader: the rows the runaway cell swallowed
    are all imported; only its line is rejected. Also mixed encodings, bytes no encoding reads
    and an over-long message in the same file."""
    rows = [
        chat_line(i, "好的,谢谢" if i % 50 == 0 else ("第一行\n第二行" if i % 70 == 0 else None)) for i in range(1200)
    ]
    rows[300] = chat_line(300, raw='"在吗300号')  # runaway until the quoted cell of message 350
    rows[500] = chat_line(500, "长" * (MAX_CELL_CHARS + 1))
    utf8 = (CHAT_HEADER + "".join(rows[:900])).encode("utf-8")
    gbk = "".join(rows[900:1100]).encode("gbk")  # after the first 64 KB
    broken = chat_line(1100, "坏").encode("utf-8").replace("坏".encode(), b"\xff\xfe")
    f = tmp_path / "qianniu.csv"
    f.write_bytes(utf8 + gbk + broken + "".join(rows[1101:]).encode("utf-8"))
    assert len(utf8) > 64 * 1024
    results = [
        _import(f, tmp_path / "thread.sqlite3", reader_process=False),
        _import(f, tmp_path / "process.sqlite3", reader_process=True),
    ]
    _row_path(monkeypatch)
    results.append(_import(f, tmp_path / "rows.sqlite3"))
    line = {i: 2 + sum(r.count("\n") for r in rows[:i]) for i in (300, 350, 500, 1100)}  # file lines
    for s, texts in results:
        assert [r.record_no for r in s.rejects] == [line[300], line[500], line[1100]], s.rejects
        assert "引号没有闭合" in s.rejects[0].reason and f"第 {line[350]} 行" in s.rejects[0].reason
        assert "20,001 个字符" in s.rejects[1].reason and "无法识别的字节" in s.rejects[2].reason
        assert s.rejects[2].raw.startswith("tb_110,1,") and "\ufffd\ufffd" in s.rejects[2].raw
        assert s.rows_added == 1197 and s.encoding == "utf-8"
        assert {"在吗301号", "在吗349号", "在吗1001号", "在吗1199号"} <= set(texts)
        _no_replacement(texts)
    assert results[0][0].rejects == results[1][0].rejects == results[2][0].rejects


def test_clean_multiline_messages_stay_on_the_fast_path(tmp_path, monkeypatch):
    """Also those with many commas, which are looked at again (they could be a runaway cell)."""
    texts_in = ["第一行\n第二行,有逗号\n第三行", "亲,您好,已发货,\n请查收,有问题,联系我们"]
    rows = [chat_line(i, texts_in[i % 2] if i % 7 == 0 else None) for i in range(300)]
    f = tmp_path / "chat.csv"
    f.write_text(CHAT_HEADER + "".join(rows), encoding="utf-8")
    monkeypatch.setattr(_fastchat, "_rest_by_rows", lambda *a: pytest.fail("left the pandas reader"))
    s, texts = _import(f, tmp_path / "db.sqlite3", reader_process=False)
    assert s.rows_added == 300 and not s.rejects and set(texts_in) <= set(texts)


def test_a_cell_of_thousands_of_lines_is_one_rejected_record(tmp_path):
    long_text = "".join(f"第{i}行\n" for i in range(MAX_RECORD_LINES * 2))
    f = tmp_path / "reviews.csv"
    f.write_text(REVIEW_HEADER + review_line(1) + review_line(2, long_text) + review_line(3), encoding="utf-8")
    s, texts = _import(f, tmp_path / "db.sqlite3")
    assert s.rows_added == 2 and len(s.rejects) == 1 and s.rejects[0].record_no == 3
    assert f"共 {MAX_RECORD_LINES * 2 + 1:,} 行" in s.rejects[0].reason
    assert "质量很好3号" in texts


def test_records_split_off_a_runaway_and_number_lines_as_before():
    text = 'a,b,c\n1,"x\ny",z\n2,"open,q\n3,r,s\n4,"t,u",v\n5,w,x\n6,"多\n行",""odd\n'
    got = [
        (n, list(cells), getattr(cells, "reason", None) is not None)
        for n, cells in records(io.StringIO(text, newline=""), ",", 3)
    ]
    assert got == [
        (1, ["a", "b", "c"], False),
        (3, ["1", "x\ny", "z"], False),
        (4, ['2,"open,q'], True),
        (5, ["3", "r", "s"], False),
        (6, ["4", "t,u", "v"], False),
        (7, ["5", "w", "x"], False),
        (9, ["6", "多\n行", "odd"], False),
    ]  # odd, but not a runaway


# --- class 6: mixed encodings, undecodable bytes ------------------------------------------


@pytest.mark.parametrize("first, then", [("utf-8", "gbk"), ("gbk", "utf-8")])
def test_mixed_encodings_survive_exactly_in_every_text_format(tmp_path, first, then):
    n = 1200  # rows in the first encoding: more than the 64 KB head detection reads
    ask = "您好，请问什么时候发货"
    cases = {
        "reviews.csv": ([REVIEW_HEADER] + [review_line(i) for i in range(n + 50)], "质量很好"),
        "jddc.txt": ([f"{i // 10:032x}\tUSER_{i // 10}\t{i % 2}\t0\t0\tnan\t{ask}{i}号\n" for i in range(n + 50)], ask),
        "qianniu.txt": (
            [
                f"{'买家甲' if i % 2 == 0 else '某店:小美'} 2023-05-01 10:{i // 60 % 60:02d}:{i % 60:02d}\n{ask}{i}号\n"
                for i in range(n + 50)
            ],
            ask,
        ),
    }
    for name, (lines, text) in cases.items():
        head = "".join(lines[:-50]).encode(first)
        assert len(head) > HEAD_BYTES
        path = tmp_path / name
        path.write_bytes(head + "".join(lines[-50:]).encode(then))
        s, texts = _import(path, tmp_path / f"{name}.sqlite3")
        assert not s.rejects and s.rows_added == n + 50, name
        assert {f"{text}{i}号" for i in range(n + 50)} <= set(texts), name
        _no_replacement(texts)


def test_bytes_no_encoding_reads_reject_their_row(tmp_path):
    bad = b"\xff\xfe\x80"
    reviews = tmp_path / "reviews.csv"
    reviews.write_bytes(
        (REVIEW_HEADER + review_line(1)).encode()
        + review_line(2, "X").encode().replace(b"X", bad)
        + review_line(3).encode()
    )
    jddc = tmp_path / "jddc.txt"
    jddc.write_bytes(
        b"".join(f"{i:032x}\tU{i}\t0\t0\t0\tnan\t{'X' if i == 1 else '在吗'}\n".encode() for i in range(3)).replace(
            b"X", bad
        )
    )
    txt = tmp_path / "qianniu.txt"
    txt.write_bytes(
        "买家甲 2023-05-01 10:00:00\n你好\n某店:小美 2023-05-01 10:00:05\nX\n买家甲 2023-05-01 10:00:09\n好的\n".encode().replace(
            b"X", bad
        )
    )
    for path, line in ((reviews, 3), (jddc, 2), (txt, 3)):
        s, texts = _import(path, tmp_path / f"{path.stem}.sqlite3")
        assert [r.record_no for r in s.rejects] == [line], path.name
        assert "无法识别的字节" in s.rejects[0].reason and s.rows_added == 2
        _no_replacement(texts)


def test_decoding_in_small_blocks_keeps_lines_and_line_ends(tmp_path):
    data = ("a,b\r\n" + "中文,1\r\n" * 3).encode("utf-8") + "旧编码,2\n".encode("gbk") + b"x,\xff\rlast"
    f = tmp_path / "x.csv"
    f.write_bytes(data)
    with DecodedText(f, "utf-8", block=5) as text:
        lines = list(text)
        assert text.undecodable == 1 and text.count == len(data)
    assert lines == ["a,b\r\n", *["中文,1\r\n"] * 3, "旧编码,2\n", "x,\ufdd0\r", "last"]


# --- class 9: cell and line sizes ---------------------------------------------------------


def test_over_long_cells_are_rejected_in_csv_json_and_txt(tmp_path):
    long_text = "好" * (MAX_CELL_CHARS + 1)
    reviews = tmp_path / "reviews.csv"
    reviews.write_text(REVIEW_HEADER + review_line(1) + review_line(2, long_text), encoding="utf-8")
    items = [
        {"rateContent": "很好", "displayUserNick": "a", "rateDate": "2023-05-01 10:00:00", "id": "1"},
        {"rateContent": long_text, "displayUserNick": "b", "rateDate": "2023-05-01 10:00:00", "id": "2"},
    ]
    tmall = tmp_path / "tmall.json"
    tmall.write_text(json.dumps({"rateDetail": {"rateList": items}}, ensure_ascii=False), encoding="utf-8")
    txt = tmp_path / "qianniu.txt"
    txt.write_text(
        "买家甲 2023-05-01 10:00:00\n你好\n某店:小美 2023-05-01 10:00:05\n"
        + (long_text[:5000] + "\n") * 5
        + "买家甲 2023-05-01 10:00:09\n好的\n",
        encoding="utf-8",
    )
    for path, no, kept in ((reviews, 3, 1), (tmall, 2, 1), (txt, 3, 2)):
        s, texts = _import(path, tmp_path / f"{path.stem}.sqlite3")
        assert [r.record_no for r in s.rejects] == [no] and s.rows_added == kept, path.name
        assert f"上限 {MAX_CELL_CHARS:,} 个字符" in s.rejects[0].reason
        assert max(map(len, texts)) <= MAX_CELL_CHARS


def test_a_line_over_the_limit_is_skipped_without_holding_it(tmp_path, monkeypatch):
    huge = "x" * (MAX_LINE_BYTES + 10)
    chat = tmp_path / "chat.csv"
    chat.write_text(CHAT_HEADER + chat_line(0) + chat_line(1, huge) + chat_line(2), encoding="utf-8")
    txt = tmp_path / "qianniu.txt"
    txt.write_text(
        "买家甲 2023-05-01 10:00:00\n你好\n" + huge + "\n某店:小美 2023-05-01 10:00:05\n在的\n", encoding="utf-8"
    )
    for path, no, kept in ((chat, 3, 2), (txt, 1, 1)):
        s, texts = _import(path, tmp_path / f"{path.stem}.sqlite3")
        assert [r.record_no for r in s.rejects] == [no] and s.rows_added == kept, path.name
        assert "MB（上限 4 MB）" in s.rejects[0].reason
    with DecodedText(chat, "utf-8") as text:
        assert [type(x) for x in text] == [str, str, LongLine, str]


def test_long_lines_do_not_slow_down_the_qianniu_text_patterns(tmp_path):
    f = tmp_path / "qianniu.txt"
    f.write_text(
        "买家甲 2023-05-01 10:00:00\n" + "由" + " " * 8_000 + "x\n" + "a" + " " * 10_000 + "b\n", encoding="utf-8"
    )
    assert detect(f).format_id == "qianniu_txt"  # each of these lines took seconds before
    s, _ = _import(f, tmp_path / "db.sqlite3")
    assert s.rows_added == 1


# --- class 10: UTF-16 without BOM ---------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_text(tmp_path, imp_dir, encoding):
    for name in ("qianniu_export.csv", "seller_reviews.csv", "qianniu.txt"):
        f = tmp_path / name
        f.write_bytes((imp_dir / name).read_text(encoding="utf-8-sig").encode(encoding))
        det = detect(f)
        assert det.encoding == encoding
        s, texts = _import(f, tmp_path / f"{name}.sqlite3")
        assert s.rows_added and not s.rejects
        _no_replacement(texts)


def test_binary_with_zero_bytes_is_still_refused(tmp_path):
    f = tmp_path / "data.csv"
    f.write_bytes(random.Random(14).randbytes(8192))
    with pytest.raises(ImportFormatError, match="二进制文件"):
        detect(f)


@pytest.fixture
def imp_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "import"


def test_csv_module_field_limit_is_bounded():
    assert csv.field_size_limit() < 2**31 - 1
