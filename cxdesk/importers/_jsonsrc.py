"""Loading JSON exports: plain JSON, JSONP wrappers, JSON Lines.

Platform APIs wrap their record lists in envelopes (``data``, ``result``,
``rateDetail`` …) that change between versions, so readers look for a list
by its key anywhere in the first few levels instead of a fixed path.

Nothing in a file may end in a traceback: a file too big, invalid, nested
deep enough to exhaust the stack, with a key given twice, or that is a lone
value is refused with a Chinese reason; a record of the wrong shape is
rejected on its own (:func:`item_chunks`). See docs/import_containers.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cxdesk.errors import ImportFormatError
from cxdesk.importers._decode import decode_bytes
from cxdesk.importers._limits import UNDECODABLE, check_record
from cxdesk.logs import log

# JSON is parsed whole (the standard library cannot stream it): peak memory is about five
# times the file's size, so a bigger file is refused with advice instead of exhausting memory.
MAX_JSON_BYTES = 256 * 1024 * 1024
# Integers longer than this stay text (Python refuses to convert longer digit strings; no
# real id, time or score is one).
_MAX_INT_DIGITS = 4300
# A JSONP or script wrapper: optional /* … */ comments, then ``callback(`` or ``var x =``.
_WRAP_HEAD = re.compile(
    r"\s*(?:/\*.*?\*/\s*)*(?:(?P<call>[A-Za-z_$][\w$.]*\s*\()|"
    r"(?:(?:var|let|const)\s+)?[A-Za-z_$][\w$.]*\s*=(?!=))\s*",
    re.S,
)
_CALL_TAIL = re.compile(r"\)\s*;?\s*(?://[^\n]*)?\s*\Z")
_ASSIGN_TAIL = re.compile(r";?\s*(?://[^\n]*)?\s*\Z")
_UNCHANGED = "文件未导入，数据库未改动。"


class _DuplicateKey(Exception):
    def __init__(self, key: str, first: Any, second: Any) -> None:
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


def _object(pairs: list[tuple[str, Any]]) -> dict:
    """A JSON object; a key given twice with different values is an error (which one is right?)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        for k, v in pairs:
            if obj[k] != v:
                raise _DuplicateKey(k, v, obj[k])
    return obj


def _int(digits: str) -> int | str:
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else digits


def unwrap_jsonp(text: str) -> str:
    """The JSON inside ``cb({...});``, ``/**/cb({...})``, ``var x = {...};``; other text unchanged."""
    m = _WRAP_HEAD.match(text[:400])
    if not m:
        return text
    tail = (_CALL_TAIL if m.group("call") else _ASSIGN_TAIL).search(text, max(m.end(), len(text) - 400))
    return text[m.end() : tail.start()] if tail else text


def looks_wrapped(head: str) -> bool:
    """Whether ``head`` starts like a JSONP / script wrapper around a JSON object or list."""
    m = _WRAP_HEAD.match(head[:400])
    return bool(m) and head[m.end() : m.end() + 1] in ("{", "[")


def _loads(text: str, name: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_object, parse_int=_int)
    except RecursionError:
        raise ImportFormatError(
            f"“{name}”中的 JSON 嵌套层数过多（成百上千层；平台导出的只有几层），无法读取，文件可能已损坏或是恶意构造的。"
            f"{_UNCHANGED}"
        ) from None
    except _DuplicateKey as dup:
        raise ImportFormatError(
            f"“{name}”中同一个对象（记录）里的字段“{_short(dup.key)}”出现了两次，而且两个值不同（“{_short(dup.first)}”和"
            f"“{_short(dup.second)}”），无法确定哪个是对的。{_UNCHANGED}请从平台重新导出，或删掉错误的那一个后再导入。"
        ) from None


def _short(value: Any) -> str:
    try:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = type(value).__name__
    text = _LONE_SURROGATE.sub("\ufffd", text)  # shown in a message, which must stay printable
    return text if len(text) <= 40 else text[:40] + "…"


# "\ud800" escapes that pair with no other: JSON allows them, no text holds them, SQLite cannot store them.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _marked_surrogates(data: Any) -> Any:
    """``data`` with each lone surrogate in its texts (keys too) as :data:`._limits.UNDECODABLE`, so
    the record holding one is rejected like bytes no encoding reads. Iterative: as deep as parsed."""

    def fix(value: Any) -> Any:
        return _LONE_SURROGATE.sub(UNDECODABLE, value) if isinstance(value, str) else value

    if not isinstance(data, (dict, list)):
        return fix(data)
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            items = [(fix(k), v if isinstance(v, (dict, list)) else fix(v)) for k, v in node.items()]
            node.clear()
            node.update(items)
        else:
            node[:] = [v if isinstance(v, (dict, list)) else fix(v) for v in node]
        stack.extend(v for v in (node.values() if isinstance(node, dict) else node) if isinstance(v, (dict, list)))
    return data


def parse_json_text(text: str, name: str = "文件") -> Any:
    """The document in ``text`` (plain JSON, JSONP, or JSON Lines); ImportFormatError otherwise.

    Refused with a Chinese reason: invalid JSON, nesting deep enough to exhaust the stack,
    a key given twice with different values, a document that is a lone number or text.
    NaN / Infinity literals are read as floats (the value parsers reject them row by row).
    """
    text = unwrap_jsonp(text.lstrip("\ufeff"))
    try:
        data = _loads(text, name)
    except json.JSONDecodeError as exc:
        data = _json_lines(text, name, exc)
    if _SURROGATE_ESCAPE.search(text):
        data = _marked_surrogates(data)
    if not isinstance(data, (dict, list)):
        raise ImportFormatError(
            f"“{name}”的 JSON 只有一个单独的值（{_short(data)}），不是记录列表或对象，没有可导入的内容。{_UNCHANGED}"
        )
    return data


