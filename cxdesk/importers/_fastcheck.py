"""Vectorised checks of the pandas chat readers (:mod:`._fastchat`) for damaged files.

The same rules as the row readers apply (:mod:`._limits`, :mod:`._records`), on whole
columns: a cell over the size limit or with undecodable bytes gets its row refused with
the same reason, and a multi-line row that may be an unclosed quote's runaway cell is
looked at again in the file (:class:`LineRecheck`); if it is one, the pandas reader hands
the rest of the file to the exact row reader.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import numpy as np

from cxdesk.importers._decode import DecodedText, LongLine
from cxdesk.importers._limits import MAX_CELL_CHARS, MAX_RECORD_LINES, UNDECODABLE, UNDECODABLE_REASON, too_long_reason
from cxdesk.importers._records import well_formed


def suspect_rows(cols: list[np.ndarray], breaks: np.ndarray, sep: str, n_columns: int) -> list[int]:
    """Rows whose multi-line cells may be an unclosed quote that swallowed rows (the row
    reader's check then decides, see :class:`LineRecheck`).

    A runaway cell holds the rest of its own line and (part of) the next ones, so its row
    has fewer cells than the header (pandas pads them with "": the last one is empty), or
    its cells hold at least a whole row's worth of delimiters, or it spans too many lines.
    When pandas found rows wider than the header, every multi-line row is a suspect."""
    rows = np.flatnonzero(breaks).tolist()
    if len(cols) > n_columns:
        return rows
    need = max(n_columns - 1, 1)
    last = cols[-1]
    return [
        i
        for i in rows
        if breaks[i] >= MAX_RECORD_LINES or last[i] == "" or sum(col[i].count(sep) for col in cols) >= need
    ]


class LineRecheck:
    """The file's lines read a second time, forward only, to check suspect multi-line rows
    exactly as the row reader does (:func:`._records.well_formed`). Opened only when a
    chunk has a suspect row: a real multi-line message then costs a look at its lines,
    not the rest of the file on the row reader."""

    def __init__(self, path: Path, encoding: str | None) -> None:
        self._text = DecodedText(path, encoding)
        self._lines = iter(self._text)
        self._read = 0  # lines read so far

    def well_formed(self, first: int, last: int, sep: str) -> bool:
        """Whether file lines ``first``..``last`` are one real row (not a runaway cell)."""
        if last - first >= MAX_RECORD_LINES:
            return False
        next(islice(self._lines, first - 1 - self._read, first - 1 - self._read), None)  # skip
        lines = list(islice(self._lines, last - first + 1))
        self._read = last
        return not any(type(x) is LongLine for x in lines) and well_formed(lines, sep)

    def close(self) -> None:
        self._text.close()


def longest_text(*texts: np.ndarray) -> int:
    """Length of the longest text among distinct values (0 for none; None is skipped)."""
    return max((len(t) for u in texts for t in u.tolist() if t is not None), default=0)


def flag_long(columns: list[np.ndarray], reason: np.ndarray, bad: np.ndarray, *, first: bool = True) -> np.ndarray:
    """Rows with a text over the size limit, refused for the first such column: before any other
    reason (``first``, as the row reader's check_row) or only if they had none. Returns them."""
    flagged = np.zeros(len(bad), dtype=bool)
    for col in columns:
        long = np.fromiter((type(v) is str and len(v) > MAX_CELL_CHARS for v in col), bool, len(col))
        long &= ~flagged if first else ~bad
        for i in np.flatnonzero(long).tolist():
            reason[i] = too_long_reason(len(col[i]))
        flagged |= long
        bad |= long
    return flagged


def flag_undecodable(cols: list[np.ndarray], reason: np.ndarray, bad: np.ndarray) -> None:
    """Rows with undecodable bytes in any cell: refused for that, whatever else they had."""
    hit = np.zeros(len(bad), dtype=bool)
    for col in cols:
        hit |= np.fromiter((UNDECODABLE in v for v in col), bool, len(col))
    reason[hit] = UNDECODABLE_REASON
    bad |= hit
