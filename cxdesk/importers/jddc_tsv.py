"""JD Dialogue Challenge (JDDC) chat TSV: JD customer-service sessions, no header.

Columns: session_id, customer_id, waiter_send (0 customer / 1 agent),
is_transferred, is_repeat_consult, sku, content. There are no times and no
agent ids, so sent_at and sender stay None rather than being invented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cxdesk.importers._decode import LongLine
from cxdesk.importers._limits import UNDECODABLE, UNDECODABLE_REASON, long_line_reason, text_problem, visible
from cxdesk.importers._model import Chunk, FormatSpec, Guess, Probe, RawMessage, ReadOptions, Reject
from cxdesk.importers._tabular import open_text

_FLAG = {"0", "1"}
_SID = re.compile(r"[0-9a-fA-F]{8,64}|\w{4,64}")


def _fields(line: str) -> list[str] | None:
    parts = line.rstrip("\r\n").split("\t", 6)
    if len(parts) != 7 or parts[2] not in _FLAG or parts[3] not in _FLAG or parts[4] not in _FLAG:
        return None
    return parts


def sniff(p: Probe) -> Guess | None:
    sample = [ln for ln in p.lines[:50] if ln.strip()][:-1] or p.lines[:1]
    if not sample or not all(_fields(ln) and _SID.fullmatch(ln.split("\t", 1)[0]) for ln in sample):
        return None
    return Guess(0.9, "chats", "jd")


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
    parts = _fields(line)
    if parts is None:
        n = len(line.rstrip("\r\n").split("\t"))
        return Reject(
            no,
            f"应为 7 列（会话ID、客户ID、是否客服、是否转接、是否重复咨询、SKU、内容），实际 {n} 列或标志不是 0/1",
            line[:500],
        )
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


def bulk_read(opts: ReadOptions) -> Iterator[Chunk]:
    """Vectorised reader for imports (pandas C parser, whole-column mapping)."""
    from cxdesk.importers._fastchat import read_jddc

    return read_jddc(opts)


FORMAT = FormatSpec("jddc_tsv", "京东客服对话（JDDC TSV）", ("tsv", "txt"), sniff, read, bulk_read=bulk_read)
