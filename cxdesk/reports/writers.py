"""Lay a :class:`ReportContent` out as XLSX, self-contained HTML or PDF.

- XLSX: a 概览 sheet (the summary, figures and chart images), then one sheet
  per table; numbers are stored as numbers with a number format (54% is 0.54
  shown as ``0%``), never as text; every text cell goes through
  :func:`cxdesk.tablewriter.neutralise` so a cell starting with ``= + - @`` is
  never run as a formula.
- HTML: one file, CSS inline, charts as base64 PNG ``<img>``: it can be
  mailed or opened offline with nothing next to it.
- PDF: matplotlib's ``PdfPages`` with the bundled CJK font (no new
  dependency; the CLI needs no display): page 1 holds the summary, the
  figures and the two charts, the tables follow, split over pages; column
  widths and wrapping come from :mod:`cxdesk.reports.layout`, so no cell is cut.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxdesk.reports.content import ReportContent, Table
from cxdesk.reports.data import NO_PREVIOUS, NUMBER_FORMATS
from cxdesk.tablewriter import neutralise, workbook

if TYPE_CHECKING:
    from matplotlib.figure import Figure

GOOD, BAD, PLAIN = "#2e7d32", "#c62828", "#555555"
MASK_NOTE = "买家个人信息已隐藏（昵称只留首尾字；手机号、身份证号、邮箱、姓名、地址打星号）。"
KEEP_NOTE = "本报告包含买家个人信息（未隐藏），请勿外传。"
SYNTHETIC_NOTE = "数据为合成的演示数据，不代表任何真实店铺。"
SUMMARY_TITLE = "摘要"


def png(fig: Figure, dpi: int = 150) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _meta_lines(c: ReportContent) -> list[str]:
    period = f"期间：{c.period}（对比上期 {c.compared}）" if c.compared else f"期间：{c.period}（{NO_PREVIOUS}）"
    lines = [period, *c.notes, f"范围：{c.scope}", f"生成时间：{c.generated}", MASK_NOTE if c.masked else KEEP_NOTE]
    if c.synthetic:
        lines.append(SYNTHETIC_NOTE)
    return lines


def _color(good: bool | None) -> str:
    return PLAIN if good is None else GOOD if good else BAD


# --- XLSX ------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    """A finite int or float (a cell Excel stores as a number)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def write_xlsx(c: ReportContent, path: Path) -> None:
    book = workbook(path, strings_to_numbers=False)
    try:
        formats: dict[tuple[str, str], Any] = {}

        def fmt(key: str = "", color: str = ""):
            """A cell format for number format ``key`` (:data:`NUMBER_FORMATS`) and font colour."""
            if (key, color) not in formats:
                spec: dict[str, Any] = {}
                if key in NUMBER_FORMATS:
                    spec["num_format"] = NUMBER_FORMATS[key][1]
                if color:
                    spec["font_color"] = color
                formats[(key, color)] = book.add_format(spec) if spec else None
            return formats[(key, color)]

        bold = book.add_format({"bold": True})
        title = book.add_format({"bold": True, "font_size": 16})
        head = book.add_format({"bold": True, "bg_color": "#eef2f7", "border": 1, "text_wrap": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        sheet = book.add_worksheet("概览")
        sheet.write(0, 0, c.title, title)
        row = 1
        if c.summary:
            sheet.write(row, 0, SUMMARY_TITLE, bold)
            for line in c.summary:
                row += 1
                sheet.write(row, 0, neutralise(line))
            row += 1
        for line in _meta_lines(c):
            row += 1
            sheet.write(row, 0, neutralise(line))
        row += 2
        sheet.write_row(row, 0, ["指标", "数值", "较上期", "说明"], head)
        for t in c.tiles:
            row += 1
            color = "" if t.good is None else GOOD if t.good else BAD
            sheet.write(row, 0, t.caption, bold)
            if _is_number(t.number):
                sheet.write_number(row, 1, t.number, fmt(t.number_format))
            else:
                sheet.write(row, 1, neutralise(t.value))
            if _is_number(t.change):
                sheet.write_number(row, 2, t.change, fmt(t.change_format, color))
            else:
                sheet.write(row, 2, neutralise(t.delta), fmt("", color))
            sheet.write(row, 3, neutralise(t.note))
        sheet.set_column(0, 0, 20)
        sheet.set_column(1, 1, 26)
        sheet.set_column(2, 2, 26)
        sheet.set_column(3, 3, 30)
        row += 2
        for caption, fig in c.figures:
            sheet.write(row, 0, caption, bold)
            sheet.insert_image(
                row + 1, 0, f"{caption}.png", {"image_data": io.BytesIO(png(fig, 110)), "object_position": 1}
            )
            row += 24
        for table in c.tables:
            _xlsx_table(book.add_worksheet(table.title[:31]), table, head, wrap, bold, fmt)
    finally:
        book.close()


def _xlsx_table(sheet, table: Table, head, wrap, bold, fmt) -> None:
    sheet.write(0, 0, table.title, bold)
    if table.note:
        sheet.write(1, 0, neutralise(table.note))
    sheet.write_row(2, 0, table.header, head)
    for r, values in enumerate(table.rows, start=3):
        for col, value in enumerate(values):
            if value is None:
                continue
            if _is_number(value):  # a number stays a number; the column's format shows it (0.54 → 54%)
                key = table.format_of(col) or ("int" if isinstance(value, int) else "")
                sheet.write_number(r, col, value, fmt(key))
            else:
                text = str(value)
                sheet.write_string(r, col, neutralise(text), wrap if len(text) > 30 else None)
    for col, width in enumerate(table.widths or [12] * len(table.header)):
        sheet.set_column(col, col, min(max(width * 1.3, 8), 60))
    sheet.freeze_panes(3, 0)


# --- HTML ------------------------------------------------------------------------------------

_CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","WenQuanYi Micro Hei",sans-serif;margin:24px auto;max-width:1100px;
color:#222;padding:0 16px}
h1{font-size:24px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #e5e9f0;padding-bottom:4px}
.meta{color:#555;font-size:13px;line-height:1.6}.warn{color:#7a5a00;background:#fff3cd;padding:2px 6px}
.tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin-top:14px}
.tile{border:1px solid #dde3ea;border-radius:6px;padding:10px 12px}.cap{color:#666;font-size:13px}
.val{font-size:22px;font-weight:bold;margin:4px 0;word-break:break-all}.delta{font-size:13px}.note{color:#888;font-size:12px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:12px}.charts img{width:100%;border:1px solid #eee}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #dde3ea;padding:4px 6px;text-align:left;
vertical-align:top}th{background:#eef2f7}td.n{text-align:right;white-space:nowrap}.empty{color:#777}
.summary{background:#f7f9fb;border-left:4px solid #4a78b0;padding:6px 12px;font-size:15px;line-height:1.7}
.summary p{margin:2px 0}
"""


def write_html(c: ReportContent, path: Path) -> None:
    e = html.escape
    parts = [
        f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{e(c.title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{e(c.title)}</h1><div class='meta'>"
    ]
    for line in _meta_lines(c):
        cls = " class='warn'" if line in (KEEP_NOTE, SYNTHETIC_NOTE) else ""
        parts.append(f"<div><span{cls}>{e(line)}</span></div>")
    parts.append("</div>")
    if c.summary:
        parts.append(
            f"<h2>{SUMMARY_TITLE}</h2><div class='summary'>"
            + "".join(f"<p>{e(line)}</p>" for line in c.summary)
            + "</div>"
        )
    parts.append("<h2>概览</h2><div class='tiles'>")
    for t in c.tiles:
        parts.append(
            f"<div class='tile'><div class='cap'>{e(t.caption)}</div><div class='val'>{e(t.value)}</div>"
            f"<div class='delta' style='color:{_color(t.good)}'>{e(t.delta)}</div>"
            f"<div class='note'>{e(t.note)}</div></div>"
        )
    parts.append("</div><h2>图表</h2><div class='charts'>")
    for caption, fig in c.figures:
        data = base64.b64encode(png(fig, 110)).decode("ascii")
        parts.append(f"<img alt='{e(caption)}' src='data:image/png;base64,{data}'>")
    parts.append("</div>")
    for table in c.tables:
        parts.append(f"<h2>{e(table.title)}</h2>")
        if table.note:
            parts.append(f"<p class='empty'>{e(table.note)}</p>")
        if table.rows:
            parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in table.header) + "</tr>")
            for row in table.rows:
                parts.append(
                    "<tr>"
                    + "".join(
                        f"<td class='n'>{e(table.text(v, i))}</td>"
                        if _is_number(v)
                        else f"<td>{e(table.text(v, i))}</td>"
                        for i, v in enumerate(row)
                    )
                    + "</tr>"
                )
            parts.append("</table>")
    parts.append("</body></html>")
    path.write_text("".join(parts), encoding="utf-8")


# --- PDF -------------------------------------------------------------------------------------

A4 = (8.27, 11.69)


def write_pdf(c: ReportContent, path: Path) -> None:
    from matplotlib.backends.backend_pdf import PdfPages

    from cxdesk.fonts import setup_matplotlib_fonts

    setup_matplotlib_fonts()
    with PdfPages(str(path), metadata={"Title": c.title, "Creator": "cxdesk"}) as pdf:
        pdf.savefig(_first_page(c))
        for fig in _table_pages(c):
            pdf.savefig(fig)


PAGE_LEFT, PAGE_WIDTH = 0.06, 0.88  # figure fractions
SUMMARY_SIZE = 9.5
TABLE_SIZE = 7.0  # points; tables with up to 7 columns get 7.5
PAGE_BOTTOM = 0.05


def _pt(fraction: float, axis: int = 0) -> float:
    """A figure fraction of the A4 page in points."""
    return fraction * A4[axis] * 72


def _frac(points: float, axis: int = 0) -> float:
    return points / (A4[axis] * 72)


def _first_page(c: ReportContent) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    from cxdesk.reports.layout import wrap

    fig = Figure(figsize=A4, dpi=100)
    fig.text(PAGE_LEFT, 0.955, c.title, fontsize=20)
    y = 0.925
    if c.summary:  # the written summary first: what a reader takes away
        lines = [line for s in c.summary for line in wrap(s, _pt(PAGE_WIDTH) - 16, SUMMARY_SIZE)]
        step = _frac(SUMMARY_SIZE * 1.45, 1)
        height = len(lines) * step + 0.012
        fig.add_artist(
            FancyBboxPatch(
                (PAGE_LEFT, y - height),
                PAGE_WIDTH,
                height + 0.006,
                boxstyle="round,pad=0,rounding_size=0.004",
                transform=fig.transFigure,
                facecolor="#f3f6fa",
                edgecolor="#c9d6e6",
            )
        )
        y -= 0.004
        for line in lines:
            y -= step
            fig.text(PAGE_LEFT + 0.012, y + 0.003, line, fontsize=SUMMARY_SIZE, color="#1f2d3d")
        y -= 0.022
    for line in _meta_lines(c):
        warn = line in (KEEP_NOTE, SYNTHETIC_NOTE)
        for part in wrap(line, _pt(PAGE_WIDTH), 8.5):
            fig.text(PAGE_LEFT, y, part, fontsize=8.5, color="#7a5a00" if warn else "#444")
            y -= 0.016
    top = y - 0.002
    cols, w, h, gap = 4, 0.215, 0.092, 0.012
    inner = _pt(w) - 2 * 0.01 * A4[0] * 72
    for i, t in enumerate(c.tiles):
        x = PAGE_LEFT + (i % cols) * (w + gap)
        y = top - (i // cols + 1) * (h + gap)
        fig.add_artist(
            FancyBboxPatch(
                (x, y),
                w,
                h,
                boxstyle="round,pad=0,rounding_size=0.006",
                transform=fig.transFigure,
                facecolor="#f7f9fb",
                edgecolor="#d5dde6",
            )
        )
        fig.text(x + 0.01, y + h - 0.018, t.caption, fontsize=8, color="#666")
        size = 13 if len(wrap(t.value, inner, 13)) == 1 else 9
        value = wrap(t.value, inner, size)
        if len(value) > 2:  # a long question: two lines and 「…」 (the FAQ table has it whole)
            value = [value[0], value[1][:-1] + "…"]
        fig.text(x + 0.01, y + h - 0.026, "\n".join(value), fontsize=size, va="top", linespacing=1.1)
        note = wrap(t.note, inner, 6.5)[:2] if t.note else []
        fig.text(x + 0.01, y + 0.007, "\n".join(note), fontsize=6.5, color="#888", va="bottom", linespacing=1.1)
        above = y + 0.009 + _frac(len(note) * 6.5 * 1.25, 1)  # the change sits on the note (one or two lines)
        fig.text(
            x + 0.01, above, "\n".join(wrap(t.delta, inner, 7.5)[:1]), fontsize=7.5, color=_color(t.good), va="bottom"
        )
    rows = -(-len(c.tiles) // cols)
    chart_top = top - rows * (h + gap) - 0.01
    height = (chart_top - 0.04) / 2 - 0.01
    for i, (_caption, chart) in enumerate(c.figures[:2]):
        ax = fig.add_axes((PAGE_LEFT, chart_top - (i + 1) * (height + 0.01), PAGE_WIDTH, height))
        ax.imshow(_raster(chart))
        ax.set_axis_off()
    fig.text(0.5, 0.02, "第 1 页", ha="center", fontsize=8, color="#888")
    return fig


def _raster(chart: Figure):
    import matplotlib.image as mpimg

    return mpimg.imread(io.BytesIO(png(chart, 160)), format="png")


def table_layout(table: Table):
    """The PDF layout of ``table``: every cell's text in the column's format, measured and wrapped."""
    from cxdesk.reports.layout import layout_table

    size = TABLE_SIZE if len(table.header) > 7 else 7.5
    cells = [[table.text(v, i) for i, v in enumerate(row)] for row in table.rows]
    return layout_table(table.header, cells, _pt(PAGE_WIDTH), size, table.keep_words)


def _draw_rows(
    fig, layout, rows: list[list[list[str]]], top: float, header: bool, right: list[bool] | None = None
) -> float:
    """Draw ``rows`` (lines per cell) from ``top`` (figure fraction) down; returns the new top."""
    from matplotlib.patches import Rectangle

    from cxdesk.reports.layout import LINE, PAD

    y = top
    for n, cells in enumerate(rows):
        height = _frac(layout.height(cells), 1)
        x = PAGE_LEFT
        for col, (width_pt, lines) in enumerate(zip(layout.widths, cells)):
            width = _frac(width_pt)
            fig.add_artist(
                Rectangle(
                    (x, y - height),
                    width,
                    height,
                    transform=fig.transFigure,
                    linewidth=0.5,
                    edgecolor="#d5dde6",
                    facecolor="#eef2f7" if header and n == 0 else "none",
                )
            )
            at_right = bool(right and right[col])  # numbers line up on the right, as in the HTML
            fig.text(
                x + width - _frac(PAD) if at_right else x + _frac(PAD),
                y - _frac(PAD * 0.8, 1),
                "\n".join(lines),
                fontsize=layout.size,
                va="top",
                ha="right" if at_right else "left",
                multialignment="right" if at_right else "left",
                linespacing=LINE,
                color="#1f2d3d" if header and n == 0 else "#222",
            )
            x += width
        y -= height
    return y


def _table_pages(c: ReportContent) -> list[Figure]:
    from matplotlib.figure import Figure

    from cxdesk.reports.layout import wrap

    pages: list[Figure] = []
    fig, y = None, 0.0

    def new_page() -> None:
        nonlocal fig, y
        fig = Figure(figsize=A4, dpi=100)
        pages.append(fig)
        fig.text(0.5, 0.02, f"第 {len(pages) + 1} 页", ha="center", fontsize=8, color="#888")
        y = 0.95

    new_page()
    aspect_chart = c.figures[2][1] if len(c.figures) > 2 else None
    for table in c.tables:
        layout = table_layout(table)
        head_h = _frac(layout.height(layout.header), 1)
        first_h = _frac(layout.height(layout.rows[0]), 1) if layout.rows else 0.0
        if y - (0.045 + (0.02 if table.note else 0) + head_h + first_h) < PAGE_BOTTOM:
            new_page()
        fig.text(PAGE_LEFT, y, table.title, fontsize=12)
        y -= 0.025
        for line in wrap(table.note, _pt(PAGE_WIDTH), 8.5) if table.note else []:
            fig.text(PAGE_LEFT, y, line, fontsize=8.5, color="#666")
            y -= 0.02
        if layout.rows:
            y = _draw_rows(fig, layout, [layout.header], y, True)
            numeric = [
                bool(table.rows) and all(_is_number(r[i]) or r[i] is None for r in table.rows)
                for i in range(len(table.header))
            ]
            for cells in layout.rows:
                if y - _frac(layout.height(cells), 1) < PAGE_BOTTOM:  # continue on the next page, header again
                    new_page()
                    fig.text(PAGE_LEFT, y, table.title + "（续）", fontsize=12)
                    y = _draw_rows(fig, layout, [layout.header], y - 0.025, True)
                y = _draw_rows(fig, layout, [cells], y, False, numeric)
            y -= 0.03
        else:
            y -= 0.015
        if table.title == "评价方面" and aspect_chart is not None:
            if y - 0.3 < PAGE_BOTTOM:
                new_page()
            ax = fig.add_axes((PAGE_LEFT, y - 0.3, PAGE_WIDTH, 0.3))
            ax.imshow(_raster(aspect_chart))
            ax.set_axis_off()
            y -= 0.33
    return pages
