"""Table layout for the PDF report: column widths and wrapped cell lines, measured with the bundled font.

A PDF table has no scroll bar: a cell cut to 「投诉/监…」 hides what the reader
needs. :func:`layout_table` measures every cell's text with the font the
PDF draws it in, gives each column the width its content needs and wraps the
long ones, so no text is cut:

- a short column (level, status, category, numbers, dates) keeps its widest
  cell on one line when the page allows, else wraps only between the parts of
  a list (「、」「，」「；」, spaces), never inside a category name;
- a long column (quoted text, questions, explanations) shares the rest of the
  width and wraps anywhere between Chinese characters (or at spaces);
- headers wrap between characters when their column is narrow.

Widths are in points (1/72 inch); the writer turns them into page fractions.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

PAD = 3.0  # points of padding left and right of a cell's text
LINE = 1.25  # line height, in font sizes (the writer draws lines this far apart)
LONG_SHARE = 0.22  # a column whose one-line width needs more than this share of the table wraps freely
MIN_LONG_EM = 6.0  # a freely wrapping column is never narrower than this many characters
SAFETY = 1.02  # per-character widths ignore kerning: keep 2 % in hand


@lru_cache(maxsize=4096)
def _char_width(ch: str) -> float:
    """Advance width of ``ch`` at font size 1 (points per point of size), with the report's font."""
    from matplotlib.font_manager import FontProperties

    from cxdesk.fonts import CJK_FAMILY, setup_matplotlib_fonts

    setup_matplotlib_fonts()
    if ch == " ":  # a lone space measures 0: take half an "n n" pair's gap
        return _char_width("n") * 0.6
    with warnings.catch_warnings():  # a glyph the font lacks (an emoji) still has a width: the fallback box's
        warnings.simplefilter("ignore")
        width, _h, _d = _text_to_path().get_text_width_height_descent(
            ch, FontProperties(family=CJK_FAMILY, size=100), ismath=False
        )
    return width / 100.0


@lru_cache(maxsize=1)
def _text_to_path():
    from matplotlib.textpath import TextToPath

    return TextToPath()


def text_width(text: str, size: float) -> float:
    """Width of ``text`` in points at font size ``size`` (one line)."""
    return sum(_char_width(ch) for ch in text) * size * SAFETY


# Break opportunities: after a list separator or a space (short columns), or between any two
# characters except inside a run of Latin letters/digits (long columns).
# A bracketed part (「（3 条）」) stays with the word before it.
_LIST_PARTS = re.compile(r"(?:（[^）]*）?|[^、，；,; （])+[、，；,; ]*|[、，；,; ]+")
_FREE_PARTS = re.compile(r"[A-Za-z0-9_.%+\-:/@#'\"()]+ ?|.")


_NO_LINE_START = set("）」』】〉》，。、；：？！…”’),.;:?!%")


def parts(text: str, free: bool) -> list[str]:
    """The pieces ``text`` may be wrapped between (a piece stays on one line if it fits)."""
    return (_FREE_PARTS if free else _LIST_PARTS).findall(text)


