"""Lay a :class:`ReportContent` out as XLSX, self-contained HTML or PDF.

- XLSX: a 概览 sheet (figures and chart images), then one sheet per table;
  every text cell goes through :func:`cxdesk.exports.neutralise` so a cell
  starting with ``= + - @`` is never run as a formula.
- HTML: one file, CSS inline, charts as base64 PNG ``<img>``: it can be
  mailed or opened offline with nothing next to it.
- PDF: matplotlib's ``PdfPages`` with the bundled CJK font (no new
  dependency; the CLI needs no display): page 1 holds the figures and the
  two charts, the tables follow, split over pages.
"""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxdesk.exports import neutralise
from cxdesk.reports.content import ReportContent, Table
from cxdesk.reports.data import NO_PREVIOUS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

GOOD, BAD, PLAIN = "#2e7d32", "#c62828", "#555555"
MASK_NOTE = "买家个人信息已隐藏（昵称只留首尾字；手机号、身份证号、邮箱、姓名、地址打星号）。"
KEEP_NOTE = "本报告包含买家个人信息（未隐藏），请勿外传。"
SYNTHETIC_NOTE = "数据为合成的演示数据，不代表任何真实店铺。"


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


def _cell(value: Any) -> str:
    return "" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


# --- XLSX ------------------------------------------------------------------------------------

