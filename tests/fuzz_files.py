"""Hypothesis strategies that generate import files of every supported format, for fuzzing.

Shared by ``tests/test_fuzz_importers.py`` (a small, fixed-seed run in the suite) and
``bench/fuzz_importers.py`` (≥ 5,000 cases). :data:`FILES` draws a :class:`FuzzCase`:

* **text** (CSV, TSV, TXT, JSON as text): a real fixture of ``tests/fixtures/import``, or a
  generated valid file of a format without a text fixture, with a few mutations: lines
  dropped, duplicated, swapped, repeated or inserted; stray quotes, delimiters, NUL bytes,
  BOMs; CR/LF mixes; some lines (or the whole file) in GBK/GB18030/UTF-16; cells replaced by
  hostile values (:data:`HOSTILE_TEXTS`, :data:`HOSTILE_BYTES`); a cut at a random byte; the
  file grown just past the 64 KB head that detection reads;
* **json**: a JSON fixture parsed and changed as a tree (values of the wrong type, keys
  removed, renamed or given twice, records duplicated, nesting thousands deep, huge
  integers), written back plain, as JSONP or as JSON Lines, in one of several encodings;
* **xlsx**: a small workbook written by openpyxl, xlsxwriter or by hand (inline strings,
  :mod:`hostile_files`) with a known header and random cells (texts, numbers, NaN, dates from
  year 1 to 9999, times, booleans), or a real XLSX fixture; then maybe corrupted (a byte
  changed, the ZIP cut, a part dropped, cut, given a DTD, or its XML edited);
* **random**: a plausible header line followed by random bytes.

One file in five is imported as a type the user chose (``FuzzCase.kind``). :data:`CHAT_FILES`
draws lightly mutated chat tables (for comparing the chat readers); :func:`titled_tables` draws a
table and the same table with a hostile title line above its header (a metamorphic pair).
:func:`holds_mark` / :func:`holds_nul_escape` tell whether a file may legitimately put U+FFFD or
NUL into the store.

Files stay small (≤ 64 KB, or up to :data:`MAX_BYTES` when grown past the detection head),
so a case takes milliseconds. Everything here depends only on the standard library,
openpyxl, xlsxwriter and hypothesis, never on the importers under test.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

import hostile_files as hf

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
HEAD_BYTES = 64 * 1024  # what detection reads (cxdesk.importers._sniff.HEAD_BYTES)
MAX_BYTES = HEAD_BYTES + 4096  # a file grown past the head may be this long; others ≤ HEAD_BYTES


@dataclass(frozen=True)
class FuzzCase:
    """One generated file: where it came from, how it was changed, its bytes."""

    family: str  # text | json | xlsx | random
    seed: str  # the fixture (or generated file) it started from
    suffix: str  # the extension it is written with
    data: bytes
    ops: tuple[str, ...] = ()  # the mutations, in order (for reports)
    kind: str | None = None  # the import type the user chose (None: as detected)

    @property
    def target(self) -> str:
        """The format the seed is an example of (:data:`SEED_FORMATS`), for tallies."""
        return SEED_FORMATS.get(self.seed, "random" if self.family == "random" else "?")

    def describe(self) -> str:
        kind = f" kind={self.kind}" if self.kind else ""
        return f"{self.family}:{self.seed} ({len(self.data):,} B){kind} ops={list(self.ops)}"

    def __repr__(self) -> str:  # hypothesis prints failing cases: the bytes go to a file, not the log
        head = self.data[:120]
        return f"FuzzCase<{self.describe()} head={head!r}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis' printer (it expands dataclasses)
        printer.text(repr(self))


# --- hostile values ----------------------------------------------------------------------------

HOSTILE_TEXTS: tuple[str, ...] = (
    "",
    " ",
    "\u3000",
    "x" * 20_001,
    "好" * 7_000,
    "a" * 300,
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid","点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "=1/0",
    "2024-02-30 10:00:00",
    "0001-01-01 00:00:00",
    "9999-12-31 23:59:59",
    "1899-12-30",
    "2024-13-01 00:00:00",
    "2024-00-10 25:61:61",
    "20240230",
    "2023年5月1日 10时20分33秒",
    "2023-05-01T10:20:33+08:00",
    "2023/5/1",
    "1700000000",
    "1700000000000",
    "45000",
    "1e308",
    "-1",
    "99999999999999999999",
    "2023-05-01 10:20:33" * 3,
    "-3",
    "7",
    "0",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "五",
    "五星好评",
    "★★★★★",
    "★★★☆☆",
    "☆☆",
    "4.5分",
    "５",
    "abc",
    "1e400",
    "好评",
    "None",
    "NULL",
    "-",
    "无",
    "合计",
    "😀👍🏻",
    "👨\u200d👩\u200d👧",
    "\u202e反向",
    "\u200b",
    "\ufeff",
    "\ufffd",
    "\ufdd0",
    "\U0010ffff",
    "\x00",
    "\x01\x02\x1b[31m",
    "\x7f",
    "\x0b\x0c",
    "\u2028\u2029",
    "\x85",
    '"',
    '""',
    'a"b',
    '"未闭合',
    ",,,",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "第一行\n第二行",
    "<script>alert(1)</script>",
    "某某旗舰店:小美",
    "tb_buyer01",
    "店铺:店小蜜",
    "系统消息",
    "买家",
    "客服",
    "由 服务助手 转交给 某某旗舰店:小刚",
    "tb_x 2023-5-1 10:20:33",
    "١٢٣",
    "０１２",
    "1,234.50元",
    "¥12",
    "\udc80",
    "\ud83d",  # lone surrogates: bytes no UTF codec writes (surrogatepass/escape when encoded)
    # Long runs that make a careless pattern backtrack (each under the 20,000-character cell limit).
    "(" * 12_000,
    "【" * 6_000,
    "1h" + " " * 18_000 + "x",
    "1" * 19_000 + "x",
    " " * 19_000 + "1",
    "2023-" * 3_000,
    "由" + " " * 15_000,
    "tb " * 6_000,
    # Shapes: a row of 10,000 cells, 20,000 line breaks, a run of quotes.
    "," * 10_000,
    "\t" * 10_000,
    "\n" * 20_000,
    "\r" * 5_000,
    '"' * 10_000,
    '",' * 5_000,
)
HOSTILE_BYTES: tuple[bytes, ...] = (
    b"\xed\xa0\x80",
    b"\xed\xb2\x80",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"\x80",
    b"\xc3",
    b"\xe4\xb8",
    b"\x00",
    b"\x00\x00\x00",
    b"\xef\xbf\xbd",
    b"\x81\x30",
    b"\xa1",
    b"\x84\x31\xa4\x37",
    b"\xc0\xaf",
    b"\xf4\x90\x80\x80",
    b"\x1a",
    b"\r",
    b"\n",
    b"\r\r\n",
    b'"',
    b"\t",
    b",",
    b";",
    b"|",
)
ENCODINGS = ("utf-8", "gb18030", "gbk", "utf-16-le", "utf-16-be", "utf-16")


def encode(text: str, encoding: str) -> bytes:
    """``text`` in ``encoding``; characters it cannot write become ``?`` (gbk) and lone
    surrogates are written as the bytes they stand for (so the file is invalid, on purpose)."""
    try:
        return text.encode(encoding, "surrogateescape")
    except UnicodeEncodeError:
        pass
    try:
        return text.encode(encoding, "surrogatepass")
    except UnicodeEncodeError:
        return text.encode(encoding, "replace")


# --- seeds -------------------------------------------------------------------------------------


def _csv_text(rows: list[tuple[str, ...]], delimiter: str = ",") -> str:
    return "".join(delimiter.join(row) + "\n" for row in rows)


XLSX_ORDERS = ("订单号", "买家昵称", "下单时间", "付款时间", "实付金额", "订单状态")


def _generated_seeds() -> dict[str, bytes]:
    """Valid files of formats without a text fixture (agent report, 抖店 CSV, JSON list, chat TSV)."""
    agent = [hf.AGENT_HEADER] + [
        (f"2024-03-0{d}", f"小{n}", str(20 + d), "00:35", "12.5秒", "85.2%") for d in range(1, 4) for n in "甲乙"
    ]
    douyin = [hf.DOUYIN_HEADER] + [
        (f"2024-03-0{i} 10:00:00", f"49000000000{i}", "3600", "坚果礼盒", "口味:混合", str(i + 2), f"第{i}条：好吃")
        for i in range(1, 4)
    ]
    table_json = json.dumps([dict(zip(hf.REVIEW_HEADER, row)) for row in hf.review_rows(3)[1:]], ensure_ascii=False)
    chat_tsv = [("买家昵称", "发送时间", "发送内容", "角色")] + [
        (f"buyer_{i // 2}", f"2024-03-01 10:0{i}:00", f"消息{i}", "买家" if i % 2 == 0 else "客服") for i in range(6)
    ]
    return {
        "gen_agent_report.csv": _csv_text(agent).encode("utf-8"),
        "gen_douyin_reviews.csv": _csv_text(douyin).encode("utf-8"),
        "gen_reviews_list.json": table_json.encode("utf-8"),
        "gen_chats.tsv": _csv_text(chat_tsv, "\t").encode("utf-8"),
        "gen_reviews_semicolon.csv": _csv_text(hf.review_rows(4), ";").encode("utf-8"),
        "gen_orders_pipe.txt": _csv_text(
            [XLSX_ORDERS]
            + [(f"{i}", f"买家{i}", "2024-03-01 10:00:00", "", f"{i}.5", "交易成功") for i in range(1, 4)],
            "|",
        ).encode("gb18030"),
        "gen_orders_gbk.csv": "订单号,买家昵称,下单时间,付款时间,实付金额,订单状态\n1,张三,2024-03-01 10:00:00,"
        "2024-03-01 10:01:00,￥12.50,交易成功\n2,李四,2024-03-02,,3,已关闭\n".encode("gbk"),
    }


def _load_seeds() -> dict[str, bytes]:
    seeds = {p.name: p.read_bytes() for p in sorted(FIXTURES.iterdir()) if p.is_file()}
    seeds.update(_generated_seeds())
    return seeds


SEEDS: dict[str, bytes] = _load_seeds()
# What each seed is (format id, and the kind for generic tables); tests check the fixtures detect so.
SEED_FORMATS: dict[str, str] = {
    "chats_generic.csv": "table/chats",
    "chats_no_time.csv": "table/chats",
    "douyin_reviews.xlsx": "douyin_reviews",
    "empty.csv": "(empty)",
    "feige_agent_daily.xlsx": "agent_report",
    "image_renamed.csv": "(image)",
    "jd_chat.json": "jd_chat_json",
    "jd_chat_bot.json": "jd_chat_json",
    "jd_comments.json": "jd_reviews_json",
    "jddc_chat_200.txt": "jddc_tsv",
    "no_header.xlsx": "table/unknown",
    "orders.csv": "table/orders",
    "orders_en.csv": "table/orders",
    "pdd_consumer.json": "pdd_consumer_json",
    "pdd_merchant.json": "pdd_merchant_json",
    "qianniu.txt": "qianniu_txt",
    "qianniu_bot_system.csv": "qianniu_csv",
    "qianniu_export.csv": "qianniu_csv",
    "reviews_bad_row.csv": "table/reviews",
    "reviews_mostly_bad.csv": "table/reviews",
    "seller_reviews.csv": "table/reviews",
    "seller_reviews.xlsx": "table/reviews",
    "seller_reviews_bom.csv": "table/reviews",
    "seller_reviews_gbk.csv": "table/reviews",
    "taobao_feed.json": "taobao_feed_json",
    "taobao_top.json": "taobao_top_json",
    "tmall_rate.json": "tmall_rate_json",
    "gen_agent_report.csv": "agent_report",
    "gen_douyin_reviews.csv": "douyin_reviews",
    "gen_reviews_list.json": "table/reviews",
    "gen_chats.tsv": "table/chats",
    "gen_orders_gbk.csv": "table/orders",
    "gen_reviews_semicolon.csv": "table/reviews",
    "gen_orders_pipe.txt": "table/orders",
    **{
        f"{w}:{k}": f
        for w in ("openpyxl", "xlsxwriter", "parts")
        for k, f in (
            ("reviews", "table/reviews"),
            ("douyin", "douyin_reviews"),
            ("agent_report", "agent_report"),
            ("qianniu", "qianniu_csv"),
            ("orders", "table/orders"),
            ("unknown", "table/unknown"),
        )
    },
}
XLSX_SEEDS = tuple(n for n, d in SEEDS.items() if d.startswith(b"PK\x03\x04"))
TEXT_SEEDS = tuple(n for n in SEEDS if n not in XLSX_SEEDS)
_JSONP = re.compile(rb"\A(?P<head>[^\[{]*?)(?P<body>[\[{].*[\]}])(?P<tail>[^\]}]*)\Z", re.S)


def _parse_json_seed(data: bytes) -> tuple[bytes, Any, bytes] | None:
    m = _JSONP.match(data.removeprefix(b"\xef\xbb\xbf"))
    if not m:
        return None
    try:
        return m["head"], json.loads(m["body"].decode("utf-8")), m["tail"]
    except (ValueError, UnicodeDecodeError):
        return None


JSON_SEEDS: dict[str, tuple[bytes, Any, bytes]] = {
    n: parsed for n in TEXT_SEEDS if n.endswith(".json") and (parsed := _parse_json_seed(SEEDS[n])) is not None
}


def _suffix(name: str) -> str:
    return Path(name).suffix or ".txt"


def _delimiter(data: bytes) -> bytes:
    first = data.split(b"\n", 1)[0]
    return b"\t" if b"\t" in first else b","


# --- byte and line mutations (text files, and XML parts of workbooks) ----------------------------

_pos = st.integers(0, 1 << 16)
_value = st.one_of(
    st.tuples(
        st.just("text"),
        st.sampled_from(HOSTILE_TEXTS),
        st.sampled_from(("utf-8", "utf-8", "gb18030", "gbk", "utf-16-le")),
    ),
    st.tuples(st.just("bytes"), st.sampled_from(HOSTILE_BYTES), st.just("")),
)
_ending = st.sampled_from((b"\n", b"\r\n", b"\r", b"", b"\n\n", b"\r\r\n"))

BYTE_OPS = st.one_of(
    st.tuples(st.just("drop"), _pos),
    st.tuples(st.just("dup"), _pos),
    st.tuples(st.just("swap"), _pos, _pos),
    st.tuples(st.just("repeat"), _pos, st.integers(2, 700)),
    st.tuples(st.just("insert_line"), _pos, st.lists(_value, min_size=1, max_size=8)),
    st.tuples(st.just("cell"), _pos, st.integers(0, 12), _value, st.booleans()),
    st.tuples(st.just("insert"), _pos, _value),
    st.tuples(st.just("line_end"), _pos, _ending),
    st.tuples(st.just("line_ends"), st.sampled_from((b"\r", b"\r\n", b"\n"))),  # every line (old Mac: CR only)
    st.tuples(st.just("line_enc"), _pos, st.sampled_from(ENCODINGS[1:])),
    st.tuples(st.just("truncate"), _pos),
    st.tuples(st.just("delete"), _pos, st.integers(1, 64)),
    st.tuples(st.just("grow"), st.integers(0, 4000)),
)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _value_bytes(value: tuple[str, Any, str]) -> bytes:
    kind, v, enc = value
    return v if kind == "bytes" else encode(v, enc)


def _csv_cell(raw: bytes, delimiter: bytes, quote: bool) -> bytes:
    """A cell as a spreadsheet would write it (``quote``), or as it is (maybe breaking the row)."""
    if quote and any(c in raw for c in (b'"', delimiter, b"\n", b"\r")):
        return b'"' + raw.replace(b'"', b'""') + b'"'
    return raw


def apply_byte_op(data: bytes, op: tuple, delimiter: bytes = b",") -> bytes:
    """``data`` after one mutation (positions are taken modulo the length), at most MAX_BYTES long."""
    return _mutated(data, op, delimiter)[:MAX_BYTES]


def _mutated(data: bytes, op: tuple, delimiter: bytes) -> bytes:
    kind = op[0]
    lines = _lines(data)
    i = op[1] % len(lines) if kind not in ("grow", "line_ends") else 0
    if kind == "drop":
        del lines[i]
    elif kind == "dup":
        lines.insert(i, lines[i])
    elif kind == "swap":
        j = op[2] % len(lines)
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "repeat":  # never more than MAX_BYTES: repeating a 60 KB XML part 700 times is 42 MB
        lines[i : i + 1] = [lines[i]] * min(op[2], max(2, MAX_BYTES // max(len(lines[i]), 1) + 1))
    elif kind == "insert_line":
        lines.insert(i, delimiter.join(_value_bytes(v) for v in op[2]) + b"\n")
    elif kind == "cell":
        ending = lines[i][len(lines[i].rstrip(b"\r\n")) :]
        cells = lines[i].rstrip(b"\r\n").split(delimiter)
        cells[op[2] % len(cells)] = _csv_cell(_value_bytes(op[3]), delimiter, op[4])
        lines[i] = delimiter.join(cells) + ending
    elif kind == "insert":
        at = op[1] % (len(data) + 1)
        return data[:at] + _value_bytes(op[2]) + data[at:]
    elif kind == "line_end":
        lines[i] = lines[i].rstrip(b"\r\n") + op[2]
    elif kind == "line_ends":
        lines = [line.rstrip(b"\r\n") + op[1] for line in lines]
    elif kind == "line_enc":
        lines[i] = encode(lines[i].decode("utf-8", "surrogateescape"), op[2])
    elif kind == "truncate":
        return data[: op[1] % (len(data) + 1)]
    elif kind == "delete":
        at = op[1] % (len(data) + 1)
        return data[:at] + data[at + op[2] :]
    elif kind == "grow":
        return _grow(data, HEAD_BYTES + op[1])
    return b"".join(lines)


def _grow(data: bytes, size: int) -> bytes:
    """``data`` with its body lines repeated until it is ``size`` bytes (the last one maybe cut)."""
    lines = _lines(data)
    body = b"".join(lines[1:]) or lines[0] or b"x\n"
    out = bytearray(data)
    while len(out) < size:
        out += body
    return bytes(out[:size])


def _describe(op: tuple) -> str:
    def short(x: Any) -> str:
        if isinstance(x, tuple):
            return "(" + ",".join(short(y) for y in x) + ")"
        if isinstance(x, list):
            return "[" + ",".join(short(y) for y in x) + "]"
        r = repr(x)
        return r if len(r) <= 24 else f"{r[:16]}…({len(x) if hasattr(x, '__len__') else '?'})"

    return short(op)


def _cap(data: bytes) -> bytes:
    return data[:MAX_BYTES]


# --- text files --------------------------------------------------------------------------------


@st.composite
def text_files(draw: st.DrawFn, seeds: tuple[str, ...] = TEXT_SEEDS, max_ops: int = 6) -> FuzzCase:
    """A text fixture (or generated file) with up to ``max_ops`` line/byte mutations, maybe re-encoded whole."""
    name = draw(st.sampled_from(seeds))
    data = SEEDS[name]
    delimiter = _delimiter(data)
    ops = draw(st.lists(BYTE_OPS, max_size=max_ops))
    for op in ops:
        data = apply_byte_op(data, op, delimiter)
    whole = draw(st.sampled_from((None,) * 6 + ("gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig")))
    described = [_describe(op) for op in ops]
    if whole:
        data = _cap(encode(data.decode("utf-8", "surrogateescape"), whole))
        described.append(f"whole file in {whole}")
    return FuzzCase("text", name, _suffix(name), data, tuple(described))


# --- JSON as a tree ------------------------------------------------------------------------------

_JSON_VALUES: tuple[Any, ...] = (
    *HOSTILE_TEXTS[:60],
    10**30,
    -1,
    0,
    1.5,
    -0.0,
    2**63,
    float("nan"),
    float("inf"),
    float("-inf"),
    1e308,
    True,
    False,
    None,
    [],
    {},
    ["x"],
    {"a": 1},
    [None],
    [[1]],
    {"content": {"content": "嵌套"}},
    "@@DEEP:50@@",
    "@@DEEP:3000@@",
    "@@DEEP:30000@@",
    "@@BIGINT:5000@@",
    "@@BIGINT:4300@@",
    "\ud800",
    "\ufffd",
)
_JSON_KEYS = (
    "content",
    "id",
    "rateContent",
    "creationTime",
    "score",
    "comments",
    "chatLogMessageList",
    "created",
    "customer",
    "waiterSend",
    "review_id",
    "comment",
    "time",
    "rateList",
    "评价内容",
    "",
    "(" * 12_000,
    "评价内容" * 3_000,
)
JSON_OPS = st.one_of(
    st.tuples(st.just("set"), st.lists(_pos, max_size=6), st.sampled_from(_JSON_VALUES)),
    st.tuples(st.just("del"), st.lists(_pos, min_size=1, max_size=6)),
    st.tuples(st.just("dup"), st.lists(_pos, min_size=1, max_size=6)),
    st.tuples(st.just("rename"), st.lists(_pos, min_size=1, max_size=6), st.sampled_from(_JSON_KEYS)),
    st.tuples(st.just("dupkey"), st.lists(_pos, max_size=6), st.sampled_from(HOSTILE_TEXTS[:20])),
)


def _walk(obj: Any, path: list[int]) -> tuple[Any, Any]:
    """(container, key) reached by following ``path`` (indices modulo each level's size)."""
    parent, key = None, None
    node = obj
    for step in path:
        if isinstance(node, dict) and node:
            k = list(node)[step % len(node)]
        elif isinstance(node, list) and node:
            k = step % len(node)
        else:
            break
        parent, key, node = node, k, node[k]
    return parent, key


def apply_json_op(obj: Any, op: tuple) -> Any:
    """``obj`` (a copy) after one tree mutation; the root itself may be replaced."""
    kind, path = op[0], op[1]
    parent, key = _walk(obj, path)
    if parent is None:
        return copy.deepcopy(op[2]) if kind == "set" else obj
    if kind == "set":
        parent[key] = copy.deepcopy(op[2])  # the value lists are shared: never let a tree change them
    elif kind == "del":
        del parent[key]
    elif kind == "dup" and isinstance(parent, list):
        parent.insert(key, json.loads(json.dumps(parent[key])))
    elif kind == "rename" and isinstance(parent, dict):
        parent[op[2]] = parent.pop(key)
    elif kind == "dupkey" and isinstance(parent, dict) and isinstance(key, str):
        parent[f"@@DUP@@{key}"] = op[2]  # written as the same key again (see _dump_json)
    return obj


_PLACEHOLDER = re.compile(r'"@@(DEEP|BIGINT):(\d+)@@"')


def _dump_json(obj: Any, ensure_ascii: bool, indent: Any) -> str:
    """JSON text with the placeholders written out: nesting ``n`` deep, an ``n``-digit integer,
    a key given a second time (``"@@DUP@@key"`` → ``"key"``)."""
    text = json.dumps(obj, ensure_ascii=ensure_ascii, indent=indent)
    if "@@" not in text:
        return text

    def expand(m: re.Match) -> str:
        n = int(m[2])
        return "[" * n + "1" + "]" * n if m[1] == "DEEP" else "9" * n

    return _PLACEHOLDER.sub(expand, text).replace('"@@DUP@@', '"')


_WRAPS = (
    ("", ""),
    ("", ""),
    ("", ""),
    ("jsonp128(", ");"),
    ("/**/jsonp1(", ")"),
    ("var data = ", ";"),
    ("cb(", ""),
    ("\ufeff", ""),
    ("lines", ""),
)


@st.composite
def json_files(draw: st.DrawFn) -> FuzzCase:
    """A JSON fixture changed as a tree, written back (plain, JSONP, JSON Lines), maybe re-encoded
    and given a few byte mutations."""
    name = draw(st.sampled_from(sorted(JSON_SEEDS)))
    _head, obj, _tail = JSON_SEEDS[name]
    obj = json.loads(json.dumps(obj))
    ops = draw(st.lists(JSON_OPS, max_size=5))
    for op in ops:
        obj = apply_json_op(obj, op)
    described = [_describe(op) for op in ops]
    ensure_ascii = draw(st.booleans())
    indent = draw(st.sampled_from((None, None, 1, "\t")))
    head, tail = draw(st.sampled_from(_WRAPS))
    if head == "lines":
        items = obj if isinstance(obj, list) else [obj]
        text = "\n".join(_dump_json(it, ensure_ascii, None) for it in items)
    else:
        text = head + _dump_json(obj, ensure_ascii, indent) + tail
    enc = draw(st.sampled_from(("utf-8",) * 5 + ("gb18030", "utf-16", "utf-8-sig", "utf-32")))
    data = encode(text, enc)
    for op in draw(st.lists(BYTE_OPS, max_size=2)):
        data = apply_byte_op(data, op)
        described.append(_describe(op))
    described += [f"wrap {head!r}", f"in {enc}"]
    return FuzzCase("json", name, ".json", _cap(data), tuple(described))


# --- XLSX ----------------------------------------------------------------------------------------

XLSX_HEADERS: dict[str, tuple[str, ...]] = {
    "reviews": hf.REVIEW_HEADER,
    "douyin": hf.DOUYIN_HEADER,
    "agent_report": hf.AGENT_HEADER,
    "qianniu": ("客户名", "消息序号", "发送时间", "发送内容", "发送账号", "账号类型"),
    "orders": XLSX_ORDERS,
    "unknown": ("名称", "数量", "备注"),
}
_CELLS = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        (
            datetime(1, 1, 1),
            datetime(9999, 12, 31, 23, 59, 59),
            datetime(2024, 3, 1, 10, 0),
            datetime(1900, 2, 28),
            date(2024, 2, 29),
            time(0, 0, 35),
            time(23, 59, 59, 999999),
        )
    ),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
)
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _openpyxl_bytes(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "评价"
    for row in rows:
        ws.append([_ILLEGAL_XML.sub("", v) if isinstance(v, str) else v for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsxwriter_bytes(rows: list[list[Any]]) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "nan_inf_to_errors": True,
            "strings_to_numbers": False,
            "strings_to_formulas": True,
            "strings_to_urls": False,
        },
    )
    ws = wb.add_worksheet("Sheet1")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, str):
                ws.write_string(r, c, _ILLEGAL_XML.sub("", v)[:32_767])
            elif isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) > 1e300:
                ws.write_string(r, c, repr(v))
            else:
                ws.write(r, c, v)
    wb.close()
    return buf.getvalue()


