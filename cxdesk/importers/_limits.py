"""Size limits on what a text file may put into the store, and the checks that apply them.

A real review or chat message is short: in the public sets under study the longest
review has 2,924 characters (99.9 % are under 1,200) and the longest chat message 325.
A cell far beyond that is not a message but a broken file (an unclosed quote that swallowed
the rest of it, a pasted log, a file that is not an export at all), and one such cell of
50 MB made a later analysis use 4 GB. So every importer refuses, row by row, what is
over these limits: the row comes back as a rejected row with its line number and the
reason, and the other rows are imported as usual. See docs/import_limits.md.
"""

from __future__ import annotations

from typing import Any

# Longest text one cell (review, reply, message, nick, id …) may hold, in characters:
# about 7 times the longest real review seen, 60 times the longest chat message.
MAX_CELL_CHARS = 20_000
# Longest physical line of a text file, in bytes; a longer line is rejected without being
# held in memory whole (a 200 MB file without line breaks costs 4 MB to read, not 200).
MAX_LINE_BYTES = 4 * 1024 * 1024
# A CSV record (one row) spanning more lines than this is taken for an unclosed quote: no
# real cell has hundreds of line breaks (and under MAX_CELL_CHARS it could not be long ones).
MAX_RECORD_LINES = 500
# ... or more characters than this (the csv module's field limit is set to the same).
MAX_RECORD_CHARS = 2 * MAX_LINE_BYTES

# Stands in for bytes that no encoding could read (a Unicode noncharacter, never found in
# real text): the decoder puts it in, and the row holding it is rejected here.
UNDECODABLE = "\ufdd0"

UNDECODABLE_REASON = (
    "这一行含有无法识别的字节（既不是 UTF-8 也不是 GBK/GB18030 编码，文件可能已损坏或混入了"
    "其他编码的内容），这一行未导入，其余行照常导入。请用原软件重新导出后再导入这一行"
)


class BrokenRow(list):
    """A row the reader could not split into cells; ``reason`` says why (Chinese).

    Its only cell is the raw text of the line, shown with the rejected row.
    """

    def __init__(self, reason: str, raw: str) -> None:
        super().__init__([raw])
        self.reason = reason


def too_long_reason(chars: int | None, what: str = "一个单元格") -> str:
    """Why a text over :data:`MAX_CELL_CHARS` is refused (``chars`` None: its full size is unknown)."""
    size = f"有 {chars:,} 个字符，超过" if chars else "超过了"
    return (
        f"{what}{size}上限 {MAX_CELL_CHARS:,} 个字符（正常的评价或聊天消息远短于此，多半是文件损坏"
        "或引号没有闭合），这一行未导入"
    )


def long_line_reason(size: int) -> str:
    return (
        f"这一行长达 {size / 1024 / 1024:.1f} MB（上限 {MAX_LINE_BYTES // 1024 // 1024} MB），"
        "不是正常的导出内容，已跳过，其余行照常导入"
    )


def visible(text: str) -> str:
    """``text`` for showing with a rejected row: unreadable bytes as the usual �."""
    return text.replace(UNDECODABLE, "\ufffd") if UNDECODABLE in text else text


def check_row(cells: list[Any]) -> list[Any]:
    """``cells`` unchanged, or ValueError with the reason for a broken row, an undecodable
    one, or one with a cell over :data:`MAX_CELL_CHARS` (checked before the row is mapped,
    so no parser ever sees such a cell).

    An undecodable row's cells are made :func:`visible` in place, for the rejected row's text.
    """
    if type(cells) is BrokenRow:
        raise ValueError(cells.reason)
    try:
        joined = "".join(cells)  # text rows (CSV): one pass in C for the usual short, clean row
    except TypeError:  # numbers, dates (XLSX, JSON)
        joined = "".join(c for c in cells if type(c) is str)
    if len(joined) <= MAX_CELL_CHARS and UNDECODABLE not in joined:
        return cells
    if any(type(c) is str and UNDECODABLE in c for c in cells):
        cells[:] = [visible(c) if type(c) is str else c for c in cells]
        raise ValueError(UNDECODABLE_REASON)
    long = next((len(c) for c in cells if type(c) is str and len(c) > MAX_CELL_CHARS), None)
    if long is None:  # long only all together
        return cells
    raise ValueError(too_long_reason(long))


def check_record(record: Any) -> Any:
    """``record`` (a record dict, a RawMessage, or None) unchanged, or ValueError when one of
    its texts is over :data:`MAX_CELL_CHARS` or holds undecodable bytes."""
    if record is not None:
        reason = text_problem(*(record.values() if isinstance(record, dict) else record))
        if reason:
            raise ValueError(reason)
    return record


def text_problem(*values: Any) -> str | None:
    """Why a record made of ``values`` cannot be stored (a text over the limit or with
    undecodable bytes), or None. Values that are not text are ignored."""
    for v in values:
        if type(v) is str and (len(v) > MAX_CELL_CHARS or UNDECODABLE in v):
            return too_long_reason(len(v)) if len(v) > MAX_CELL_CHARS else UNDECODABLE_REASON
    return None
