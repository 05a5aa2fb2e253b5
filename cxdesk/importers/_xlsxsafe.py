"""Opening XLSX files without trusting them: sizes, XML entities, broken parts.

An XLSX is a ZIP of XML parts. Before openpyxl inflates anything, the ZIP's
central directory is checked: the parts Excel always writes must be there, and
no part may claim more than its limit below once uncompressed (a "zip bomb"
claims gigabytes in a few kilobytes; Python's zipfile never inflates past
the size the directory declares, so checking the declared size bounds it).
The XML is parsed by openpyxl through ``defusedxml`` (entity declarations —
"billion laughs", external entities / XXE — are refused, never expanded); if
defusedxml is not active, XLSX files are refused rather than read unsafely.

Every failure of the container (cut-off parts, bad XML, missing parts, bad
cell values, a corrupt ZIP) becomes an :class:`ImportFormatError` in Chinese
that names the file, the row when known, and what to do. The limits are
documented in ``docs/import_containers.md``.
"""

from __future__ import annotations

import contextlib
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from cxdesk.errors import ImportFormatError

MIB = 1024 * 1024
# A worksheet's XML is streamed row by row, so its size costs time, not memory: a full
# Excel sheet of real data (1,048,576 rows × ~10 text cells) is well under 1 GiB of XML.
MAX_SHEET_BYTES = 2048 * MIB
# Every other part (shared strings, styles, workbook, relations …) is parsed whole, in memory.
# Shared strings hold all distinct texts of the file: 256 MiB is over a million long reviews.
MAX_PART_BYTES = 256 * MIB
_SHEET_PREFIX = "xl/worksheets/"
_REQUIRED = ("[Content_Types].xml", "xl/workbook.xml")
_ADVICE = "请在 Excel 或 WPS 中打开它并另存为新的 .xlsx（或 CSV）后再导入；若打不开，请从平台后台重新导出。"
_UNCHANGED = "文件未导入，数据库未改动。"
# openpyxl warns (in English, on stderr) about what many export tools write: no default style,
# unknown extensions, odd print settings, broken relationships, a date cell out of range (which it
# then reads as "#VALUE!", rejected with its row). None of it matters to reading values; where
# warnings are errors (the test suite), :func:`quiet_openpyxl` keeps them from failing an import.
warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
# What a broken or hostile XLSX makes zipfile, zlib, the XML parser or openpyxl raise.
XLSX_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    ParseError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    NotImplementedError,
    RuntimeError,
    RecursionError,
    OverflowError,
    OSError,
    MemoryError,
)


@contextlib.contextmanager
def quiet_openpyxl() -> Iterator[None]:
    """openpyxl's UserWarnings ignored within the block, whatever the process's warning filters."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
        yield


def quiet_rows(rows: Iterator[Any], batch: int = 1_000) -> Iterator[Any]:
    """A sheet's lazily parsed ``rows`` with openpyxl's warnings silenced. They are pulled ``batch``
    at a time inside :func:`quiet_openpyxl` (warning filters are process-wide: never held across a
    yield); an error while parsing is raised after the rows before it, so callers name the right row."""
    done = False
    while not done:
        part: list[Any] = []
        failure: BaseException | None = None
        with quiet_openpyxl():
            try:
                for _ in range(batch):
                    part.append(next(rows))
            except StopIteration:
                done = True
            except XLSX_ERRORS as exc:
                failure = exc
        yield from part
        if failure is not None:
            raise failure


def defused_xml_active() -> bool:
    """Whether openpyxl parses XML through defusedxml (it does when defusedxml is installed)."""
    import openpyxl

    return bool(openpyxl.DEFUSEDXML)


def check_container(path: Path) -> None:
    """Refuse ``path`` unless it is a ZIP holding a workbook whose parts are within the limits."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
    ):  # a damaged directory can claim a ZIP version zipfile does not read
        raise ImportFormatError(
            f"文件“{path.name}”看起来是 XLSX（ZIP 格式），但已损坏或不完整（可能下载或复制没有完成），无法打开。"
            f"{_UNCHANGED}{_ADVICE}"
        ) from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise ImportFormatError(
            f"文件“{path.name}”是{_zip_kind(names)}，不是 Excel 表格或 CSV。请先解压或另存为 XLSX/CSV 后再导入。"
        )
    missing = [n for n in _REQUIRED if n not in names]
    if missing:
        raise ImportFormatError(
            f"表格“{path.name}”缺少每个 Excel 文件都有的“{missing[0]}”，不是完整的 XLSX 文件"
            f"（可能是手工打包或被其他程序改坏的 ZIP）。{_UNCHANGED}{_ADVICE}"
        )
    for info in infos:
        _check_member(path, info)


def _zip_kind(names: set[str]) -> str:
    if "word/document.xml" in names:
        return "Word 文档"
    if "xl/workbook.bin" in names:
        return "Excel 二进制工作簿（.xlsb）"
    if "content.xml" in names and "mimetype" in names:
        return "OpenDocument 文件（.ods/.odt）"
    return "ZIP 压缩包"


