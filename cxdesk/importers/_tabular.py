"""Streaming rows out of CSV/TSV, XLSX and JSON-list files, in chunks.

Rows come out as ``(record number, cells)`` with the number the user sees:
the physical line of a CSV, the Excel row of a sheet, the 1-based item of a
JSON list. Progress is in bytes for text files (the only cheap total), in
rows for sheets and items for JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cxdesk.importers._decode import DecodedText
from cxdesk.importers._model import Detection
from cxdesk.importers._records import records

Row = tuple[int, list[Any]]
RowChunk = tuple[list[Row], int, int]  # rows, done, total
# A sheet's rows come in a (maybe empty) chunk at least every this many sheet rows, blank or not.
XLSX_SCAN_ROWS = 50_000


def open_text(path: Path, encoding: str | None) -> tuple[DecodedText, DecodedText]:
    """A text stream over ``path`` plus its byte counter (the same object: ``.count``).

    Lines in another encoding than the detected one are decoded in theirs; bytes no
    encoding reads become :data:`._limits.UNDECODABLE` (the importers reject their row),
    and an over-long line comes as a :class:`._decode.LongLine` (see :mod:`._decode`).
    """
    text = DecodedText(path, encoding)
    return text, text


def iter_delimited(det: Detection, chunk_size: int, skip_records: int = 0) -> Iterator[RowChunk]:
    """Rows after the header, from the ``skip_records``-th on (blank ones count, as in pandas).

    A row whose quote never closes comes as a :class:`._limits.BrokenRow` (see :mod:`._records`)."""
    total = det.path.stat().st_size
    text, raw = open_text(det.path, det.encoding)
    with text:
        chunk: list[Row] = []
        seen = 0
        for line, cells in records(text, det.delimiter or ",", len(det.columns)):
            if line <= det.header_row:
                continue
            seen += 1
            if seen <= skip_records or not cells:
                continue
            chunk.append((line, cells))
            if len(chunk) >= chunk_size:
                yield chunk, raw.count, total
                chunk = []
        yield chunk, total, total


def iter_xlsx(det: Detection, chunk_size: int) -> Iterator[RowChunk]:
    """Rows of the detected sheet, as wide as its header (see :mod:`._xlsxsafe` for the checks).

    A sheet's stated size (``max_row``, ``max_column``) may be a lie: 1,048,576 formatted empty
    rows, or a dimension ``A1:XFD1048576``. Rows are cut to the header's width, so an empty
    row costs little, and a chunk (maybe empty) comes at least every :data:`XLSX_SCAN_ROWS`
    sheet rows so progress and cancel work through a long empty tail. A sheet that breaks part-way fails
    as a whole (the transaction rolls back) with the last row read in the message.
    """
    from cxdesk.importers._xlsxsafe import XLSX_ERRORS, first_sheet, open_workbook, quiet_rows, unreadable

    with open_workbook(det.path) as wb:
        ws = first_sheet(det.path, wb, det.sheet)
        total = max((ws.max_row or 0) - det.header_row, 0)
        last = yielded = det.header_row
        rows = quiet_rows(ws.iter_rows(min_row=det.header_row + 1, max_col=len(det.columns) or None, values_only=True))
        chunk: list[Row] = []
        blank = None  # openpyxl fills missing rows with one shared empty tuple
        try:
            for n, values in enumerate(rows, start=det.header_row + 1):
                if values is blank:
                    pass
                elif values.count(None) + values.count("") < len(values):  # tuple.count: C speed
                    chunk.append((n, list(values)))
                    last = n
                else:
                    blank = values
                if len(chunk) >= chunk_size or n - yielded >= XLSX_SCAN_ROWS:
                    yield chunk, min(n - det.header_row, total), total
                    chunk, yielded = [], n
        except XLSX_ERRORS as exc:
            raise unreadable(det.path, exc, after_row=last) from exc
        yield chunk, total, total


def iter_json_items(items: list[dict], columns: list[str], chunk_size: int) -> Iterator[RowChunk]:
    total = len(items)
    for start in range(0, total, chunk_size):
        part = items[start : start + chunk_size]
        rows = [
            (start + i + 1, [it.get(c) if isinstance(it, dict) else None for c in columns]) for i, it in enumerate(part)
        ]
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
