"""Builders of hostile and malformed import files, for hardening and fuzz tests.

Every builder has the signature ``build(path) -> Path``: it writes one case
to ``path`` (any name; the extension is the caller's choice) and returns it.
They need nothing but the standard library and build in well under a second
each, so property-based (hypothesis) tests can reuse them as seeds or as
strategies' building blocks (:func:`xlsx_bytes`, :func:`raw_zip` and
:func:`deep_json` take parameters).

``REFUSED`` names the cases an importer must refuse with a clear
:class:`cxdesk.errors.ImportFormatError` (store unchanged); ``PARTIAL`` those
it imports with the bad records rejected (line number and reason);
``ACCEPTED`` the odd-but-valid ones that must import cleanly. Each case is
written with :func:`extension` (``.xlsx``, ``.zip`` or ``.json``).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

Builder = Callable[[Path], Path]

# ---------------------------------------------------------------- XLSX parts

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    '</Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="评价" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    '<Relationship Id="rId2" Target="sharedStrings.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    '</Relationships>'
)
SHARED_STRINGS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0"/>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
REVIEW_HEADER = ("评价内容", "评分", "评价时间", "用户昵称")


DOUYIN_HEADER = ("评价日期", "订单ID", "商品ID", "商品名称", "商品规格", "商品评价得分", "评价内容")
AGENT_HEADER = ("日期", "客服昵称", "接待会话量", "全天平响时长", "全天首响时长", "全天3分钟回复率")


def review_rows(n: int) -> list[tuple[str, ...]]:
    """The header and ``n`` plausible review rows."""
    return [REVIEW_HEADER] + [
        (f"第{i}条：质量不错，物流很快", "5", f"2024-03-{1 + i % 28:02d} 10:00:00", f"买家{i}") for i in range(1, n + 1)
    ]


def sheet_xml(rows: list[tuple[str, ...]], *, doctype: str = "", dimension: str = "", tail_rows: str = "") -> str:
    """A worksheet with inline-string cells (``t="inlineStr"``), one ``<row>`` per row."""
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(f'<c r="{_col(c)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>' for c, v in enumerate(row))
        body.append(f'<row r="{r}">{cells}</row>')
    head = SHEET_HEAD if not doctype else SHEET_HEAD.replace("<worksheet", doctype + "<worksheet", 1)
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{head}{dim}<sheetData>{''.join(body)}{tail_rows}</sheetData></worksheet>"


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        name = chr(65 + rem) + name
    return name


def xlsx_parts(rows: list[tuple[str, ...]] | None = None) -> dict[str, str | bytes]:
    """The parts of a small valid review workbook; edit the dict to break it."""
    return {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/sharedStrings.xml": SHARED_STRINGS,
        "xl/worksheets/sheet1.xml": sheet_xml(rows if rows is not None else review_rows(3)),
    }


def xlsx_bytes(parts: dict[str, str | bytes]) -> bytes:
    """A ZIP (deflated) holding ``parts`` in the given order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return buf.getvalue()


def write_xlsx(path: Path, parts: dict[str, str | bytes]) -> Path:
    path.write_bytes(xlsx_bytes(parts))
    return path


def raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP from (name, deflated data, declared uncompressed size, crc) without re-compressing.

    Lets a test declare sizes no one wants to inflate (a zip bomb) in milliseconds.
    """
    out = io.BytesIO()
    central = []
    for name, data, size, crc in members:
        raw_name = name.encode("utf-8")
        offset = out.tell()
        out.write(
            struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0x800, 8, 0, 0, crc, len(data), size, len(raw_name), 0)
            + raw_name
            + data
        )
        central.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0x800,
                8,
                0,
                0,
                crc,
                len(data),
                size,
                len(raw_name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + raw_name
        )
    start = out.tell()
    cd = b"".join(central)
    out.write(cd)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(cd), start, 0))
    return out.getvalue()


def deflated(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def deflated_repeat(block: bytes, times: int, prefix: bytes = b"", suffix: bytes = b"") -> bytes:
    """Raw deflate of ``prefix + block * times + suffix``, built from one compressed block.

    After a full flush the compressor starts afresh, so every repetition
    compresses to the same bytes: 2 GiB of text is written in milliseconds.
    """
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    one = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    return head + one * times + c.compress(suffix) + c.flush()


def _zip_bomb(path: Path, member: str, mebibytes: int, prefix: str, suffix: str) -> Path:
    parts = xlsx_parts()
    block = b"a" * (1 << 20)
    members = [
        (
            n,
            deflated(d.encode("utf-8") if isinstance(d, str) else d),
            len(d.encode("utf-8") if isinstance(d, str) else d),
            zlib.crc32(d.encode("utf-8") if isinstance(d, str) else d),
        )
        for n, d in parts.items()
        if n != member
    ]
    pre, suf = prefix.encode("utf-8"), suffix.encode("utf-8")
    bomb = deflated_repeat(block, mebibytes, pre, suf)
    # The CRC is not computed (it would mean hashing GiBs): the file must be refused on
    # its declared size before a single byte is inflated.
    members.append((member, bomb, len(pre) + mebibytes * len(block) + len(suf), 0))
    path.write_bytes(raw_zip(members))
    return path


# -------------------------------------------------------------- XLSX cases


def xlsx_sheet_cut_early(path: Path) -> Path:
    """The sheet XML ends inside the header row (a download cut short, re-zipped)."""
    parts = xlsx_parts()
    parts["xl/worksheets/sheet1.xml"] = str(parts["xl/worksheets/sheet1.xml"])[:420]
    return write_xlsx(path, parts)


def _cut_late(path: Path, rows: list[tuple[str, ...]]) -> Path:
    """``rows`` with a dimension (as Excel writes it; without one openpyxl scans the whole sheet
    when opening it), the sheet XML cut at 80 %: the probe reads fine, the import does not."""
    parts = xlsx_parts()
    xml = sheet_xml(rows, dimension=f"A1:{_col(len(rows[0]) - 1)}{len(rows)}")
    parts["xl/worksheets/sheet1.xml"] = xml[: int(len(xml) * 0.8)]
    return write_xlsx(path, parts)


def xlsx_sheet_cut_late(path: Path) -> Path:
    """A generic review sheet of 400 rows that stops mid-row."""
    return _cut_late(path, review_rows(400))


def xlsx_douyin_cut_late(path: Path) -> Path:
    """A 抖店 review export that stops mid-row (read by the douyin_reviews format)."""
    return _cut_late(
        path,
        [DOUYIN_HEADER]
        + [
            ("2024-03-01 10:00:00", f"69000{i}", "3001", "T恤", "黑色;XL", "5", f"第{i}条：不错") for i in range(1, 401)
        ],
    )


def xlsx_agent_report_cut_late(path: Path) -> Path:
    """A 飞鸽 daily agent report that stops mid-row (read by the agent_report format)."""
    return _cut_late(
        path,
        [AGENT_HEADER] + [(f"2024-03-{1 + i % 28:02d}", f"客服{i}", "30", "25", "12", "95%") for i in range(1, 401)],
    )


def xlsx_truncated_zip(path: Path) -> Path:
    """The ZIP itself is cut (no central directory)."""
    data = xlsx_bytes(xlsx_parts(review_rows(50)))
    path.write_bytes(data[: len(data) // 2])
    return path


def xlsx_workbook_cut(path: Path) -> Path:
    parts = xlsx_parts()
    parts["xl/workbook.xml"] = WORKBOOK[:150]
    return write_xlsx(path, parts)


def xlsx_no_content_types(path: Path) -> Path:
    parts = xlsx_parts()
    del parts["[Content_Types].xml"]
    return write_xlsx(path, parts)


def xlsx_missing_sheet_part(path: Path) -> Path:
    parts = xlsx_parts()
    del parts["xl/worksheets/sheet1.xml"]
    return write_xlsx(path, parts)


def xlsx_sheet_not_xml(path: Path) -> Path:
    parts = xlsx_parts()
    parts["xl/worksheets/sheet1.xml"] = bytes(range(256)) * 8
    return write_xlsx(path, parts)


_XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def xlsx_xxe_sheet(path: Path) -> Path:
    """An external entity in the sheet: must never be resolved (XXE)."""
    parts = xlsx_parts()
    xml = sheet_xml(review_rows(2), doctype=_XXE)
    parts["xl/worksheets/sheet1.xml"] = xml.replace("买家1<", "&xxe;<", 1)
    return write_xlsx(path, parts)


def xlsx_xxe_workbook(path: Path) -> Path:
    parts = xlsx_parts()
    parts["xl/workbook.xml"] = WORKBOOK.replace(
        "<workbook", '<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]><workbook', 1
    ).replace('name="评价"', 'name="&xxe;"')
    return write_xlsx(path, parts)


def billion_laughs_doctype(root: str, levels: int = 9) -> str:
    ents = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, levels + 1)]
    return f"<!DOCTYPE {root} [{''.join(ents)}]>"


def xlsx_billion_laughs(path: Path) -> Path:
    """Nested entities in sharedStrings.xml that expand to ~3 GB if expanded."""
    parts = xlsx_parts()
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        + billion_laughs_doctype("sst")
        + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1">'
        '<si><t>&lol9;</t></si></sst>'
    )
    return write_xlsx(path, parts)


def xlsx_billion_laughs_sheet(path: Path) -> Path:
    parts = xlsx_parts()
    xml = sheet_xml(review_rows(2), doctype=billion_laughs_doctype("worksheet"))
    parts["xl/worksheets/sheet1.xml"] = xml.replace("买家1<", "&lol9;<", 1)
    return write_xlsx(path, parts)


def xlsx_zip_bomb_strings(path: Path, mebibytes: int = 2048) -> Path:
    """sharedStrings.xml that inflates to ``mebibytes`` MiB of one string (2 GiB by default)."""
    return _zip_bomb(
        path,
        "xl/sharedStrings.xml",
        mebibytes,
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" count="1"><si><t>',
        "</t></si></sst>",
    )


def xlsx_zip_bomb_sheet(path: Path, mebibytes: int = 3500) -> Path:
    """A worksheet that inflates to ~3.4 GiB (whitespace between rows)."""
    header = sheet_xml(review_rows(2)).split("</sheetData>")[0]
    return _zip_bomb(path, "xl/worksheets/sheet1.xml", mebibytes, header, "</sheetData></worksheet>")


def xlsx_empty_formatted_rows(path: Path, rows: int = 1_048_575) -> Path:
    """A header, then ``rows`` formatted empty rows (what formatting whole rows leaves behind).

    The full 1,048,575 rows take openpyxl 10–20 s to parse (for bench/ and long fuzz runs).
    """
    tail = "".join(f'<row r="{r}" ht="20" customHeight="1"/>' for r in range(2, rows + 2))
    parts = xlsx_parts()
    parts["xl/worksheets/sheet1.xml"] = sheet_xml([REVIEW_HEADER], dimension=f"A1:D{rows + 1}", tail_rows=tail)
    return write_xlsx(path, parts)


def xlsx_million_empty_rows(path: Path) -> Path:
    """A header, 10,000 formatted empty rows, then a formatted empty row 1,048,576: max_row is
    the sheet's last row and openpyxl fills the gap with a million empty rows."""
    tail = "".join(f'<row r="{r}" ht="20" customHeight="1"/>' for r in range(2, 10_002))
    tail += '<row r="1048576" ht="20" customHeight="1"><c r="D1048576" s="0"/></row>'
    parts = xlsx_parts()
    parts["xl/worksheets/sheet1.xml"] = sheet_xml([REVIEW_HEADER], dimension="A1:D1048576", tail_rows=tail)
    return write_xlsx(path, parts)