def _check_member(path: Path, info: zipfile.ZipInfo) -> None:
    limit = MAX_SHEET_BYTES if info.filename.startswith(_SHEET_PREFIX) else MAX_PART_BYTES
    if info.flag_bits & 0x1:
        raise ImportFormatError(
            f"表格“{path.name}”的内容已加密（设置了密码），无法读取。{_UNCHANGED}"
            "请在 Excel 中取消密码后另存为 .xlsx 再导入。"
        )
    if info.file_size > limit:
        ratio = info.file_size / max(info.compress_size, 1)
        raise ImportFormatError(
            f"表格“{path.name}”中的“{info.filename}”解压后有 {_size(info.file_size)}"
            f"（压缩了 {ratio:,.0f} 倍），超过导入上限 {_size(limit)}：这不是正常的导出文件"
            f"（可能是“压缩炸弹”），为保护本机内存和磁盘没有读取。{_UNCHANGED}"
            "如果这确实是一份很大的导出，请在 Excel 中另存为 CSV 后导入（CSV 没有这个限制）。"
        )


def _size(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / MIB:.0f} MB"


@contextlib.contextmanager
def open_workbook(path: Path) -> Iterator[Any]:
    """A read-only openpyxl workbook over ``path``, checked first; errors become ImportFormatError.

    The file is given to openpyxl as an open file, so any extension (``.XLSX``, ``.xlsx.download``,
    none) is read by its content. Errors raised inside the ``with`` body are not translated.
    """
    if not defused_xml_active():
        raise ImportFormatError(
            "读取 Excel 文件需要的安全组件 defusedxml 没有启用（未安装，或被环境变量 OPENPYXL_DEFUSEDXML 关闭），"
            f"为防止恶意表格读取本机文件，不读取“{path.name}”。请重新安装 cxdesk，或把表格另存为 CSV 后导入。"
        )
    check_container(path)
    from openpyxl import load_workbook

    with open(path, "rb") as fh:
        try:
            with quiet_openpyxl():
                wb = load_workbook(fh, read_only=True, data_only=True)
        except XLSX_ERRORS as exc:
            raise unreadable(path, exc) from exc
        try:
            yield wb
        finally:
            wb.close()


def first_sheet(path: Path, wb: Any, name: str | None = None) -> Any:
    """The sheet called ``name`` (else the first one), or ImportFormatError."""
    if name is not None and name in wb.sheetnames:
        return wb[name]
    if name is not None:
        raise ImportFormatError(
            f"表格“{path.name}”中没有名为“{name}”的工作表（文件可能在识别后被改动过），{_UNCHANGED}请重新选择文件。"
        )
    if not wb.worksheets:
        raise ImportFormatError(f"表格“{path.name}”里没有可读的工作表（工作表部分缺失或已损坏）。{_UNCHANGED}{_ADVICE}")
    return wb.worksheets[0]


def unreadable(path: Path, exc: BaseException, after_row: int | None = None) -> ImportFormatError:
    """The Chinese error for ``exc`` raised while reading the XLSX ``path`` (after row ``after_row``)."""
    where = f"（第 {after_row} 行之后）" if after_row else ""
    return ImportFormatError(f"无法读取表格“{path.name}”{where}：{_reason(exc)}。{_UNCHANGED}{_ADVICE}")


def _reason(exc: BaseException) -> str:
    chain = _chain(exc)
    from defusedxml import DefusedXmlException

    if any(isinstance(e, DefusedXmlException) for e in chain):
        return (
            "文件里有 XML 实体声明（DTD/ENTITY，Excel 从不写入这种内容；它可能被篡改，或是为读取本机文件、"
            "耗尽内存而构造的），为安全起见没有读取"
        )
    for e in chain:
        if isinstance(e, ParseError):
            line, col = getattr(e, "position", (0, 0))
            return f"文件中的 XML 不完整或已损坏（第 {line} 行第 {col} 列处无法解析），可能是下载、复制或保存没有完成"
        if isinstance(e, (zipfile.BadZipFile, zlib.error, EOFError)):
            return "压缩数据已损坏或不完整（可能是下载或复制没有完成）"
        if isinstance(e, KeyError) and "no item named" in str(e):
            return f"缺少 Excel 文件必需的部分（{str(e).split(chr(39))[1] if chr(39) in str(e) else e}）"
        if isinstance(e, RuntimeError) and "encrypted" in str(e):
            return "内容已加密（设置了密码）"
        if isinstance(e, MemoryError):
            return "内容太大，内存不足"
    return f"文件结构或单元格内容不符合 Excel 格式（{type(chain[-1]).__name__}）"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes (openpyxl wraps the parser's errors in a ValueError)."""
    seen: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in seen and len(seen) < 10:
        seen.append(e)
        e = e.__cause__ or e.__context__
    return seen
