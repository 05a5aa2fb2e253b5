"""Files the fuzzing of the importers found (tests/test_fuzz_importers.py, bench/fuzz_importers.py).

Each once failed the property of :func:`test_fuzz_importers.check_case` or a bench comparison;
:data:`FOUND` holds the smallest file showing it, what it must give now, and what went wrong
before the fix. ``test_files_found_by_fuzzing`` runs them as plain regression tests, so they
stay fixed without relying on hypothesis finding them again.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import hostile_files as hf

JDDC_LINE = "0000b82c62117aa4497508bb1bdfb53a\tUSERID_1\t{flag}\t0\t0\tnan\t{text}\n"
AGENT_CSV_HEADER = (
    ",".join(("日期", "客服昵称", "接待会话量", "全天平响时长", "全天首响时长", "全天3分钟回复率")) + "\n"
)


def _zip_version(data: bytes, version: int) -> bytes:
    """``data`` (a ZIP) with the first central directory entry's "version needed to extract" set."""
    at = data.index(b"PK\x01\x02") + 6
    return data[:at] + bytes([version]) + data[at + 1 :]


def _xlsx_with_date_serial(serial: float) -> bytes:
    """Three reviews; the second one's time cell is date-formatted with the serial ``serial``."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws, date = wb.add_worksheet(), wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write_row(0, 0, ("评价内容", "评分", "评价时间", "用户昵称"))
    for r in range(1, 4):
        ws.write_row(r, 0, (f"第{r}条很好", 5))
        ws.write_number(r, 2, serial if r == 2 else 45_352 + r, date)
        ws.write_string(r, 3, f"买家{r}")
    wb.close()
    return buf.getvalue()


def _agent_rows(durations: list[str]) -> str:
    return "".join(f"2024-03-0{i + 1},小{i},20,{d},12.5秒,85.2%\n" for i, d in enumerate(durations))


QIANNIU_HEADER = "客户名,消息序号,发送时间,发送内容,发送账号,账号类型\n"
CHATS_TSV = "买家昵称\t发送时间\t发送内容\t角色\n" + "".join(
    f"b{i}\t2024-03-01 10:0{i}:00\t消息{i}\t买家\n" for i in range(4)
)
REVIEWS_CSV = "评价内容,评分,评价时间,用户昵称\n" + "".join(
    f"第{i}条很好,5,2024-03-0{i} 10:00:00,买家{i}\n" for i in range(1, 5)
)
QIANNIU_ROWS = (
    "tb_alice,1,2023-05-02 09:00:00,请问什么时候发货,tb_alice,买家\n"
    "tb_alice,2,2023-05-02 09:00:20,亲，今天下午就发哦,某某旗舰店:小美,客服\n"
    "tb_alice,3,2023-05-02 09:01:00,好的,tb_alice,买家\n"
)
# 100 rows (6 KB) first: a NUL byte in the first 4 KB makes the file "binary" (refused whole).
QIANNIU_HEAD = QIANNIU_HEADER + "".join(f"tb_{i},1,2023-05-03 10:00:00,在吗在吗在吗,tb_{i},买家\n" for i in range(100))


@dataclass(frozen=True)
class Found:
    """A file fuzzing found, what it must give now, and what went wrong before the fix."""

    suffix: str
    data: bytes
    result: str  # imported | refused
    before: str
    rejected: tuple[int, ...] | None = None  # the rejected lines, when they matter
    reason: str = ""  # what every rejected line's reason says
    read: int | None = None  # rows (records) read, when rows went missing before


FOUND: dict[str, Found] = {
    "jddc-reject-line-number": Found(
        ".txt",
        (
            JDDC_LINE.format(flag=0, text="你好")
            + JDDC_LINE.format(flag=1, text="您好")
            + JDDC_LINE.format(flag=2, text="标志坏了")
        ).encode(),
        "imported",
        "the vectorised JDDC reader numbered rejects with numpy ints: stored as 8-byte BLOBs",
        (3,),
    ),
    "header-of-5000-equal-cells": Found(
        ".csv",
        ("评价日期," * 5000 + "\n1,2\n").encode(),
        "refused",
        "naming repeated header cells retried every suffix: minutes per file",
    ),
    "header-cell-of-12000-brackets": Found(
        ".csv",
        ("评价内容,评分," + "(" * 12_000 + "\n很好,5,x\n").encode(),
        "imported",
        "the header's bracket pattern rescanned the cell from every '(': 6 s and up",
    ),
    "agent-duration-of-spaces": Found(
        ".csv",
        (AGENT_CSV_HEADER + _agent_rows(["1h" + " " * 18_000 + "x"] * 2 + ["00:35"] * 2)).encode(),
        "imported",
        "the duration pattern split runs of spaces every way: 8 s per cell; the reason "
        "quoted the whole 18,000-character cell",
        (2, 3),
    ),
    "long-unknown-header-names": Found(
        ".csv",
        ("名" * 20_000 + ",y\n1,2\n").encode(),
        "refused",
        "the message listed every column name whole: 20,000+ characters",
    ),
    "chat-sender-of-20000-characters": Found(
        ".csv",
        (
            "买家昵称,发送时间,发送内容,发送账号\n"
            + "".join(f"b{i},2024-03-01 10:0{i}:00,在吗,{'b' + str(i) if i else 'x' * 19_000}\n" for i in range(4))
        ).encode(),
        "imported",
        "the role reason quoted the whole sender (both chat readers)",
        (2,),
    ),
    "chat-csv-blank-line-after-header": Found(
        ".csv",
        (QIANNIU_HEADER + "\n" + QIANNIU_ROWS).encode(),
        "imported",
        "pandas found 'no columns' and the whole file was refused as empty",
        (),
    ),
    "jddc-blank-first-line": Found(
        ".txt",
        ("\n" + JDDC_LINE.format(flag=0, text="你好") + JDDC_LINE.format(flag=1, text="您好")).encode(),
        "imported",
        "the same in the vectorised JDDC reader",
        (),
    ),
    "chat-csv-nul-in-a-cell": Found(
        ".csv",
        (QIANNIU_HEAD + QIANNIU_ROWS.replace("好的", "好\x00的")).encode(),
        "imported",
        "pandas cut the message at the NUL and stored 好 (the row reader stored the NUL)",
        (104,),
        "无法识别的字节",
    ),
    "chat-csv-line-in-utf-16": Found(
        ".csv",
        QIANNIU_HEAD.encode()
        + QIANNIU_ROWS.encode().replace(
            "tb_alice,3,2023-05-02 09:01:00,好的,tb_alice,买家\n".encode(),
            "tb_alice,3,2023-05-02 09:01:00,ok,tb_alice,buyer\n".encode("utf-16-le"),
        )
        + QIANNIU_ROWS.encode(),
        "imported",
        "an ASCII line pasted as UTF-16 was stored as 't\\0b\\0_\\0…' by one reader, cut to 't' by the other; the "
        "NUL after it started the next line's buyer",
        (104, 105),
        "无法识别的字节",
    ),
    "title-with-line-separator": Found(
        ".csv",
        ("评价导出,,,\u2028第二部分,,,\n" + REVIEWS_CSV).encode(),
        "imported",
        "detection cut lines at U+2028 (str.splitlines), the readers do not: the header's "
        "line number was one too high and the first row was skipped without a word",
        (),
        read=4,
    ),
    "title-with-form-feed": Found(
        ".csv",
        ("评价导出,,,\x0c,,,\n" + REVIEWS_CSV).encode("gbk"),
        "imported",
        "the same with a form feed (also \\x0b, \\x1c–\\x1e, \\x85)",
        (),
        read=4,
    ),
    "title-without-delimiters": Found(
        ".csv",
        ("评价导出 2024-03-01\n" + REVIEWS_CSV).encode(),
        "imported",
        "the delimiter had to be on the first line: the file was taken for text and refused",
        (),
        read=4,
    ),
    "title-with-other-delimiters": Found(
        ".csv",
        (",,,;;\n" + REVIEWS_CSV.replace(",", ";")).encode(),
        "imported",
        "the title's ',' beat the table's ';' (steadiness was counted against the "
        "first line): no header found, file refused",
        (),
        read=4,
    ),
    "title-like-a-qianniu-header": Found(
        ".tsv",
        ("某某旗舰店 2024-03-01 10:00\n" + CHATS_TSV).encode(),
        "imported",
        "read as Qianniu client text: the table became one message",
        (),
        read=4,
    ),
    "xlsx-zip-version-unsupported": Found(
        ".xlsx",
        _zip_version(hf.xlsx_bytes(hf.xlsx_parts()), 204),
        "refused",
        "a damaged ZIP directory claiming version 20.4: zipfile's NotImplementedError reached the last-resort guard",
    ),
    "agent-count-of-1e30": Found(
        ".csv",
        (AGENT_CSV_HEADER + "2024-03-05,小丙,1e30,00:35,12.5秒,85.2%\n" + _agent_rows(["00:35"] * 3)).encode(),
        "imported",
        "the count became an int over SQLite's 2**63: OverflowError out of import_file (a traceback in the CLI)",
        (2,),
    ),
    "xlsx-rels-without-target": Found(
        ".xlsx",
        hf.xlsx_bytes(
            {
                **hf.xlsx_parts(),
                "xl/_rels/workbook.xml.rels": (
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    '<Relationship Id="rId1"/></Relationships>'
                ),
            }
        ),
        "refused",
        "openpyxl's UserWarning ('invalid dependency definitions') escaped as an exception where warnings are errors",
    ),
    "xlsx-date-cell-out-of-range": Found(
        ".xlsx",
        _xlsx_with_date_serial(1e10),
        "imported",
        "the same for a date cell out of range, warned about while reading rows",
        (3,),
    ),
    "chat-title-with-unclosed-quote": Found(
        ".csv",
        ('千牛聊天记录,导出,"\n' + QIANNIU_HEADER + QIANNIU_ROWS.replace("好的", '"好的"') + QIANNIU_ROWS).encode(),
        "imported",
        "detection read the quote to the next one and found no header (file refused); with the header found, pandas "
        "skipped the header by records, not lines, and lost every row up to the next quote",
        (),
        read=6,
    ),
    "json-lone-surrogate-escape": Found(
        ".json",
        (
            '{"comments": [{"id": 1, "content": "很好", "creationTime": "2024-03-01 10:00:00", "score": 5},'
            ' {"id": 2, "content": "坏\\ud800了", "creationTime": "2024-03-02 10:00:00", "score": 4},'
            ' {"id": 3, "content": "\\ud83d\\ude00 好", "creationTime": "2024-03-03 10:00:00", "score": 5}]}'
        ).encode(),
        "imported",
        "a JSON escape of half a surrogate pair reached SQLite: UnicodeEncodeError out of import_file",
        (2,),
        "无法识别的字节",
    ),
    "json-duplicate-key-of-surrogates": Found(
        ".json",
        b'[{"content": "\\ud800", "content": "\\udc01"}]',
        "refused",
        "the message quoted the two values: a lone surrogate, not printable",
    ),
    "json-lines-with-line-separator": Found(
        ".json",
        ('{"评价内容": "很好", "评分": 5}\n{"评价内容": "第一句\u2028第二句", "评分": 4}\n').encode(),
        "imported",
        "JSON Lines were split with str.splitlines, also at U+2028 inside a text: the file was refused",
        (),
        read=2,
    ),
}
