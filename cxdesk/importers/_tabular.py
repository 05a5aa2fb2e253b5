"""Streaming rows out of CSV/TSV, XLSX and JSON-list files, in chunks.

Rows come out as ``(record number, cells)`` with the number the user sees:
the physical line of a CSV, the Excel row of a sheet, the 1-based item of a
JSON list. Progress is in bytes for text files (the only cheap total), in
rows for sheets and items for JSON.
"""
from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cxdesk.importers._model import Detection

Row = tuple[int, list[Any]]
RowChunk = tuple[list[Row], int, int]  # rows, done, total

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # chat exports hold long pasted texts


class CountingReader(io.RawIOBase):
    """A raw binary reader that counts bytes read, for progress by bytes."""

    def __init__(self, fh: io.BufferedReader) -> None:
        self._fh = fh
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        n = self._fh.readinto(buf)
        self.count += n or 0
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def open_text(path: Path, encoding: str | None) -> tuple[io.TextIOWrapper, CountingReader]:
    """A text stream over ``path`` plus its byte counter.

    Undecodable bytes deep in a file become U+FFFD instead of failing the
    whole import: the head already proved the encoding.
    """
    raw = CountingReader(open(path, "rb"))
    text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 20), encoding=encoding or "utf-8",
                            errors="replace", newline="")
    return text, raw


def iter_delimited(det: Detection, chunk_size: int) -> Iterator[RowChunk]:
    total = det.path.stat().st_size
    text, raw = open_text(det.path, det.encoding)
    with text:
        reader = csv.reader(text, delimiter=det.delimiter or ",")
        header_row = det.header_row
        chunk: list[Row] = []
        for cells in reader:
            line = reader.line_num
            if line <= header_row or not cells:
                continue
            chunk.append((line, cells))
            if len(chunk) >= chunk_size:
                yield chunk, raw.count, total
                chunk = []
        yield chunk, total, total


def iter_xlsx(det: Detection, chunk_size: int) -> Iterator[RowChunk]:
    from openpyxl import load_workbook

    wb = load_workbook(det.path, read_only=True, data_only=True)
    try:
        ws = wb[det.sheet] if det.sheet else wb.worksheets[0]
        total = max((ws.max_row or 0) - det.header_row, 0)
        chunk: list[Row] = []
        for n, values in enumerate(ws.iter_rows(min_row=det.header_row + 1, values_only=True),
                                   start=det.header_row + 1):
            if all(v is None or v == "" for v in values):
                continue
            chunk.append((n, list(values)))
            if len(chunk) >= chunk_size:
                yield chunk, n - det.header_row, total
                chunk = []
        yield chunk, total, total
    finally:
        wb.close()


def iter_json_items(items: list[dict], columns: list[str], chunk_size: int) -> Iterator[RowChunk]:
    total = len(items)
    for start in range(0, total, chunk_size):
        part = items[start : start + chunk_size]
        rows = [(start + i + 1, [it.get(c) if isinstance(it, dict) else None for c in columns])
                for i, it in enumerate(part)]
        yield rows, start + len(part), total
    if not total:
        yield [], 0, 0


def iter_rows(det: Detection, chunk_size: int) -> Iterator[RowChunk]:
    """Rows after the header of a CSV/TSV/XLSX/JSON-list file."""
    if det.container == "xlsx":
        return iter_xlsx(det, chunk_size)
    if det.container == "json":
        from cxdesk.importers._jsonsrc import load_json, record_list

        items = record_list(load_json(det.path, det.encoding))
        return iter_json_items(items, det.columns, chunk_size)
    return iter_delimited(det, chunk_size)


def column_index(columns: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """field → cell index for the mapped fields."""
    return {f: columns.index(c) for f, c in mapping.items() if c in columns}
