"""CSV/TSV records read with the csv module, with runaway quoted cells split off.

A cell that opens with ``"`` and is never closed makes the csv module read the rest
of the file (or up to the next ``"``) as that one cell: thousands of rows become one
and nothing says so. Here a record that spans several lines must close its multi-line
cell properly (:func:`well_formed`: a quote followed by a delimiter or the line end), and
must span at most :data:`._limits.MAX_RECORD_LINES` lines and
:data:`._limits.MAX_RECORD_CHARS` characters. A record that is not is a broken row:
its first line is handed out as a :class:`._limits.BrokenRow` (rejected with its
line number and the reason) and reading starts again on the line after it, so
every row the runaway cell had swallowed is read, and imported, as usual.

Rows come out as ``(line, cells)`` where ``line`` is the file line the record ends
on (the line of the row for one-line records), as before.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from cxdesk.importers._decode import LongLine
from cxdesk.importers._limits import MAX_RECORD_CHARS, MAX_RECORD_LINES, BrokenRow, long_line_reason

csv.field_size_limit(MAX_RECORD_CHARS)  # a field can never be longer than its record


class _Broken(Exception):
    """The record being read is not a row (over-long line, or a quote that never closes)."""


class _Lines:
    """The physical lines csv.reader asks for, keeping those of the record being read."""

    def __init__(self, source: Iterable[str]) -> None:
        self._source = iter(source)
        self._again: deque[str] = deque()  # lines given back, read before the source
        self.start = 1  # line number of the record's first line
        self.record: list[str] = []
        self._chars = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._again.popleft() if self._again else next(self._source)
        self.record.append(line)
        self._chars += len(line)
        if type(line) is LongLine or len(self.record) > MAX_RECORD_LINES or self._chars > MAX_RECORD_CHARS:
            raise _Broken
        return line

    def next_record(self) -> None:
        self.start += len(self.record)
        self.record.clear()
        self._chars = 0

    def give_back_all_but_first(self) -> str:
        """Drop the broken record's first line (returned) and read the others again."""
        first, rest = self.record[0], self.record[1:]
        self._again.extendleft(reversed(rest))
        self.start += 1
        self.record, self._chars = [], 0
        return first

    def skip_rest_of_record(self, delimiter: str) -> int:
        """Read on (keeping nothing) to the line where the record's open quoted cell closes,
        or to the end of the file; the record's last line number."""
        line, last = self.record[-1], self.start + len(self.record) - 1
        while type(line) is LongLine or not _quote_closes(line, delimiter):
            line = self._again.popleft() if self._again else next(self._source, None)
            if line is None:
                break
            last += 1
        self.start, self.record, self._chars = last + 1, [], 0
        return last


def _quote_closes(line: str, delimiter: str) -> bool:
    """Whether a line that starts inside a quoted cell ends its record (the csv module's
    reading: ``""`` is a quote, a cell opening with ``"`` is quoted, other quotes are text)."""
    i, quoted = 0, True
    while True:
        if quoted:
            j = line.find('"', i)
            if j < 0:
                return False
            if line.startswith('"', j + 1):
                i = j + 2
                continue
            quoted, i = False, j + 1
        else:
            k = line.find(delimiter, i)
            if k < 0:
                return True
            i = k + 1
            if line.startswith('"', i):
                quoted, i = True, i + 1


def well_formed(lines: list[str], delimiter: str) -> bool:
    """Whether a multi-line record is a real row: each of its quoted cells that spans a line
    break is closed by a quote followed by a delimiter or the line end (as a spreadsheet writes
    it), and no quoted cell is still open at the end of the file. A runaway cell is closed, if
    at all, by the next cell's opening quote, followed by that cell's text. Other oddities of
    one line (``"a"b``) are read leniently, as they always were."""
    text = "".join(lines)
    i, field_start = 0, True
    while i < len(text):
        if field_start and text[i] == '"':
            j, spans = i + 1, False
            while True:
                k = text.find('"', j)
                if k < 0:
                    return False  # still open at the end of the file
                spans = spans or text.find("\n", j, k) >= 0 or text.find("\r", j, k) >= 0
                if not text.startswith('"', k + 1):
                    break
                j = k + 2
            if spans and text[k + 1 : k + 2] not in (delimiter, "\r", "\n", ""):
                return False
            i = k + 1
        d = text.find(delimiter, i)
        if d < 0:
            return True
        i, field_start = d + 1, True
    return True


def _rows_inside(lines: list[str], delimiter: str, n_columns: int) -> bool:
    """Whether the lines a too-long record swallowed are rows of the table (a quote that never
    closed) rather than the lines of one long text (then they are not read again as rows)."""
    if n_columns < 3:  # cannot tell: read them again, each is kept or rejected on its own
        return True
    try:
        rows = [r for r in csv.reader(lines, delimiter=delimiter) if r]
    except csv.Error:
        return True
    return sum(len(r) >= n_columns - 1 for r in rows) * 2 >= len(rows)


def records(text: Iterable[str], delimiter: str, n_columns: int = 0) -> Iterator[tuple[int, list[Any]]]:
    """``(line, cells)`` of every record of ``text`` (lines), broken ones as BrokenRow;
    ``n_columns`` (the header's) tells a swallowed row from a line of a long text."""
    lines = _Lines(text)
    while True:
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            for cells in reader:
                if len(lines.record) > 1 and not well_formed(lines.record, delimiter):
                    raise _Broken
                yield lines.start + len(lines.record) - 1, cells
                lines.next_record()
            return
        except (_Broken, csv.Error) as exc:
            start, spanned = lines.start, list(lines.record)
            if len(spanned) > MAX_RECORD_LINES and not _rows_inside(spanned[1:], delimiter, n_columns):
                last = lines.skip_rest_of_record(delimiter)
                yield start, BrokenRow(_long_cell_reason(start, last), spanned[0].rstrip("\r\n")[:500])
                continue
            at_end = _at_end(lines)
            first = lines.give_back_all_but_first()
            yield start, BrokenRow(_reason(exc, start, spanned, at_end), first.rstrip("\r\n")[:500])


def _at_end(lines: _Lines) -> bool:
    """Whether the source is used up (the broken record ran to the end of the file)."""
    if lines._again:
        return False
    try:
        lines._again.append(next(lines._source))
    except StopIteration:
        return True
    return False


def _long_cell_reason(start: int, last: int) -> str:
    return (
        f"这一条记录从第 {start} 行到第 {last} 行，共 {last - start + 1:,} 行（一个单元格最多 {MAX_RECORD_LINES} 行），"
        "不是正常的评价或聊天内容，已整条跳过，其后的行照常导入"
    )


def _reason(exc: Exception, start: int, spanned: list[str], at_end: bool) -> str:
    if type(spanned[0]) is LongLine:
        return long_line_reason(spanned[0].size)
    if len(spanned) == 1:  # not a runaway cell: the csv module refused the line itself
        return f"这一行无法按 CSV 格式读取（{exc}），已跳过，其余行照常导入"
    last = start + len(spanned) - 1
    if type(spanned[-1]) is LongLine:
        span = f"一直到第 {last} 行（一个过长的行）"
    elif len(spanned) > MAX_RECORD_LINES:
        span = f"起的 {MAX_RECORD_LINES} 多行"
    else:
        span = f"一直到{'文件末尾（' if at_end else ''}第 {last} 行{'）' if at_end else ''}"
    return (
        f"引号没有闭合：这一行有以英文双引号（\"）开头、却没有结尾引号的单元格，从这一行{span}都会被读成"
        "同一个单元格。已跳过这一行，其后的行照常导入；请改正这一行的引号后再单独导入它"
    )
