"""Vectorised readers for the big tabular chat formats: CSV/TSV chat tables and JDDC TSV.

``pandas.read_csv`` (C parser) reads chunks of rows; mapping, validation,
time parsing and the base message hashes are whole-column operations, and
Python runs per distinct value (roles, senders, buyers) rather than per
message. The result is the same as the row readers (:func:`._rows.chat_mapper`,
:func:`._jddc_rows.read`): same messages, same rejects with the same record
numbers and reasons, with these documented differences:

* a CSV row whose cells are all empty (``,,,,``) is skipped like a blank
  line instead of being rejected as "消息内容为空";
* a JDDC line with fewer than 7 columns is padded, so it is rejected as
  "消息内容为空" (or for its flags) rather than for its column count.

A row the C parser cannot take (more cells than the first row) makes the
reader continue from that row with the row reader, so odd files still import
exactly as before, only slower.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import chain, islice
from typing import Any

import numpy as np
import pandas as pd

from cxdesk.importers import _jddc_rows as jddc_rows
from cxdesk.importers._decode import DecodedText, LineTooLong
from cxdesk.importers._fastcheck import LineRecheck, flag_long, flag_undecodable, longest_text, suspect_rows
from cxdesk.importers._limits import MAX_CELL_CHARS, visible
from cxdesk.importers._model import Chunk, ReadOptions, Reject
from cxdesk.importers._msgframe import NAT, TIME_FORMAT, coded_hashes, combine_hashes, time_seconds, value_hashes
from cxdesk.importers._rows import chat_mapper, map_chunks
from cxdesk.importers._tabular import column_index, iter_delimited, open_text
from cxdesk.importers._values import parse_time, text_or_none
from cxdesk.roles import RoleRules, role_rules
from cxdesk.values import shown_value

CHUNK_ROWS = 100_000  # rows per pandas chunk, whatever the caller's chunk size (memory ~ 100 MB)


def _chunks(opts: ReadOptions, *, sep: str, skip: int, quoting: int) -> tuple[Iterator[pd.DataFrame], DecodedText]:
    """pandas chunks over the file as :class:`._decode.DecodedText` gives it (mixed encodings
    decoded line by line, undecodable bytes marked); they raise LineTooLong at an over-long line."""
    det = opts.detection
    total = det.path.stat().st_size
    fh, raw = open_text(det.path, det.encoding)
    chunk = max(1, min(opts.chunk_size, CHUNK_ROWS))
    try:
        reader = pd.read_csv(
            fh,
            sep=sep,
            header=None,
            skiprows=skip,
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            quoting=quoting,
            engine="c",
            encoding="utf-8",
            chunksize=chunk,
            low_memory=False,
        )
    except pd.errors.EmptyDataError as exc:  # nothing to read, or a blank line where the first row is (pandas
        fh.close()  # then finds "no columns" and would lose every row after it)
        return _raising(pd.errors.ParserError(str(exc))), raw
    except (pd.errors.ParserError, LineTooLong) as exc:  # in the first rows: the caller reads by rows
        fh.close()
        return _raising(exc), raw

    def gen() -> Iterator[pd.DataFrame]:
        rows = 0
        with fh, reader:
            while True:
                try:
                    df = reader.get_chunk(_next_rows(chunk, rows, raw.count, total))
                except StopIteration:
                    return
                rows += len(df)
                yield df

    return gen(), raw


def _raising(exc: Exception) -> Iterator[pd.DataFrame]:
    raise exc
    yield  # a generator (with close()), like gen() above


def _next_rows(chunk: int, rows: int, consumed: int, total: int) -> int:
    """Rows for the next read: whole chunks, then smaller ones over the last rows of the file.

    The last part is what the store inserts after the reading is over (nothing
    overlaps it), so it is kept to a quarter chunk; a few more reads cost less."""
    smallest = chunk // 4
    if not rows or not consumed or not smallest:
        return chunk
    left = (total - consumed) * rows // consumed  # rows still on disk (an estimate; buffers run ahead)
    return chunk if left >= chunk else max(smallest, left // 2)


def _line_breaks(cols: list[np.ndarray]) -> np.ndarray | None:
    """Extra physical lines per row (line breaks inside quoted cells), None when there are none."""
    joined = "".join(chain.from_iterable(cols))
    if "\n" not in joined and "\r" not in joined:
        return None
    out = np.zeros(len(cols[0]), dtype=np.int64)
    for c in cols:
        out += np.fromiter((s.count("\n") + s.count("\r") - s.count("\r\n") for s in c), np.int64, len(c))
    return out


_ASCII_SAFE = {"utf-8", "utf-8-sig", "utf8", "gb18030", "gbk", "gb2312", "ascii"}


def _may_have_quotes(det: Any) -> bool:
    """Whether the file has a ``"`` byte (a scan at memchr speed; in these encodings the
    byte 0x22 is always the character ``"``, never part of a multi-byte one)."""
    if (det.encoding or "utf-8").lower() not in _ASCII_SAFE:
        return True
    with open(det.path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            if b'"' in block:
                return True
    return False


def _coded(values: np.ndarray | None, n: int, fn: Any) -> tuple[np.ndarray, np.ndarray]:
    """``fn`` of each distinct cell, once: (row codes, mapped distinct values plus a last None).
    A column the mapping lacks is all code -1, i.e. None."""
    if values is None:
        return np.full(n, -1, dtype=np.intp), np.array([None], dtype=object)
    codes, uniq = pd.factorize(values)
    texts = np.empty(len(uniq) + 1, dtype=object)
    texts[:-1] = [fn(u) for u in uniq]
    return codes, texts


def _has_none(texts: np.ndarray, codes: np.ndarray) -> bool:
    """Whether any row's mapped value is None (checked on the distinct values)."""
    if any(t is None for t in texts[:-1].tolist()):
        return True
    return bool(len(codes)) and bool((codes < 0).any())


def _message_frame(n: int, **cols: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_no": cols["record_no"],
            "buyer": cols["buyer"],
            "role": cols["role"],
            "sender": cols["sender"],
            "sent_at": cols["sent_at"],
            "content": cols["content"],
            "source_session_id": cols["sid"],
            "mid": np.full(n, None, dtype=object),
            "transferred": cols["transferred"],
            "repeat_consult": cols["repeat"],
            "_t": cols["t"],
            "_h": cols["h"],
        }
    )