def _parts_bytes(rows: list[list[Any]]) -> bytes:
    """By hand: inline strings, control characters left in (invalid XML on purpose)."""
    text_rows = [tuple("" if v is None else str(v) for v in row) for row in rows]
    parts = hf.xlsx_parts(text_rows)
    return hf.xlsx_bytes(
        {name: encode(body, "utf-8") if isinstance(body, str) else body for name, body in parts.items()}
    )


_WRITERS = {"openpyxl": _openpyxl_bytes, "xlsxwriter": _xlsxwriter_bytes, "parts": _parts_bytes}
_xml_edit = st.one_of(
    BYTE_OPS,
    st.tuples(st.just("xml_value"), _pos, st.sampled_from(HOSTILE_TEXTS)),
    st.tuples(
        st.just("doctype"),
        st.sampled_from(
            (
                '<!DOCTYPE x [<!ENTITY e "ee">]>',
                '<!DOCTYPE x SYSTEM "file:///etc/passwd">',
                hf.billion_laughs_doctype("worksheet", 3),
            )
        ),
    ),
    st.tuples(st.just("dimension"), st.sampled_from(("A1:XFD1048576", "A1", "ZZ0:A1", "", "A1:C1048576"))),
)
ZIP_OPS = st.one_of(
    st.tuples(st.just("flip"), _pos, st.integers(0, 255)),
    st.tuples(st.just("truncate"), _pos),
    st.tuples(st.just("drop_part"), _pos),
    st.tuples(st.just("edit_part"), _pos, _xml_edit),
)