def xlsx_dimension_lie(path: Path) -> Path:
    """Three rows, but the sheet claims A1:XFD1048576 and has a styled empty cell in its last cell."""
    parts = xlsx_parts()
    tail = '<row r="1048576"><c r="XFD1048576"/></row>'
    parts["xl/worksheets/sheet1.xml"] = sheet_xml(review_rows(3), dimension="A1:XFD1048576", tail_rows=tail)
    return write_xlsx(path, parts)


def xlsx_bad_cell_values(path: Path) -> Path:
    """Well-formed XML whose values are not (a number cell holding text …), after 300 good rows."""
    parts = xlsx_parts()
    tail = (
        '<row r="302"><c r="A302" t="n"><v>不是数字</v></c><c r="B302" t="s"><v>99</v></c>'
        '<c r="C302" t="d"><v>2024-13-45T99:00</v></c><c r="D302" t="b"><v>maybe</v></c></row>'
    )
    parts["xl/worksheets/sheet1.xml"] = sheet_xml(review_rows(300), dimension="A1:D302", tail_rows=tail)
    return write_xlsx(path, parts)


def plain_zip(path: Path) -> Path:
    """A ZIP of two text files (someone zipped their exports)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("评价.csv", "评价内容,评分\n好,5\n")
        zf.writestr("说明.txt", "导出说明")
    return path


# -------------------------------------------------------------- JSON cases


def deep_json(depth: int, inner: str = "1", open_: str = "[", close: str = "]") -> str:
    return open_ * depth + inner + close * depth


def _write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


JD_ITEM = '{"id": %s, "content": %s, "creationTime": %s, "score": %s, "nickname": %s, "referenceName": "手机"}'


def jd_json(*items: str) -> str:
    return '{"comments": [%s]}' % ", ".join(items)


def jd_item(
    id_: str = "1",
    content: str = '"很好"',
    created: str = '"2024-03-01 10:00:00"',
    score: str = "5",
    nick: str = '"买家"',
) -> str:
    return JD_ITEM % (id_, content, created, score, nick)


def json_deep_array(path: Path) -> Path:
    return _write_text(path, deep_json(100_000))


def json_deep_object(path: Path) -> Path:
    return _write_text(path, deep_json(50_000, "1", '{"a":', "}"))


def json_deep_in_record(path: Path) -> Path:
    """A JD review whose content nests 20,000 lists deep."""
    return _write_text(path, jd_json(jd_item(content=deep_json(20_000, '"x"'))))


def json_depth_just_parsable(path: Path) -> Path:
    """900 levels: json.loads copes, code walking or re-encoding the value may not."""
    return _write_text(path, jd_json(jd_item(content=deep_json(900, '"x"')), jd_item("2")))


def json_invalid_utf8_late(path: Path) -> Path:
    """70 KB of UTF-8 JSON (the head proves "UTF-8"), then bytes that are not UTF-8 nor GB18030."""
    items = [jd_item(str(i), content='"%s"' % ("good " * 20)) for i in range(400)]
    data = jd_json(*items).encode("utf-8")
    cut = data.rindex(b'"good') + 1
    path.write_bytes(data[:cut] + b"\xff\xfe\xff\x80\x80" + data[cut:])
    return path


def json_utf32(path: Path) -> Path:
    return _write_text(path, jd_json(jd_item()), encoding="utf-32")


def json_top_scalar_number(path: Path) -> Path:
    return _write_text(path, "42\n")


def json_top_scalar_string(path: Path) -> Path:
    return _write_text(path, '"评价内容"\n')


def json_top_null(path: Path) -> Path:
    return _write_text(path, "null")


def json_empty_list(path: Path) -> Path:
    return _write_text(path, "[]")


def json_list_of_scalars(path: Path) -> Path:
    return _write_text(path, "[1, 2, 3, \"评价\", null, true]")


def json_list_of_lists(path: Path) -> Path:
    return _write_text(path, '[["评价内容", "评分"], ["好", 5]]')


def json_huge_numbers(path: Path) -> Path:
    """A 5,000-digit id (over Python's int-string limit), 1e999 times and scores."""
    return _write_text(
        path,
        jd_json(
            jd_item("9" * 5000, created="1e999", score="1e400"),
            jd_item("2", created="-1e999", score="123456789012345678901234567890"),
        ),
    )


def json_nan_infinity(path: Path) -> Path:
    """NaN / Infinity literals (not JSON, but Python's json reads them) in every field."""
    return _write_text(
        path,
        jd_json(
            jd_item("NaN", "NaN", "Infinity", "-Infinity", "NaN"), jd_item("Infinity", '"好"', "NaN", "NaN", "Infinity")
        ),
    )


def json_duplicate_keys(path: Path) -> Path:
    """One review holding two different "content" values: which one is the buyer's is unknown."""
    item = jd_item().replace('"content": "很好"', '"content": "很好", "content": "很差"')
    return _write_text(path, jd_json(item))


def json_jsonp_unterminated(path: Path) -> Path:
    return _write_text(path, 'jsonp128({"rateDetail": {"rateList": [{"rateContent": "好"')


def json_jsonp_empty(path: Path) -> Path:
    return _write_text(path, "jsonp128()")


def json_odd_shapes_jd(path: Path) -> Path:
    """JD reviews where every field has the wrong type (lists, objects, booleans)."""
    return _write_text(
        path,
        jd_json(
            '{"id": [1], "content": {"t": 1}, "creationTime": [2024], "score": {"v": 5}, "nickname": true, '
            '"afterUserComment": [1, 2], "replies": "谢谢", "productColor": [], "referenceId": {}}',
            '{"content": "好", "creationTime": "2024-03-01 10:00:00", "score": 5, "afterUserComment": '
            '{"created": [1], "hAfterUserComment": "追评"}, "replies": [[1]]}',
        ),
    )


def json_odd_shapes_taobao(path: Path) -> Path:
    """Tmall and feed reviews with appendComment / appendList / user of the wrong type."""
    return _write_text(
        path,
        '{"rateDetail": {"rateList": ['
        '{"rateContent": "好", "rateDate": "2024-03-01 10:00:00", "appendComment": [1], '
        '"auctionSku": {"a": 1}, "displayUserNick": ["x"], "id": {"n": 1}}, '
        '{"rateContent": {"x": 1}, "rateDate": 20240301, "appendComment": "追评", "reply": []}'
        ']}}',
    )


def json_odd_shapes_feed(path: Path) -> Path:
    return _write_text(
        path,
        '{"comments": [{"rateId": 1, "content": "好", "date": "2024年3月1日 10:00", '
        '"appendList": 5, "user": [1], "auction": "x"}, '
        '{"rateId": 2, "content": "好", "date": "2024年3月1日 10:00", '
        '"appendList": [{"content": {"a": 1}, "date": []}], "user": {"nick": {"a": 1}}}]}',
    )


def json_odd_shapes_pdd(path: Path) -> Path:
    return _write_text(
        path,
        '{"data": [{"review_id": [1], "comment": "好", "time": "abc", '
        '"specs": "[{\\"spec_key\\": 1}", "append": [1], "stars": {"a": 1}}, '
        '{"review_id": 2, "comment": ["好"], "time": 1700000000, "specs": {"a": 1}, '
        '"append": {"comment": [1], "time": {"t": 1}}}]}',
    )


def json_odd_shapes_jd_chat(path: Path) -> Path:
    return _write_text(
        path,
        '{"chatLogMessageList": [{"mid": [1], "sid": {}, "created": [], '
        '"waiterSend": [true], "content": {"t": "你好"}, "customer": ["c"], "waiter": 5}, '
        '{"mid": 2, "created": 1700000000000, "content": "你好", "customer": "c1", '
        '"waiterSend": {"a": 1}, "waiter": ["w"]}]}',
    )


def json_envelope_wrong_type(path: Path) -> Path:
    """The record list key holds an object / a string instead of a list."""
    return _write_text(
        path, '{"chatLogMessageList": {"mid": 1, "content": "你好"}, "comments": "none", "creationTime": 1, "score": 2}'
    )


# ------------------------------------------------------- tolerated variants


def json_jsonp_comment_prefix(path: Path) -> Path:
    """``/**/jsonp128({...});`` as Taobao's API serves it (must import)."""
    return _write_text(
        path,
        '\r\n/**/jsonp128({"rateDetail": {"rateList": [{"id": 7, "rateContent": "面料舒服", '
        '"rateDate": "2024-03-01 10:00:00", "displayUserNick": "t***1"}]}});\r\n',
    )


def json_jsonp_plain(path: Path) -> Path:
    return _write_text(
        path,
        'jsonp128({"rateDetail": {"rateList": [{"id": 8, "rateContent": "好评", '
        '"rateDate": "2024-03-02 10:00:00", "displayUserNick": "t***2"}]}})',
    )


def json_big_int_ids(path: Path) -> Path:
    """A 30-digit id and a 19-digit id: kept as text, imported."""
    return _write_text(path, jd_json(jd_item("123456789012345678901234567890"), jd_item("9223372036854775807")))


REFUSED: dict[str, Builder] = {
    f.__name__: f
    for f in (
        xlsx_sheet_cut_early,
        xlsx_sheet_cut_late,
        xlsx_douyin_cut_late,
        xlsx_agent_report_cut_late,
        xlsx_truncated_zip,
        xlsx_workbook_cut,
        xlsx_no_content_types,
        xlsx_missing_sheet_part,
        xlsx_sheet_not_xml,
        xlsx_xxe_sheet,
        xlsx_xxe_workbook,
        xlsx_billion_laughs,
        xlsx_billion_laughs_sheet,
        xlsx_zip_bomb_strings,
        xlsx_zip_bomb_sheet,
        xlsx_million_empty_rows,
        xlsx_bad_cell_values,
        plain_zip,
        json_deep_array,
        json_deep_object,
        json_deep_in_record,
        json_utf32,
        json_top_scalar_number,
        json_top_scalar_string,
        json_top_null,
        json_empty_list,
        json_list_of_scalars,
        json_list_of_lists,
        json_huge_numbers,
        json_nan_infinity,
        json_duplicate_keys,
        json_jsonp_unterminated,
        json_jsonp_empty,
        json_odd_shapes_jd,
        json_odd_shapes_taobao,
        json_odd_shapes_pdd,
        json_odd_shapes_jd_chat,
        json_envelope_wrong_type,
    )
}
# Imported, with the unreadable records back as rejected rows (line number + Chinese reason).
PARTIAL: dict[str, Builder] = {
    f.__name__: f
    for f in (
        json_depth_just_parsable,
        json_invalid_utf8_late,
        json_odd_shapes_feed,
    )
}
ACCEPTED: dict[str, Builder] = {
    f.__name__: f
    for f in (
        json_jsonp_comment_prefix,
        json_jsonp_plain,
        json_big_int_ids,
        xlsx_dimension_lie,
    )
}
ALL: dict[str, Builder] = {**REFUSED, **PARTIAL, **ACCEPTED}


def extension(name: str) -> str:
    """The file extension a case is written with (what a user would have)."""
    return ".xlsx" if name.startswith("xlsx_") else ".zip" if name.endswith("zip") else ".json"
