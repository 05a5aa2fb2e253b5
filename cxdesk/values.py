"""Blank cells and quoting a cell in a message: the two cell helpers the importers and the role rules share.

A cell is blank when it is None, NaN, or text that says "nothing" in the spellings
exports use (``""``, ``nan``, ``None``, ``null``, ``NaT``, ``-``, ``--``, ``无``; any case).
The value parsers themselves (times, ratings, amounts) are the importers'
(:mod:`cxdesk.importers._values`).
"""

from __future__ import annotations

import math
from typing import Any

EMPTY = frozenset({"", "nan", "none", "null", "nat", "-", "--", "无"})
# The same placeholders in the spellings pandas/Excel/JSON write, so a hot path can test
# membership without lower-casing every cell.
EMPTY_ANYCASE = EMPTY | {"NaN", "NAN", "None", "NONE", "Null", "NULL", "NaT", "NAT"}


def is_blank(value: Any) -> bool:
    """None, NaN, or a text that is one of :data:`EMPTY` once stripped and lower-cased."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in EMPTY


def shown_value(value: Any, chars: int = 40) -> str:
    """A cell as a rejected row's reason quotes it: stripped, cut to ``chars`` characters (a cell
    may hold 20,000; the reason is read by a person, the whole row is kept with the reject)."""
    text = str(value).strip()
    return text if len(text) <= chars else text[:chars] + "…"