def wrap(text: str, width: float, size: float, free: bool = True) -> list[str]:
    """``text`` in lines no wider than ``width`` points; a piece wider than a line is split by character."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        line = ""
        for piece in parts(paragraph, free) or [""]:
            if text_width(line + piece.rstrip(), size) <= width:
                line += piece
                continue
            if line.strip():
                kept = line.rstrip()
                if free and piece[:1] in _NO_LINE_START and len(kept) > 1:  # never start a line with 「）」「，」
                    kept, piece = kept[:-1], kept[-1] + piece
                lines.append(kept)
                line = ""
            while text_width(piece.rstrip(), size) > width and len(piece) > 1:  # last resort: cut the piece
                cut = 1
                while cut < len(piece) and text_width(piece[: cut + 1], size) <= width:
                    cut += 1
                lines.append(piece[:cut])
                piece = piece[cut:]
            line = piece
        lines.append(line.rstrip())
    return lines


@dataclass(frozen=True)
class TableLayout:
    """Column widths (points, padding included) and each cell's lines, header first."""

    widths: list[float]
    header: list[list[str]]
    rows: list[list[list[str]]]
    size: float
    free: list[bool]  # the column wraps anywhere (long text)

    @property
    def line_height(self) -> float:
        return self.size * LINE

    def height(self, lines: list[list[str]]) -> float:
        """Height in points of a row of cells."""
        return max((len(c) for c in lines), default=1) * self.line_height + 2 * PAD * 0.8

    def fits(self) -> bool:
        """Every line of every cell fits its column (what the tests check)."""
        return all(
            text_width(line, self.size) <= w - 2 * PAD + 1e-6
            for row in [self.header, *self.rows]
            for w, cell in zip(self.widths, row)
            for line in cell
        )


def layout_table(
    header: list[str], rows: list[list[str]], total: float, size: float, keep_words: tuple[int, ...] = ()
) -> TableLayout:
    """Widths filling ``total`` points and the wrapped lines of every cell (texts already formatted).

    Columns in ``keep_words`` (lists of names: 「投诉/监管威胁、服务时效（2 条）」) wrap only between
    their parts, even when they are long enough to share the free width.
    """
    n = len(header)
    natural = [max([text_width(str(r[i]), size) for r in rows] or [0.0]) for i in range(n)]
    head_one_line = [text_width(h, size) for h in header]
    avail = total - 2 * PAD * n
    free = [natural[i] > LONG_SHARE * avail for i in range(n)]  # shares the width left by the others
    anywhere = [free[i] and i not in keep_words for i in range(n)]  # may break between any characters
    # The narrowest a column may get: its widest unbreakable piece (a category name, a number), or
    # a few characters for free text; a header may wrap between characters but keeps two of them.
    two_chars = 2 * text_width("字", size)
    least = []
    for i in range(n):
        pieces = [text_width(p.rstrip(), size) for r in rows for p in parts(str(r[i]), anywhere[i])]
        floor = MIN_LONG_EM * text_width("字", size) if free[i] else 0.0
        least.append(max([*pieces, min(head_one_line[i], two_chars), floor]))
    want = [max(natural[i], head_one_line[i]) for i in range(n)]
    if sum(want) <= avail:  # everything on one line: spread the slack by need (text columns gain most)
        scale = avail / sum(want) if sum(want) else 1.0
        widths = [w * scale if sum(want) else avail / n for w in want]
    else:
        # Short columns keep one line (their header may wrap); free columns share what is left by need.
        short = [0.0 if free[i] else max(natural[i], least[i]) for i in range(n)]
        rest = avail - sum(short)
        need = sum(want[i] for i in range(n) if free[i])
        floors = sum(least[i] for i in range(n) if free[i])
        if rest < floors:  # the page is too narrow even so: short columns wrap between list parts too
            short = [0.0 if free[i] else least[i] for i in range(n)]
            rest = max(avail - sum(short), floors)
        widths = []
        for i in range(n):
            if free[i]:
                widths.append(max(least[i], rest * want[i] / need if need else least[i]))
            else:
                widths.append(short[i])
        if not any(free) and sum(widths) < avail:
            extra = (avail - sum(widths)) / n
            widths = [w + extra for w in widths]
        over = sum(widths) - avail
        if over > 1e-6:  # free columns' floors overshoot: take it back from the widest free column
            widest = max((i for i in range(n) if free[i]), key=lambda i: widths[i], default=None)
            if widest is not None:
                widths[widest] = max(widths[widest] - over, least[widest])
    cells = [[wrap(str(r[i]), widths[i], size, anywhere[i]) for i in range(n)] for r in rows]
    head = [wrap(header[i], widths[i], size, True) for i in range(n)]
    return TableLayout([w + 2 * PAD for w in widths], head, cells, size, anywhere)
