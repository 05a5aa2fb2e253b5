"""The JDDC TSV row reader: one message per line, checked line by line.

The reference path of :mod:`cxdesk.importers.jddc_tsv`, and where the vectorised
reader (:func:`cxdesk.importers._fastchat.read_jddc`) continues when pandas cannot
parse a chunk. Both the format module and the fast reader import it; it imports neither.
"""

from __future__ import annotations

from collections.abc import Iterator

from cxdesk.importers._decode import LongLine
from cxdesk.importers._limits import UNDECODABLE, UNDECODABLE_REASON, long_line_reason, text_problem, visible
from cxdesk.importers._model import Chunk, RawMessage, ReadOptions, Reject
from cxdesk.importers._tabular import open_text

FLAG = {"0", "1"}
# Why a line is refused for its columns (``{n}``: the columns it has); the fast reader says the same.
COLUMNS_REASON = "应为 7 列（会话ID、客户ID、是否客服、是否转接、是否重复咨询、SKU、内容），实际 {n} 列或标志不是 0/1"


def fields(line: str) -> list[str] | None:
    """The 7 columns of a line, or None when it has another count or a flag is not 0/1."""
    parts = line.rstrip("\r\n").split("\t", 6)
    if len(parts) != 7 or parts[2] not in FLAG or parts[3] not in FLAG or parts[4] not in FLAG:
        return None
    return parts


def read(opts: ReadOptions, skip_lines: int = 0) -> Iterator[Chunk]:
    """Line by line (the reference path; :func:`bulk_read` is the fast one)."""
    path = opts.detection.path
    total = path.stat().st_size
    text, raw = open_text(path, opts.detection.encoding)
    with text:
        good: list[RawMessage] = []
        bad: list[Reject] = []
        for no, line in enumerate(text, start=1):
            if no <= skip_lines or not line.strip():
                continue
            msg = _message(no, line)
            if isinstance(msg, Reject):
                bad.append(msg)
            else:
                good.append(msg)
            if len(good) + len(bad) >= opts.chunk_size:
                yield Chunk(good, bad, raw.count, total)
                good, bad = [], []
        yield Chunk(good, bad, total, total)


def _message(no: int, line: str) -> RawMessage | Reject:
    """The message on line ``no``, or why it is refused (checks in the order of the bulk reader)."""
    if type(line) is LongLine:
        return Reject(no, long_line_reason(line.size), line[:500])
    if UNDECODABLE in line:
        return Reject(no, UNDECODABLE_REASON, visible(line)[:500])
    parts = fields(line)
    if parts is None:
        return Reject(no, COLUMNS_REASON.format(n=len(line.rstrip("\r\n").split("\t"))), line[:500])
    sid, customer, waiter, transferred, repeat, _sku, content = parts
    content = content.strip()
    if not content:
        return Reject(no, "消息内容为空", line[:500])
    if problem := text_problem(customer, content, sid):
        return Reject(no, problem, line[:500])
    role = "agent" if waiter == "1" else "buyer"
    return RawMessage(
        no,
        customer,
        role,
        customer if role == "buyer" else None,
        None,
        content,
        sid,
        None,
        transferred == "1",
        repeat == "1",
    )