def _few_hashes(codes: np.ndarray | None, texts: np.ndarray, values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Hashes of the kept rows of a repeating column: per distinct text while ``codes``
    still describe ``values``, else by value."""
    if codes is None:
        return value_hashes(values[keep], few=True)
    return coded_hashes(codes[keep], texts[:-1])


def _time_hashes(sent: np.ndarray, t: np.ndarray) -> np.ndarray:
    no_time = t == NAT  # the only rows that may lack a time text
    no_time[no_time] = pd.isna(sent[no_time])
    return value_hashes(sent, null=no_time)


def _per_code(codes: np.ndarray, texts: np.ndarray, rows: np.ndarray, fn: Any) -> np.ndarray:
    """``fn`` of each row's distinct text, evaluated only for the distinct values among ``rows``."""
    out = np.zeros(len(codes), dtype=bool)
    if rows.any():
        used = np.unique(codes[rows])
        hit = np.zeros(len(texts), dtype=bool)
        hit[used] = [bool(fn(texts[c])) for c in used.tolist()]
        out[rows] = hit[codes[rows]]
    return out


def _has_colon(s: str | None) -> bool:
    s = text_or_none(s)
    return s is not None and (":" in s or "：" in s)


def _sender_roles(codes: np.ndarray, texts: np.ndarray, rows: np.ndarray, rules: RoleRules) -> np.ndarray:
    """Role code of each row's sender when it is a bot or system account, else -1; decided
    once per distinct sender among ``rows`` (other rows are -1)."""
    out = np.full(len(codes), -1, dtype=np.int8)
    if rows.any():
        used = np.unique(codes[rows])
        per = np.full(len(texts), -1, dtype=np.int8)
        per[used] = [_ROLE_CODE.get(rules.sender_role(texts[c]), -1) for c in used.tolist()]
        out[rows] = per[codes[rows]]
    return out


# --- chat tables (Qianniu exporter CSV, generic chat CSV/TSV) -------------------------------


def read_chat_table(opts: ReadOptions) -> Iterator[Chunk]:
    """Chat rows by pandas chunks; from a chunk pandas cannot read (a ragged row, an over-long
    line) or with a row that is an unclosed quote's runaway cell, on by the row reader, which
    reads such a file exactly (:mod:`._records`)."""
    det = opts.detection
    quoted = _may_have_quotes(det)  # no quote character: no cell can hold a line break
    if quoted and _quote_up_to_header(det):
        yield from _rest_by_rows(opts, 0)
        return
    total = det.path.stat().st_size
    index = column_index(det.columns, opts.mapping)
    sep = det.delimiter or ","
    chunks, raw = _chunks(opts, sep=sep, skip=det.header_row, quoting=csv.QUOTE_MINIMAL)
    line = det.header_row  # physical line of the last record read
    consumed = 0
    recheck: list[LineRecheck] = []  # opened at the first suspect row
    try:
        while True:
            try:
                df = next(chunks)
            except StopIteration:
                break
            except (pd.errors.ParserError, LineTooLong):
                chunks.close()  # type: ignore[attr-defined]
                yield from _rest_by_rows(opts, consumed)
                return
            cols = [df[k].to_numpy(dtype=object) for k in df.columns]
            breaks = _line_breaks(cols) if quoted else None
            ends = line + np.arange(1, len(df) + 1) if breaks is None else line + np.cumsum(1 + breaks)
            if breaks is not None and not _multiline_rows_ok(det, cols, breaks, ends, recheck):
                chunks.close()  # type: ignore[attr-defined]
                yield from _rest_by_rows(opts, consumed)
                return
            long_cells = raw.long_lines or (breaks is not None and bool(breaks.any()))
            good, bad = map_chat_columns(cols, index, ends, marked=raw.undecodable > 0, long_cells=long_cells)
            consumed += len(df)
            line = int(ends[-1]) if len(ends) else line
            yield Chunk(good, bad, raw.count, total)
        yield Chunk(_message_frame(0, **_empty_cols()), [], total, total)
    finally:
        for r in recheck:
            r.close()


def _quote_up_to_header(det: Any) -> bool:
    """Whether a line up to the header (a title line, the header) holds a quote. pandas skips the
    header by parsed records, not lines: an unclosed quote in a title made it skip, and lose, every
    row up to the next quote, and number the rest wrongly. The row reader reads such a file exactly."""
    with DecodedText(det.path, det.encoding) as text:
        return any('"' in line for line in islice(text, det.header_row))


def _multiline_rows_ok(
    det: Any, cols: list[np.ndarray], breaks: np.ndarray, ends: np.ndarray, recheck: list[LineRecheck]
) -> bool:
    """Whether every suspect multi-line row of a chunk is a real row, not a runaway cell."""
    sep = det.delimiter or ","
    suspects = suspect_rows(cols, breaks, sep, len(det.columns))
    if suspects and not recheck:
        recheck.append(LineRecheck(det.path, det.encoding))
    return all(recheck[0].well_formed(int(ends[i] - breaks[i]), int(ends[i]), sep) for i in suspects)


def _empty_cols() -> dict[str, Any]:
    e = np.empty(0, dtype=object)
    return dict(
        record_no=np.empty(0, np.int64),
        buyer=e,
        role=e,
        sender=e,
        sent_at=e,
        content=e,
        sid=e,
        transferred=np.empty(0, bool),
        repeat=np.empty(0, bool),
        t=np.empty(0, np.int64),
        h=np.empty(0, np.uint64),
    )


def _rest_by_rows(opts: ReadOptions, skip_records: int) -> Iterator[Chunk]:
    """Continue with the csv module from record ``skip_records`` (after the header)."""
    det = opts.detection
    mapper = chat_mapper(column_index(det.columns, opts.mapping))
    return map_chunks(iter_delimited(det, opts.chunk_size, skip_records), mapper)


_ROLES = np.array(["buyer", "agent", "system", "bot", None], dtype=object)  # role codes; -1 is None
_ROLE_CODE = {r: i for i, r in enumerate(_ROLES[:-1].tolist())}
_BUYER, _AGENT = _ROLE_CODE["buyer"], _ROLE_CODE["agent"]


def map_chat_columns(
    cols: list[np.ndarray], index: dict[str, int], line_nos: np.ndarray, marked: bool = False, long_cells: bool = True
) -> tuple[pd.DataFrame, list[Reject]]:
    """Vectorised :func:`._rows.chat_mapper`: raw cell columns → (message frame, rejects).

    Buyers, senders and roles repeat: they are mapped (and hashed) once per
    distinct cell and handled as codes; ``bad`` tracks the rows with a reason.
    ``marked``: the file had undecodable bytes (look for them in every cell);
    ``long_cells`` False: no cell can be over the size limit (all lines are shorter)."""
    n = len(line_nos)

    def get(field: str) -> np.ndarray | None:
        i = index.get(field)
        return cols[i] if i is not None and i < len(cols) else None

    reason = np.full(n, None, dtype=object)
    content_raw = get("content")
    if content_raw is None:
        content, empty = np.full(n, None, dtype=object), np.ones(n, dtype=bool)
    else:
        stripped = list(map(str.strip, content_raw))
        content = np.array(stripped, dtype=object)
        empty = content == "" if "" in stripped else np.zeros(n, dtype=bool)
    longest = max(map(len, content_raw), default=0) if long_cells and content_raw is not None else 0
    blank_row = empty & np.logical_and.reduce([c == "" for c in cols]) if empty.any() else empty
    reason[empty] = "消息内容为空"
    bad = empty.copy()

    s_codes, s_text = _coded(get("sender"), n, text_or_none)
    sender = s_text[s_codes]
    sid_codes, sid_text = _coded(get("session_id"), n, text_or_none)
    sid = sid_text[sid_codes]
    b_codes, b_text = _coded(get("buyer"), n, text_or_none)
    buyer = b_text[b_codes]
    longest = max(longest, longest_text(s_text, sid_text, b_text)) if long_cells else 0
    if _has_none(b_text, b_codes):
        no_buyer = pd.isna(buyer)
        has_sid = no_buyer & ~pd.isna(sid)
        buyer[has_sid] = ["会话" + s for s in sid[has_sid]]
        b_codes = None  # changed: hashed by value
        missing = no_buyer & ~has_sid & ~bad
        reason[missing] = "缺少客户（买家）名称"
        bad |= missing

    rules = role_rules()
    role_cell = get("role")
    r_codes, r_words = _coded(role_cell, n, rules.word_role)
    role = np.array([-1 if w is None else _ROLE_CODE[w] for w in r_words.tolist()], dtype=np.int8)[r_codes]
    no_role = role < 0
    if no_role.any():
        is_self = no_role & ~pd.isna(sender) & (sender == buyer)
        role[is_self] = _BUYER
        rest = no_role & ~is_self
        role[rest & _per_code(s_codes, s_text, rest, _has_colon)] = _AGENT
        account = rest & (role < 0)  # no role, not the buyer, no 店铺:子账号: a bot or system account?
        role[account] = _sender_roles(s_codes, s_text, account, rules)[account]
        unknown = (role < 0) & ~bad
        for i in np.flatnonzero(unknown):
            rc = role_cell[i] if role_cell is not None else None
            reason[i] = (
                f"无法判断发送方角色（角色列为“{shown_value(rc or '')}”，发送账号为空）"
                if sender[i] is None
                else f"无法判断发送方角色（角色“{shown_value(rc or '')}”，发送账号“{shown_value(sender[i])}”）"
            )
        bad |= role < 0
    agent = role == _AGENT
    if agent.any():
        platform = _sender_roles(s_codes, s_text, agent, rules)
        role[platform >= 0] = platform[platform >= 0]  # 京小智, 店铺:店小蜜, 系统消息 … on the agent side
    if _has_none(s_text, s_codes):
        fill = (role == _BUYER) & pd.isna(sender)
        if fill.any():
            sender = sender.copy()
            sender[fill] = buyer[fill]
            s_codes = None  # changed: hashed by value

    times = get("sent_at")
    if longest > MAX_CELL_CHARS:  # as _limits.check_row: any mapped cell, in column order, first
        long = flag_long([cols[i] for i in sorted(set(index.values())) if i < len(cols)], reason, bad)
        times = None if times is None else np.where(long, "", times)  # not parsed at all
    sent, t, failed = _times(times, reason)
    bad |= failed
    if marked:
        flag_undecodable(cols, reason, bad)
    raw = (
        (lambda i: visible(",".join(str(c[i]) for c in cols)))
        if marked
        else (lambda i: ",".join(str(c[i]) for c in cols))
    )
    rejects = [Reject(int(line_nos[i]), str(reason[i]), raw(i)[:500]) for i in np.flatnonzero(bad & ~blank_row)]
    keep = ~bad
    k = int(keep.sum())
    sent, t, role, content = sent[keep], t[keep], role[keep], content[keep]
    h = combine_hashes(
        [
            _few_hashes(b_codes, b_text, buyer, keep),
            _time_hashes(sent, t),
            coded_hashes(role, _ROLES[:-1]),
            _few_hashes(s_codes, s_text, sender, keep),
            value_hashes(content, null=np.zeros(k, dtype=bool)),
        ]
    )
    frame = _message_frame(
        k,
        record_no=line_nos[keep],
        buyer=buyer[keep],
        role=_ROLES[role],
        sender=sender[keep],
        sent_at=sent,
        content=content,
        sid=sid[keep],
        transferred=np.zeros(k, bool),
        repeat=np.zeros(k, bool),
        t=t,
        h=h,
    )
    return frame, rejects


def _times(raw: np.ndarray | None, reason: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """parse_time over a column: (texts, epoch seconds, rows whose time is invalid, with their
    reason set unless they had one); canonical times (the usual case) stay as they are.
    pandas takes any real date of 1677–2262: times outside :func:`cxdesk.times.plausible_range`
    go to parse_time too, which refuses them with the reason."""
    from cxdesk.times import plausible_range

    n = len(reason)
    failed = np.zeros(n, dtype=bool)
    if raw is None:
        return np.full(n, None, dtype=object), np.full(n, NAT, dtype=np.int64), failed
    parsed = pd.to_datetime(pd.Series(raw, dtype=object), format=TIME_FORMAT, errors="coerce")
    t = parsed.to_numpy("datetime64[s]").view(np.int64).copy()
    lo, hi = (np.datetime64(b, "s").astype(np.int64) for b in plausible_range())
    ok = (t >= lo) & (t <= hi)  # NAT (the int64 minimum) is below lo
    if ok.all() and len("".join(raw)) == 19 * n:
        return raw, t, failed
    ok &= np.fromiter((len(s) == 19 for s in raw), bool, n)
    sent = raw.copy()
    redo = np.flatnonzero(~ok)
    for i in redo:
        try:
            sent[i] = parse_time(raw[i])
        except ValueError as exc:
            sent[i] = None
            failed[i] = True
            if reason[i] is None:
                reason[i] = str(exc)
    t[redo] = time_seconds(sent[redo])
    return sent, t, failed


# --- JDDC TSV -------------------------------------------------------------------------------


def read_jddc(opts: ReadOptions) -> Iterator[Chunk]:
    total = opts.detection.path.stat().st_size
    chunks, raw = _chunks(opts, sep="\t", skip=0, quoting=csv.QUOTE_NONE)
    consumed = 0
    while True:
        try:
            df = next(chunks)
            if df.shape[1] != 7:
                raise pd.errors.ParserError("not 7 columns")
        except StopIteration:
            break
        except (pd.errors.ParserError, LineTooLong):
            chunks.close()  # type: ignore[attr-defined]
            yield from jddc_rows.read(opts, skip_lines=consumed)
            return
        cols = [df[k].to_numpy(dtype=object) for k in df.columns]
        good, bad = map_jddc_columns(cols, consumed, marked=raw.undecodable > 0, long_cells=raw.long_lines)
        consumed += len(df)
        yield Chunk(good, bad, raw.count, total)
    yield Chunk(_message_frame(0, **_empty_cols()), [], total, total)


def map_jddc_columns(
    cols: list[np.ndarray], first_line: int, marked: bool = False, long_cells: bool = True
) -> tuple[pd.DataFrame, list[Reject]]:
    """Vectorised :func:`._jddc_rows.read` (same rejects, in the same order of checks); ``marked``
    and ``long_cells`` as for :func:`map_chat_columns`."""
    sid, customer, waiter, tr, rep, _sku, content_raw = cols
    n = len(sid)
    flags_ok = ((waiter == "0") | (waiter == "1")) & ((tr == "0") | (tr == "1")) & ((rep == "0") | (rep == "1"))
    stripped = list(map(str.strip, content_raw))
    content = np.array(stripped, dtype=object)
    rejects: list[Reject] = []
    bad = ~flags_ok | (content == "") if "" in stripped else ~flags_ok
    b_all, b_uniq = pd.factorize(customer)
    reason = np.full(n, None, dtype=object)
    if (
        long_cells
        and max(max(map(len, stripped), default=0), max(map(len, sid), default=0), longest_text(b_uniq))
        > MAX_CELL_CHARS
    ):
        flag_long([customer, content, sid], reason, bad, first=False)  # as _jddc_rows._message
    if marked:
        flag_undecodable(cols, reason, bad)
    for i in np.flatnonzero(bad).tolist():  # Python ints: a numpy one is stored as an 8-byte BLOB
        fields = [c[i] for c in cols]
        line = "\t".join(fields).rstrip("\t")
        if not line.strip():
            continue  # blank line
        if reason[i] is not None:
            rejects.append(Reject(first_line + i + 1, reason[i], visible(line)[:500]))
        elif not flags_ok[i]:
            rejects.append(
                Reject(first_line + i + 1, jddc_rows.COLUMNS_REASON.format(n=len(line.split("\t"))), line[:500])
            )
        else:
            rejects.append(Reject(first_line + i + 1, "消息内容为空", line[:500]))
    keep = ~bad
    k = int(keep.sum())
    is_agent = waiter[keep] == "1"
    role = np.where(is_agent, _AGENT, _BUYER).astype(np.int8)
    buyer, b_codes = customer[keep], b_all[keep]
    sender = buyer.copy()
    sender[is_agent] = None
    sent, t, content = np.full(k, None, dtype=object), np.full(k, NAT, dtype=np.int64), content[keep]
    h = combine_hashes(
        [
            coded_hashes(b_codes, b_uniq),
            _time_hashes(sent, t),
            coded_hashes(role, _ROLES[:-1]),
            coded_hashes(np.where(is_agent, -1, b_codes), b_uniq),
            value_hashes(content, null=np.zeros(k, dtype=bool)),
        ]
    )
    frame = _message_frame(
        k,
        record_no=(np.flatnonzero(keep) + first_line + 1),
        buyer=buyer,
        role=_ROLES[role],
        sender=sender,
        sent_at=sent,
        content=content,
        sid=sid[keep],
        transferred=tr[keep] == "1",
        repeat=rep[keep] == "1",
        t=t,
        h=h,
    )
    return frame, rejects