def _json_lines(text: str, name: str, exc: json.JSONDecodeError) -> list:
    lines = [ln for ln in text.split("\n") if ln.strip()]  # not splitlines: a text may hold U+2028
    if len(lines) > 1:
        try:
            return [_loads(ln, name) for ln in lines]  # JSON Lines
        except json.JSONDecodeError:
            pass
    raise ImportFormatError(
        f"“{name}”不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}），可能不完整或已损坏。{_UNCHANGED}"
    ) from None


def load_json(path: Path, encoding: str | None) -> Any:
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ImportFormatError(
            f"JSON 文件“{path.name}”有 {size / 1024 / 1024:,.0f} MB，超过上限 {MAX_JSON_BYTES // 1024 // 1024} MB"
            f"（JSON 要整个读进内存，约占文件大小的 5 倍）。{_UNCHANGED}请分几次导出较短的时间段后再导入。"
        )
    return parse_json_text(decode_bytes(path.read_bytes(), encoding), path.name)  # _decode: mixed encodings


def find_list(obj: Any, keys: tuple[str, ...], depth: int = 5) -> list | None:
    """The first list stored under one of ``keys`` within ``depth`` levels."""
    if depth < 0:
        return None
    if isinstance(obj, dict):
        for k in keys:
            v = obj.get(k)
            if isinstance(v, list):
                return v
            if isinstance(v, dict):  # {"trade_rates": {"trade_rate": [...]}}
                inner = find_list(v, keys, 0)
                if inner is not None:
                    return inner
        for v in obj.values():
            found = find_list(v, keys, depth - 1)
            if found is not None:
                return found
    elif isinstance(obj, list) and obj and isinstance(obj[0], dict) and depth > 0:
        if len(obj) == 1:
            return find_list(obj[0], keys, depth - 1)
    return None


def record_list(obj: Any) -> list[dict]:
    """The longest list of objects in a JSON document (for generic JSON tables)."""
    best: list[dict] = []

    def walk(o: Any, depth: int) -> None:
        nonlocal best
        if depth > 5:
            return
        if isinstance(o, list):
            if o and isinstance(o[0], dict) and len(o) > len(best):
                best = o
            for v in o[:1]:
                walk(v, depth + 1)
        elif isinstance(o, dict):
            for v in o.values():
                walk(v, depth + 1)

    walk(obj, 0)
    return best


def columns_of(items: list[dict], sample: int = 50) -> list[str]:
    """Union of the keys of the first items, in first-seen order."""
    cols: dict[str, None] = {}
    for it in items[:sample]:
        if isinstance(it, dict):
            for k, v in it.items():
                if not isinstance(v, (dict, list)):
                    cols.setdefault(str(k), None)
    return list(cols)


def dig(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]…`` or None when any step is missing."""
    for p in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(p)
    return obj


def chunks_of(items: list, size: int) -> list[tuple[int, list]]:
    """(index of first item, items) slices."""
    return [(i, items[i : i + size]) for i in range(0, len(items), size)] or [(0, [])]


# What a converter raises on a record of an unexpected shape (a list where an object was
# expected, a number too big for a date …): that record is rejected, not the whole file.
_SHAPE_ERRORS = (TypeError, AttributeError, KeyError, IndexError, OverflowError, RecursionError)


def item_chunks(items: list, convert: Any, chunk_size: int, scalars: tuple[str, ...] = ()) -> Any:
    """Chunks of converted items; ``convert(no, item)`` raises ValueError to reject.

    ``convert`` may return None for items that are not records (skipped). ``scalars``: the
    keys ``convert`` reads as text or numbers; an item holding a list or an object under
    one of them is rejected with the key named (instead of storing ``"['…']"``).
    """
    from cxdesk.importers._model import Chunk, Reject

    total = len(items)
    for start, part in chunks_of(items, chunk_size):
        good, bad = [], []
        for no, item in enumerate(part, start=start + 1):
            try:
                if not isinstance(item, dict):
                    raise ValueError("不是一条记录（应为 JSON 对象）")
                _check_scalars(item, scalars)
                rec = check_record(convert(no, item))  # _limits: text size, undecodable bytes
                if rec is not None:
                    good.append(rec)
            except ValueError as exc:
                bad.append(Reject(no, str(exc), _raw(item)))
            except _SHAPE_ERRORS as exc:
                log.info("JSON 记录 %s 结构异常", no, exc_info=True)
                bad.append(
                    Reject(
                        no,
                        f"这条记录的结构与该格式不符（某个字段的类型不对：{type(exc).__name__}），未导入",
                        _raw(item),
                    )
                )
        yield Chunk(good, bad, start + len(part), total)


def _check_scalars(item: dict, scalars: tuple[str, ...]) -> None:
    for key in scalars:
        value = item.get(key)
        if isinstance(value, (dict, list)):
            what = "列表" if isinstance(value, list) else "对象"
            raise ValueError(f"字段“{key}”应为文本或数字，这里却是一个{what}，这条记录未导入")


def _raw(item: Any) -> str:
    """The item as JSON text for the rejected-rows list (first 500 characters)."""
    try:
        return json.dumps(item, ensure_ascii=False)[:500]
    except (ValueError, TypeError, RecursionError):
        return f"（无法显示的 {type(item).__name__}）"


def head_has(p_text: str, *keys: str) -> bool:
    """Whether every ``"key"`` appears in the head text (cheap JSON sniffing)."""
    return all(f'"{k}"' in p_text for k in keys)
