"""Loading JSON exports: plain JSON, JSONP wrappers, JSON Lines.

Platform APIs wrap their record lists in envelopes (``data``, ``result``,
``rateDetail`` …) that change between versions, so readers look for a list
by its key anywhere in the first few levels instead of a fixed path.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cxdesk.errors import ImportFormatError

_JSONP = re.compile(r"^\s*[\w$.]+\s*\((.*)\)\s*;?\s*$", re.S)


def parse_json_text(text: str, name: str = "文件") -> Any:
    text = text.lstrip("\ufeff")
    m = _JSONP.match(text[:200] + text[-20:]) and _JSONP.match(text)
    if m:
        text = m.group(1)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        try:
            return [json.loads(ln) for ln in lines]  # JSON Lines
        except json.JSONDecodeError:
            raise ImportFormatError(
                f"“{name}”不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）。"
            ) from None


def load_json(path: Path, encoding: str | None) -> Any:
    return parse_json_text(path.read_text(encoding=encoding or "utf-8", errors="replace"), path.name)


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


def item_chunks(items: list, convert: Any, chunk_size: int) -> Any:
    """Chunks of converted items; ``convert(no, item)`` raises ValueError to reject.

    ``convert`` may return None for items that are not records (skipped).
    """
    from cxdesk.importers._model import Chunk, Reject

    total = len(items)
    for start, part in chunks_of(items, chunk_size):
        good, bad = [], []
        for no, item in enumerate(part, start=start + 1):
            try:
                if not isinstance(item, dict):
                    raise ValueError("不是一条记录（应为 JSON 对象）")
                rec = convert(no, item)
                if rec is not None:
                    good.append(rec)
            except ValueError as exc:
                bad.append(Reject(no, str(exc), json.dumps(item, ensure_ascii=False)[:500]))
        yield Chunk(good, bad, start + len(part), total)


def head_has(p_text: str, *keys: str) -> bool:
    """Whether every ``"key"`` appears in the head text (cheap JSON sniffing)."""
    return all(f'"{k}"' in p_text for k in keys)
