"""Cheap file probing: container type, text encoding, header row.

Reads only the head of the file (64 KB, or the first rows of a sheet), so
the wizard can show what it found before anything heavy runs. Users never
pick an encoding: UTF-8 (with or without BOM) and GB18030 cover what Chinese
tools write (a head mixing the two is read line by line, see :mod:`._decode`),
UTF-16 is recognised with or without its BOM (by the zero bytes of its ASCII
characters); charset-normalizer is the fallback for anything else.
"""

from __future__ import annotations

import codecs
import io
from itertools import islice
from pathlib import Path

from cxdesk.errors import ImportFormatError
from cxdesk.importers._columns import ALIASES, norm
from cxdesk.importers._decode import decode_bytes
from cxdesk.importers._limits import BrokenRow
from cxdesk.importers._model import Probe
from cxdesk.importers._records import records

HEAD_BYTES = 64 * 1024
_MAGIC = (
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"BM", "BMP 图片"),
    (b"%PDF", "PDF 文档"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文件（.xls/.doc）"),
    (b"Rar!", "RAR 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"SQLite format 3", "SQLite 数据库"),
)
_KNOWN_HEADERS = {a for kind in ALIASES.values() for names in kind.values() for a in names}


def probe(path: Path) -> Probe:
    """Look at the head of ``path``; raise ImportFormatError for what we cannot read."""
    size = path.stat().st_size
    if size == 0:
        raise ImportFormatError(f"文件“{path.name}”是空的（0 字节），没有可导入的内容。")
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return _probe_xlsx(path, size)
    _refuse_binary(path, head)
    encoding = detect_encoding(head, path)
    text = _decode_head(head, encoding, complete=size <= HEAD_BYTES)
    if not text.strip():
        raise ImportFormatError(f"文件“{path.name}”只有空白，没有可导入的内容。")
    stripped = text.lstrip()
    lines = physical_lines(text)
    if stripped[:1] in "{[" or _looks_jsonp(stripped):
        return Probe(path, size, "json", encoding, text, lines)
    p = Probe(path, size, "txt", encoding, text, lines)
    delim = _sniff_delimiter(lines)
    if delim:
        p.container = "tsv" if delim == "\t" else "csv"
        p.delimiter = delim
        numbered = list(records([ln + "\n" for ln in lines[:30]], delim))  # (line, cells); runaway quotes split off
        index, p.columns = find_header([cells for _, cells in numbered])
        p.header_row = numbered[index - 1][0] if numbered else 1  # the header's line, as the readers count lines
    return p


def physical_lines(text: str) -> list[str]:
    r"""``text`` cut where the readers cut lines: at ``\r\n``, ``\r`` and ``\n`` only. (str.splitlines also
    cuts at \x0b, \x0c, \x1c–\x1e, \x85, U+2028/9: a title holding one made the header's line number one
    too high, and the readers skipped the first data row without a word.)"""
    return [line.rstrip("\r\n") for line in io.StringIO(text, newline="")]


def _refuse_binary(path: Path, head: bytes) -> None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        what = "WebP 图片"
    else:
        what = next((label for magic, label in _MAGIC if head.startswith(magic)), None)
        if (
            what is None
            and head[:2] not in (b"\xff\xfe", b"\xfe\xff")
            and b"\x00" in head[:4096]
            and utf16_without_bom(head) is None
        ):
            what = "二进制文件"
    if what:
        hint = "请在 Excel 中另存为 .xlsx 或 CSV 后再导入。" if "Office" in what else ""
        raise ImportFormatError(
            f"文件“{path.name}”实际上是{what}，不是评价、聊天记录或订单的导出文件（支持 CSV、XLSX、JSON、TXT）。{hint}"
        )


def detect_encoding(head: bytes, path: Path | None = None) -> str:
    """UTF-16 (BOM, or its zero bytes), utf-8-sig, then gb18030 (fast paths), a head mixing
    UTF-8 and GB18030 lines, then charset-normalizer."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    wide = utf16_without_bom(head)
    if wide:
        return wide
    for enc in ("utf-8-sig", "gb18030"):
        try:
            _decode_head(head, enc, complete=False, strict=True)
            if enc == "utf-8-sig" and not head.startswith(b"\xef\xbb\xbf"):
                return "utf-8"
            return enc
        except UnicodeDecodeError:
            continue
    mixed = _mixed_utf8_gb(head)
    if mixed:
        return mixed
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    if best is None:
        name = path.name if path else "文件"
        raise ImportFormatError(f"无法识别“{name}”的文字编码，它可能不是文本文件。")
    return best.encoding


def utf16_without_bom(head: bytes) -> str | None:
    """The UTF-16 ("utf-16-le" or "utf-16-be") the head is written in without a BOM, or None.

    Text files hold ASCII (digits, delimiters, line breaks), which UTF-16 writes with a zero
    byte on one side: zeros at odd offsets mean little-endian, at even ones big-endian.
    Binary files have zeros on both sides, or do not decode to printable text."""
    pairs = min(len(head), 4096) // 2
    sample = head[: pairs * 2]
    if pairs < 4:
        return None
    zeros_even, zeros_odd = sample[0::2].count(0), sample[1::2].count(0)
    for enc, zeros, other in (("utf-16-le", zeros_odd, zeros_even), ("utf-16-be", zeros_even, zeros_odd)):
        if zeros >= max(2, pairs // 20) and other <= pairs // 100:
            try:
                text = codecs.getincrementaldecoder(enc)("strict").decode(sample, final=False)
            except UnicodeDecodeError:
                return None
            shown = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
            return enc if "\x00" not in text and shown >= 0.95 * len(text) else None
    return None


def _mixed_utf8_gb(head: bytes) -> str | None:
    """For a head whose lines are UTF-8 or GB18030 (two files stitched together), with at most
    one in fifty that neither reads (their rows are rejected): the encoding of most of its
    non-ASCII lines; the others are decoded in theirs (:mod:`._decode`)."""
    lines = head.splitlines()[:-1] or head.splitlines()  # the last line may be cut
    votes = {"utf-8": 0, "gb18030": 0}
    unread = 0
    for line in lines:
        if line.isascii():
            continue
        for enc in votes:
            try:
                line.decode(enc)
            except UnicodeDecodeError:
                continue
            votes[enc] += 1
            break
        else:
            unread += 1
    if unread > max(1, sum(votes.values()) // 50) or not any(votes.values()):
        return None
    return max(votes, key=votes.get)


def _decode_head(head: bytes, encoding: str, *, complete: bool, strict: bool = False) -> str:
    """Decode a head that may end in the middle of a multi-byte character (or of a line).
    Not strict: lines in another encoding are decoded in theirs, as the readers will."""
    if not strict:
        return decode_bytes(head, encoding, final=complete)
    dec = codecs.getincrementaldecoder(encoding)("strict")
    return dec.decode(head, final=complete)


def _looks_jsonp(text: str) -> bool:
    from cxdesk.importers._jsonsrc import looks_wrapped  # cb({...}), /**/cb({...}), var x = {...};

    return looks_wrapped(text)


def _sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter that splits most of the first records into the same number (> 1) of cells.

    Records, not lines: quoted cells may span lines (an unclosed quote is split off, as the readers
    do). A delimiter counts if the first record has it, or if it is steady in most records: a title
    line above the header ("评价导出 2024-03-01", maybe with delimiters of its own) made a file "text",
    or made the title's delimiter win, and the file was refused."""
    sample = [ln + "\n" for ln in lines[:20] if ln.strip()]
    best, best_score = None, 0
    for d in ("\t", ",", ";", "|"):
        if not any(d in ln for ln in sample):
            continue
        widths = [len(cells) for _, cells in records(sample, d) if cells and type(cells) is not BrokenRow]
        wide = [w for w in widths if w > 1]
        if not wide:
            continue
        usual = max(set(wide), key=lambda w: (wide.count(w), w))
        steady = widths.count(usual)
        if d not in sample[0] and steady * 2 < len(widths):
            continue
        score = steady * 10 + min(usual - 1, 9)
        if score > best_score:
            best, best_score = d, score
    return best


def find_header(rows: list[list[object]]) -> tuple[int, list[str]]:
    """The (1-based row number, names) of the row that looks most like a header.

    Seller tools often put a title line ("评价导出 2023-05-01") above it.
    """
    best_i, best_hits = 0, -1
    for i, row in enumerate(rows[:15]):
        hits = sum(norm(c) in _KNOWN_HEADERS for c in row if c is not None)
        if hits > best_hits:
            best_i, best_hits = i, hits
    if not rows:
        return 1, []
    if best_hits <= 0:  # no known name: the first non-empty row
        best_i = next((i for i, r in enumerate(rows) if any(c not in (None, "") for c in r)), 0)
    return best_i + 1, header_names(rows[best_i])


def header_names(row: list[object]) -> list[str]:
    """Header cells as unique, non-empty names (列3 for a blank third cell; a repeated name
    gets _2, _3 …). Linear in the cells: a first line of thousands of equal cells (a data line
    taken for the header) once took minutes, each repeat retrying every suffix before it."""
    names: list[str] = []
    seen: set[str] = set()  # a set: a sheet may claim 16,384 columns
    next_number: dict[str, int] = {}  # name → the suffix its next repeat tries first
    for i, c in enumerate(row):
        name = base = str(c).strip().lstrip("\ufeff") if c is not None and str(c).strip() else f"列{i + 1}"
        if name in seen:
            n = next_number.get(base, 2)
            while f"{base}_{n}" in seen:
                n += 1
            name, next_number[base] = f"{base}_{n}", n + 1
        names.append(name)
        seen.add(name)
    return names


def _probe_xlsx(path: Path, size: int) -> Probe:
    """The first sheet's first rows; a broken or hostile workbook is refused (see :mod:`._xlsxsafe`)."""
    from cxdesk.importers._xlsxsafe import XLSX_ERRORS, first_sheet, open_workbook, quiet_rows, unreadable

    with open_workbook(path) as wb:
        ws = first_sheet(path, wb)
        try:
            rows = [_without_trailing_blanks(r) for r in islice(quiet_rows(ws.iter_rows(values_only=True), 15), 15)]
        except XLSX_ERRORS as exc:
            raise unreadable(path, exc) from exc
        sheet = ws.title
    if not any(any(c is not None for c in r) for r in rows):
        raise ImportFormatError(f"表格“{path.name}”的第一个工作表是空的，没有可导入的内容。")
    p = Probe(path, size, "xlsx", None, sheet=sheet)
    p.header_row, p.columns = find_header(rows)
    p.columns = _trim_trailing_blank(p.columns)
    return p


def _without_trailing_blanks(row: tuple[object, ...]) -> list[object]:
    """The cells up to the last non-empty one (a sheet claiming A1:XFD1048576 pads every row)."""
    end = len(row)
    while end and (row[end - 1] is None or row[end - 1] == ""):
        end -= 1
    return list(row[:end])


def _trim_trailing_blank(columns: list[str]) -> list[str]:
    while columns and columns[-1].startswith("列") and columns[-1][1:].isdigit():
        columns.pop()
    return columns