def write_xlsx(c: ReportContent, path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    try:
        bold = book.add_format({"bold": True})
        title = book.add_format({"bold": True, "font_size": 16})
        head = book.add_format({"bold": True, "bg_color": "#eef2f7", "border": 1, "text_wrap": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        good = book.add_format({"font_color": GOOD})
        bad = book.add_format({"font_color": BAD})
        sheet = book.add_worksheet("概览")
        sheet.write(0, 0, c.title, title)
        for i, line in enumerate(_meta_lines(c), start=1):
            sheet.write(i, 0, neutralise(line))
        row = len(_meta_lines(c)) + 2
        sheet.write_row(row, 0, ["指标", "数值", "较上期", "说明"], head)
        for t in c.tiles:
            row += 1
            sheet.write(row, 0, t.caption, bold)
            sheet.write(row, 1, neutralise(t.value))
            sheet.write(row, 2, neutralise(t.delta), None if t.good is None else good if t.good else bad)
            sheet.write(row, 3, neutralise(t.note))
        sheet.set_column(0, 0, 20)
        sheet.set_column(1, 1, 26)
        sheet.set_column(2, 2, 26)
        sheet.set_column(3, 3, 30)
        row += 2
        for caption, fig in c.figures:
            sheet.write(row, 0, caption, bold)
            sheet.insert_image(row + 1, 0, f"{caption}.png",
                               {"image_data": io.BytesIO(png(fig, 110)), "object_position": 1})
            row += 24
        for table in c.tables:
            _xlsx_table(book.add_worksheet(table.title[:31]), table, head, wrap, bold)
    finally:
        book.close()


def _xlsx_table(sheet, table: Table, head, wrap, bold) -> None:
    sheet.write(0, 0, table.title, bold)
    if table.note:
        sheet.write(1, 0, neutralise(table.note))
    sheet.write_row(2, 0, table.header, head)
    for r, values in enumerate(table.rows, start=3):
        for col, value in enumerate(values):
            sheet.write(r, col, neutralise(value), wrap if isinstance(value, str) and len(value) > 30 else None)
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
"""


def write_html(c: ReportContent, path: Path) -> None:
    e = html.escape
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{e(c.title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{e(c.title)}</h1><div class='meta'>"]
    for line in _meta_lines(c):
        cls = " class='warn'" if line in (KEEP_NOTE, SYNTHETIC_NOTE) else ""
        parts.append(f"<div><span{cls}>{e(line)}</span></div>")
    parts.append("</div><h2>概览</h2><div class='tiles'>")
    for t in c.tiles:
        parts.append(f"<div class='tile'><div class='cap'>{e(t.caption)}</div><div class='val'>{e(t.value)}</div>"
                     f"<div class='delta' style='color:{_color(t.good)}'>{e(t.delta)}</div>"
                     f"<div class='note'>{e(t.note)}</div></div>")
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
                parts.append("<tr>" + "".join(
                    f"<td class='n'>{e(_cell(v))}</td>" if isinstance(v, (int, float)) else f"<td>{e(_cell(v))}</td>"
                    for v in row) + "</tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    path.write_text("".join(parts), encoding="utf-8")


# --- PDF -------------------------------------------------------------------------------------

A4 = (8.27, 11.69)
ROWS_PER_PAGE = 32


def write_pdf(c: ReportContent, path: Path) -> None:
    from matplotlib.backends.backend_pdf import PdfPages

    from cxdesk.fonts import setup_matplotlib_fonts

    setup_matplotlib_fonts()
    with PdfPages(str(path), metadata={"Title": c.title, "Creator": "cxdesk"}) as pdf:
        pdf.savefig(_first_page(c))
        for fig in _table_pages(c):
            pdf.savefig(fig)


def _first_page(c: ReportContent) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    fig = Figure(figsize=A4, dpi=100)
    fig.text(0.06, 0.955, c.title, fontsize=20)
    for i, line in enumerate(_meta_lines(c)):
        warn = line in (KEEP_NOTE, SYNTHETIC_NOTE)
        fig.text(0.06, 0.925 - i * 0.018, line, fontsize=9, color="#7a5a00" if warn else "#444")
    top = 0.925 - len(_meta_lines(c)) * 0.018 - 0.015
    cols, w, h, gap = 4, 0.215, 0.092, 0.012
    for i, t in enumerate(c.tiles):
        x = 0.06 + (i % cols) * (w + gap)
        y = top - (i // cols + 1) * (h + gap)
        fig.add_artist(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.006",
                                      transform=fig.transFigure, facecolor="#f7f9fb", edgecolor="#d5dde6"))
        fig.text(x + 0.01, y + h - 0.018, t.caption, fontsize=8, color="#666")
        value = t.value if len(t.value) <= 12 else t.value[:11] + "…"
        fig.text(x + 0.01, y + h - 0.047, value, fontsize=13 if len(value) <= 8 else 10)
        fig.text(x + 0.01, y + 0.024, t.delta, fontsize=7.5, color=_color(t.good))
        fig.text(x + 0.01, y + 0.008, t.note[:22], fontsize=6.5, color="#888")
    rows = -(-len(c.tiles) // cols)
    chart_top = top - rows * (h + gap) - 0.02
    height = (chart_top - 0.05) / 2 - 0.015
    for i, (caption, chart) in enumerate(c.figures[:2]):
        ax = fig.add_axes((0.06, chart_top - (i + 1) * (height + 0.015), 0.88, height))
        ax.imshow(_raster(chart))
        ax.set_axis_off()
    fig.text(0.5, 0.02, "第 1 页", ha="center", fontsize=8, color="#888")
    return fig


def _raster(chart: Figure):
    import matplotlib.image as mpimg

    return mpimg.imread(io.BytesIO(png(chart, 160)), format="png")


def _fit(value: Any, units: float) -> str:
    """The cell's text cut to ``units`` (a CJK character is 1, other characters ~0.55) with 「…」."""
    text = _cell(value)
    used = 0.0
    for i, ch in enumerate(text):
        used += 1.0 if ord(ch) > 0x2E80 else 0.55
        if used > units:
            return text[:max(i - 1, 0)] + "…"
    return text


def _table_pages(c: ReportContent) -> list[Figure]:
    from matplotlib.figure import Figure

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
        chunks = [table.rows[i:i + ROWS_PER_PAGE] for i in range(0, len(table.rows), ROWS_PER_PAGE)] or [[]]
        for n, chunk in enumerate(chunks):
            need = 0.05 + 0.022 * (len(chunk) + 1) + (0.02 if table.note else 0)
            if y - need < 0.05:
                new_page()
            fig.text(0.06, y, table.title + ("（续）" if n else ""), fontsize=12)
            y -= 0.025
            if table.note and not n:
                fig.text(0.06, y, table.note, fontsize=8.5, color="#666")
                y -= 0.02
            if chunk:
                height = 0.022 * (len(chunk) + 1)
                ax = fig.add_axes((0.06, y - height, 0.88, height))
                ax.set_axis_off()
                widths = table.widths or [1] * len(table.header)
                total = float(sum(widths))
                size = 6.5 if len(table.header) > 7 else 7.5
                # Characters that fit a column: its share of the 0.88 page width, minus the cell padding.
                room = [w / total * 0.88 * A4[0] * 72 / size - 1.2 for w in widths]
                cells = [[_fit(v, room[i]) for i, v in enumerate(row)] for row in chunk]
                tab = ax.table(cellText=cells, colLabels=[_fit(h, room[i]) for i, h in enumerate(table.header)],
                               colWidths=[w / total for w in widths], loc="upper left", cellLoc="left",
                               bbox=(0, 0, 1, 1))
                tab.auto_set_font_size(False)
                tab.set_fontsize(size)
                for (r, _col), cell in tab.get_celld().items():
                    cell.set_edgecolor("#d5dde6")
                    if r == 0:
                        cell.set_facecolor("#eef2f7")
                y -= height + 0.03
        if table.title == "评价方面" and aspect_chart is not None:
            if y - 0.3 < 0.05:
                new_page()
            ax = fig.add_axes((0.06, y - 0.3, 0.88, 0.3))
            ax.imshow(_raster(aspect_chart))
            ax.set_axis_off()
            y -= 0.33
    return pages