def _members(data: bytes) -> list[tuple[str, bytes]] | None:
    """The parts of a ZIP, or None when it cannot be read (it is then left as it is)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [(i.filename, zf.read(i)) for i in zf.infolist()]
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        KeyError,
        RuntimeError,
        NotImplementedError,
    ):
        return None


def _rezip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members:
            zf.writestr(name, body)
    return buf.getvalue()


def _edit_xml(body: bytes, op: tuple) -> bytes:
    kind = op[0]
    if kind == "xml_value":
        spots = [m.end() for m in re.finditer(rb"<(?:t|v)(?: [^>]*)?>", body)]
        if not spots:
            return body
        at = spots[op[1] % len(spots)]
        end = body.find(b"<", at)
        return body[:at] + encode(op[2], "utf-8") + body[end if end >= 0 else at :]
    if kind == "doctype":
        m = re.search(rb"<(?!\?)", body)
        at = m.start() if m else 0
        return body[:at] + op[1].encode("utf-8") + body[at:]
    if kind == "dimension":
        return re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{op[1]}"/>'.encode(), body, count=1)
    return apply_byte_op(body, op, b"<")


def apply_zip_op(data: bytes, op: tuple) -> bytes:
    kind = op[0]
    if kind == "flip":
        at = op[1] % max(len(data), 1)
        return data[:at] + bytes([op[2]]) + data[at + 1 :]
    if kind == "truncate":
        return data[: op[1] % (len(data) + 1)]
    members = _members(data)
    if not members:
        return data
    i = op[1] % len(members)
    if kind == "drop_part":
        del members[i]
    else:
        members[i] = (members[i][0], _edit_xml(members[i][1], op[2]))
    return _rezip(members)


@st.composite
def xlsx_files(draw: st.DrawFn) -> FuzzCase:
    """A small generated workbook (or an XLSX fixture), maybe corrupted."""
    source = draw(st.sampled_from(("openpyxl", "openpyxl", "xlsxwriter", "xlsxwriter", "parts", "fixture")))
    described: list[str] = []
    if source == "fixture":
        seed = draw(st.sampled_from(XLSX_SEEDS))
        data = SEEDS[seed]
    else:
        kind = draw(st.sampled_from(sorted(XLSX_HEADERS)))
        header = list(XLSX_HEADERS[kind])
        width = len(header)
        for i, cell in draw(st.lists(st.tuples(st.integers(0, width - 1), st.sampled_from(HOSTILE_TEXTS)), max_size=2)):
            header[i] = cell
        rows = draw(st.lists(st.lists(_CELLS, min_size=0, max_size=width + 2), max_size=8))
        title = draw(st.sampled_from(([], [], [["评价导出 2024-03-01"]], [[None]])))
        data = _WRITERS[source](title + [header] + rows)
        seed = f"{source}:{kind}"
        described.append(f"{len(rows)} rows")
    for op in draw(st.lists(ZIP_OPS, max_size=3)):
        data = apply_zip_op(data, op)
        described.append(_describe(op))
    return FuzzCase("xlsx", seed, ".xlsx", _cap(data), tuple(described))


# --- random bytes after a plausible header ---------------------------------------------------------

_HEADER_LINES = tuple(",".join(h) for h in XLSX_HEADERS.values()) + (
    "",
    "[",
    "{",
    "jsonp(",
    "PK\x03\x04",
    "tb_buyer01 2023-5-1 10:20:33",
    "0000b82c62117aa4497508bb1bdfb53a\tU\t0\t0\t0\t",
)


@st.composite
def random_files(draw: st.DrawFn) -> FuzzCase:
    header = draw(st.sampled_from(_HEADER_LINES))
    enc = draw(st.sampled_from(("utf-8", "gbk", "utf-16-le")))
    body = draw(st.binary(max_size=4096))
    data = encode(header + "\n", enc) + body if header else body
    return FuzzCase(
        "random",
        header[:12] or "(none)",
        draw(st.sampled_from((".csv", ".txt", ".json", ".xlsx"))),
        data,
        (f"header in {enc}", f"{len(body)} random bytes"),
    )


# Lightly changed files (mostly imported, with rejected rows) weigh as much as heavily changed ones;
# one file in five is imported as a type the user chose (``--kind``) instead of the detected one.
_KINDS = st.sampled_from((None,) * 16 + ("reviews", "chats", "orders", "agent_report"))
FILES = st.tuples(
    st.one_of(text_files(), text_files(max_ops=2), json_files(), xlsx_files(), random_files()), _KINDS
).map(lambda ck: dataclasses.replace(ck[0], kind=ck[1]))
CHAT_SEEDS = tuple(n for n in TEXT_SEEDS if SEED_FORMATS.get(n, "") in ("table/chats", "qianniu_csv", "jddc_tsv"))
# Chat tables (CSV/TSV, JDDC): what the import reader process reads.
CHAT_FILES = text_files(seeds=CHAT_SEEDS, max_ops=3)


# --- a title line above a table's header ----------------------------------------------------------

# Text tables whose header is their first line (in the seed's own encoding: GBK for *_gbk*).
TABLE_SEEDS = tuple(
    n
    for n in TEXT_SEEDS
    if SEED_FORMATS.get(n, "").startswith(("table/", "qianniu_csv", "douyin", "agent_report"))
    and not n.endswith(".json")
)
# No line break (it would be two lines) and no NUL (in the first 4 KB it makes any file "binary").
_TITLES = tuple(t for t in HOSTILE_TEXTS if not set(t) & set("\r\n\x00") and len(t) <= 300)


@dataclasses.dataclass(frozen=True)
class TitledTable:
    """A table seed and the same file with a title line above its header (a metamorphic pair)."""

    plain: FuzzCase
    titled: FuzzCase

    def __repr__(self) -> str:
        return f"TitledTable<{self.titled.describe()}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


@st.composite
def titled_tables(draw: st.DrawFn) -> TitledTable:
    """A title line ("评价导出 2024-03-01,,,", as seller tools write one) above a table's header:
    a hostile text, padded with the table's delimiter to about the header's width."""
    name = draw(st.sampled_from(TABLE_SEEDS))
    data = SEEDS[name]
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    body = data[len(bom) :]
    header = body.split(b"\n", 1)[0]
    delimiter = max((b"\t", b",", b";", b"|"), key=header.count)
    text = draw(st.sampled_from(_TITLES))
    cells = draw(st.integers(1, header.count(delimiter) + 1))
    encoding = "gbk" if "gbk" in name or "gb18030" in name or name.endswith(("_pipe.txt",)) else "utf-8"
    title = encode(text, "gb18030" if encoding == "gbk" else encoding) + delimiter * cells + b"\n"
    ops = (f"title {_describe((text,))} + {cells} delimiters",)
    plain = FuzzCase("table", name, _suffix(name), data)
    return TitledTable(plain, FuzzCase("titled", name, _suffix(name), _cap(bom + title + body), ops))


# --- what a file may legitimately hold -------------------------------------------------------------

_MARKS = ("\ufffd", "\ufdd0")  # the replacement character, and the importers' "undecodable" marker
_MARK_BYTES = tuple(
    {c.encode(e) for c in _MARKS for e in ("utf-8", "gb18030", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")}
)
_MARK_ESCAPES = re.compile(rb"\\u(?:fffd|fdd0)|&#(?:65533|64976|x0*fffd|x0*fdd0);", re.I)


_NUL_ESCAPES = re.compile(rb"\\u0000|_x0000_|&#0*;|&#x0*;", re.I)


def holds_nul_escape(data: bytes) -> bool:
    """Whether ``data`` (or a part inside it) writes a NUL character as an escape (JSON ``\\u0000``):
    the only way a NUL may reach the store (a raw NUL byte in a text file never does)."""
    if _NUL_ESCAPES.search(data):
        return True
    if data.startswith(b"PK"):
        members = _members(data)
        return bool(members) and any(holds_nul_escape(body) for _, body in members)
    return False


def holds_mark(data: bytes) -> bool:
    """Whether ``data`` (or a part inside it, for a ZIP) may hold U+FFFD or U+FDD0 validly written:
    then a stored U+FFFD is the file's own character, not a decoding loss."""
    if any(b in data for b in _MARK_BYTES) or _MARK_ESCAPES.search(data):
        return True
    if data.startswith(b"PK"):
        members = _members(data)
        return bool(members) and any(holds_mark(body) for _, body in members)
    return False
