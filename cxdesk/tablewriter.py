"""Writing tables to files: the one CSV and XLSX writer of every export and report.

- Whole or not at all: :func:`write_table` writes to ``NAME.part`` beside the
  target and renames it over the target only when done
  (:func:`cxdesk.outpaths.atomic_output`, which also turns a full disk or a file
  open in Excel into a Chinese message).
- CSV: UTF-8 with a BOM (``utf-8-sig``), so Excel on Chinese Windows opens it
  without mojibake; ``None`` is an empty cell.
- XLSX: xlsxwriter with strings never turned into formulas or links
  (:func:`workbook`); rows streamed when the table is big (``constant_memory``).
- Formula neutralising: a text cell a spreadsheet would run as a formula
  (starting with ``= + - @``, a tab or a carriage return) gets a leading
  apostrophe (:func:`neutralise`): exports hold buyers' free text, and a review
  saying ``=HYPERLINK(...)`` must stay text.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from cxdesk.errors import CxdeskError
from cxdesk.outpaths import atomic_output

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SUFFIXES = (".csv", ".xlsx")
# xlsxwriter options of every workbook: a cell that looks like a formula or a link stays text.
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}

Batches = Iterable[Sequence[Sequence[Any]]]  # rows in parts (a part is a list of rows)
OnBatch = Callable[[int], None]  # called after each part with the rows written so far (progress, cancel)


def neutralise(value: object) -> object:
    """Make a text cell safe to open in Excel/WPS; numbers and None pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def check_suffix(out: Path, what: str = "导出文件") -> str:
    """The lower-case suffix of ``out``, which must be .csv or .xlsx."""
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise CxdeskError(f"{what}须以 .csv 或 .xlsx 结尾：{out.name}")
    return suffix


def workbook(path: Path, **options: Any):
    """An xlsxwriter ``Workbook`` at ``path`` with :data:`XLSX_OPTIONS` (and ``options``)."""
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), {**XLSX_OPTIONS, **options})


def write_csv(path: Path, header: Sequence[str], batches: Batches, on_batch: OnBatch | None = None) -> int:
    """Write ``header`` and the row ``batches`` as UTF-8 CSV with a BOM, formula-like cells neutralised; rows."""
    done = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for part in batches:
            writer.writerows([neutralise(v) for v in row] for row in part)
            done += len(part)
            if on_batch is not None:
                on_batch(done)
    return done


def write_xlsx(
    path: Path,
    header: Sequence[str],
    batches: Batches,
    on_batch: OnBatch | None = None,
    *,
    sheet: str = "data",
    note: str = "",
    freeze: tuple[int, int] | None = None,
    stream: bool = True,
) -> int:
    """Write ``header`` and the row ``batches`` as one XLSX sheet, formula-like cells neutralised; rows.

    ``None`` cells stay empty. A ``note`` (what the file holds of personal data) goes on a
    second sheet, 说明. ``freeze``: rows and columns kept in view. ``stream``: rows are
    written out as they come (xlsxwriter's ``constant_memory``: big tables in little memory).
    """
    done = 0
    book = workbook(path, **({"constant_memory": True} if stream else {}))
    try:
        data = book.add_worksheet(sheet)
        data.write_row(0, 0, header)
        for part in batches:
            for row in part:
                done += 1
                for col, value in enumerate(row):
                    if value is not None:
                        data.write(done, col, neutralise(value))
            if on_batch is not None:
                on_batch(done)
        if freeze is not None:
            data.freeze_panes(*freeze)
        if note:
            book.add_worksheet("说明").write(0, 0, note + "。")
    finally:
        book.close()
    return done


def write_table(
    out: str | Path,
    header: Sequence[str],
    batches: Batches,
    on_batch: OnBatch | None = None,
    *,
    store: str | Path | None = None,
    inputs: Iterable[str | Path] = (),
    create_folder: bool = False,
    **xlsx: Any,
) -> int:
    """Write a .csv or .xlsx ``out`` whole or not at all; the rows written.

    ``store`` and ``inputs`` may not be overwritten (:func:`cxdesk.outpaths.check_output_path`);
    ``xlsx`` are :func:`write_xlsx`'s options (sheet, note, freeze, stream), unused for a CSV.
    """
    out = Path(out)
    suffix = check_suffix(out)
    with atomic_output(out, store=store, inputs=inputs, create_folder=create_folder) as tmp:
        if suffix == ".csv":
            return write_csv(tmp, header, batches, on_batch)
        return write_xlsx(tmp, header, batches, on_batch, **xlsx)
