"""detect → preview → import_file: the public flow the CLI and the wizard drive.

Each file is imported in one store transaction recorded as an import batch,
so a failure, a cancel or a kill mid-file leaves the store exactly as before,
and the batch can later be undone as a unit.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxdesk.errors import ImportFormatError
from cxdesk.importers import registry, table_generic
from cxdesk.importers._columns import apply_override, auto_map, require_fields, shown_columns
from cxdesk.importers._guard import guarded, unexpected_as_format_error
from cxdesk.importers._prefetch import prefetch
from cxdesk.importers._model import (
    KIND_LABELS,
    KINDS,
    PLATFORM_SHOP_NAMES,
    Detection,
    ImportSummary,
    Probe,
    ReadOptions,
    Reject,
)
from cxdesk.importers._sniff import probe
from cxdesk.importers._writers import make_writer
from cxdesk.store import PLATFORMS, Store
from cxdesk.tasks import JobContext

if TYPE_CHECKING:  # the reader-process module loads pandas: imported when a large file needs it
    from cxdesk.importers._chatproc import ReaderProcess

TABULAR_FORMATS = ("table", "qianniu_csv", "douyin_reviews", "agent_report")
# Chat files at least this big are read in a second process when the shop has no
# sessions yet (starting it costs ~0.5 s; below ~100k messages that is not won back).
READER_PROCESS_MIN_BYTES = 8_000_000
# SQLite page cache (MiB) while the reader process feeds a fresh shop: its inserts append, so
# a cache smaller than the new pages spills them to the WAL while the reader is still working
# and the final commit has less left to write (per 1M messages ~0.3 s instead of ~0.5 s).
FRESH_LOAD_CACHE_MB = 64
# Rejected rows go to the store chunk by chunk; the summary keeps this many for display.
REJECTS_KEPT_IN_MEMORY = 1_000
_PLATFORM_ALIASES = {
    "淘宝": "taobao",
    "天猫": "taobao",
    "tmall": "taobao",
    "京东": "jd",
    "拼多多": "pdd",
    "抖店": "douyin",
    "抖音": "douyin",
    "其他": "other",
}


class TooManyBadRows(ImportFormatError):
    """More than the allowed share of rows were rejected; nothing was written."""

    def __init__(self, message: str, rejects: list[Reject]) -> None:
        super().__init__(message)
        self.rejects = rejects


def detect(path: str | Path) -> Detection:
    """What ``path`` is: kind, platform, format, encoding, columns, proposed mapping.

    Reads only the head of the file (JSON of unknown shape is parsed whole).

    Raises
    ------
    ImportFormatError
        Empty, binary (image, PDF, archive), undecodable, broken or hostile files; any
        unexpected error of a reader, too (see :mod:`._guard`).
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFormatError(f"找不到文件“{path}”。")
    with unexpected_as_format_error(path):
        p = probe(path)
        found = registry.best(p)
        if (found is None or found[0] is table_generic.FORMAT) and p.container == "json":
            _json_columns(p)
            found = registry.best(p)
    if found is None:
        raise ImportFormatError(_unknown_text_message(p))
    spec, g = found
    tabular = spec.id in TABULAR_FORMATS  # other formats have fixed fields, no columns to map
    return Detection(
        path=path,
        kind=g.kind,
        platform=g.platform,
        format_id=spec.id,
        format_label=g.label or spec.label,
        encoding=p.encoding,
        container=p.container,
        columns=p.columns if tabular else [],
        mapping=g.mapping,
        confidence=round(g.confidence, 2),
        header_row=p.header_row,
        delimiter=p.delimiter,
        sheet=p.sheet,
        shop_hint=g.shop_hint,
    )


def _json_columns(p: Probe) -> None:
    from cxdesk.importers._jsonsrc import columns_of, load_json, record_list

    p.columns = columns_of(record_list(load_json(p.path, p.encoding)))


def _unknown_text_message(p: Probe) -> str:
    first = next((ln.strip() for ln in p.lines if ln.strip()), "")[:60]
    return (
        f"无法识别“{p.path.name}”的格式（{p.container.upper()}，编码 {p.encoding}，首行：“{first}”）。"
        "支持：带表头的 CSV/Excel 表格、千牛聊天文本、京东 JDDC 对话 TSV、各平台评价/聊天 JSON。"
    )


def resolve(det: Detection, kind: str | None, mapping: dict[str, str] | None) -> tuple[str, dict[str, str]]:
    """The kind to import as and the final field → column mapping, or a Chinese error."""
    if kind is not None and kind not in KINDS:
        raise ImportFormatError(
            f"导入类型“{kind}”无效，应为 reviews（评价）、chats（聊天）、orders（订单）或 agent_report（客服日报）。"
        )
    table = det.format_id == table_generic.FORMAT.id
    if kind is not None and det.kind is not None and kind != det.kind and not (table and det.confidence < 0.5):
        cols = f"，列：{shown_columns(det.columns, 8)}" if det.columns else ""
        raise ImportFormatError(
            f"“{det.path.name}”看起来是{KIND_LABELS[det.kind]}文件（识别为：{det.format_label}{cols}），"
            f"而不是{KIND_LABELS[kind]}。请确认选择的文件和导入类型。"
        )
    final_kind = kind or det.kind
    if final_kind is None:
        shown = shown_columns(det.columns) or "（无）"
        raise ImportFormatError(
            f"“{det.path.name}”中找不到可识别的表头（识别为 {det.container.upper()}，第 {det.header_row} 行的列："
            f"{shown}）。应包含如“评价内容”（评价）、“发送内容”+“客户名”（聊天）、“订单号”（订单）等列；"
            "可指定导入类型并用 --map 字段=列名 指定列。"
        )
    if det.container not in ("csv", "tsv", "xlsx", "json") or not det.columns:
        return final_kind, {}
    proposed = det.mapping if final_kind == det.kind else auto_map(final_kind, det.columns)
    final = apply_override(final_kind, det.columns, proposed, mapping)
    if det.format_id in TABULAR_FORMATS:
        require_fields(final_kind, final, det.columns, f"“{det.path.name}”")
    return final_kind, final


def preview(
    path: str | Path,
    detection: Detection | None = None,
    mapping: dict[str, str] | None = None,
    limit: int = 20,
    *,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """The first ``limit`` records as the import would store them.

    Reviews and orders come as canonical record dicts, chats as one dict per
    message (buyer_nick, role, sender, sent_at, content, source_session_id).
    Rejected rows follow as ``{"record_no", "error", "raw"}``. Raises ImportFormatError
    (never another exception) for a file that cannot be read.
    """
    det = detection or detect(path)
    final_kind, final_mapping = resolve(det, kind, mapping)
    spec = _spec(det, final_kind)
    good: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    with unexpected_as_format_error(det.path):
        reader = spec.read(ReadOptions(det, final_kind, final_mapping, chunk_size=max(limit, 1)))
        try:
            for chunk in islice(reader, 3):
                good.extend(_as_dict(r) for r in chunk.records)
                bad.extend({"record_no": r.record_no, "error": r.reason, "raw": r.raw} for r in chunk.rejects)
                if len(good) + len(bad) >= limit:
                    break
        finally:
            getattr(reader, "close", lambda: None)()
    return (good + bad)[:limit]


def _spec(det: Detection, kind: str) -> Any:
    """The reader: a generic table imported as 客服日报 (--kind agent_report) uses the report reader."""
    if kind == "agent_report" and det.format_id == table_generic.FORMAT.id:
        from cxdesk.importers import agent_report

        return agent_report.FORMAT
    return registry.get(det.format_id)


def _as_dict(r: Any) -> dict[str, Any]:
    if isinstance(r, dict):
        return dict(r)
    return {
        "buyer_nick": r.buyer,
        "role": r.role,
        "sender": r.sender,
        "sent_at": r.sent_at,
        "content": r.content,
        "source_session_id": r.source_session_id,
    }


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _platform(name: str | None, det: Detection) -> str:
    p = _PLATFORM_ALIASES.get(name or "", name) or det.platform
    if p not in PLATFORMS:
        raise ImportFormatError(f"平台“{name}”无效，应为：{'、'.join(PLATFORMS)}。")
    return p


def import_file(
    ctx: JobContext,
    store: Store,
    path: str | Path,
    *,
    kind: str | None = None,
    platform: str | None = None,
    shop: str | None = None,
    mapping: dict[str, str] | None = None,
    session_gap_minutes: float = 30,
    max_bad_share: float = 0.5,
    detection: Detection | None = None,
    synthetic: bool = False,
    chunk_size: int = 100_000,
    reader_process: bool | None = None,
) -> ImportSummary:
    """Import one file as one batch (a job: progress by bytes/rows, cancellable).

    ``reader_process``: read a chat file in a second process (see
    :mod:`._chatproc`); None decides by file size. Used only when the shop has
    no chat sessions yet, otherwise the file is read in a thread.

    Raises
    ------
    ImportFormatError
        Wrong kind of file, unreadable file (also any unexpected error of a reader, see
        :mod:`._guard`), no data, or more than ``max_bad_share`` of the rows rejected
        (:class:`TooManyBadRows`). Nothing is written.
    Cancelled
        ``ctx`` asked to stop; the transaction is rolled back.
    Other exceptions
        From the store and the writers, unchanged; the transaction is rolled back.
    """
    started = time.perf_counter()
    path = Path(path)
    ctx.progress(0, 0, f"正在识别 {path.name}")
    with unexpected_as_format_error(path):  # the reading itself is guarded chunk by chunk in _import
        det = detection or detect(path)
        final_kind, final_mapping = resolve(det, kind, mapping)
        plat = _platform(platform, det)
        shop_name = shop or det.shop_hint or PLATFORM_SHOP_NAMES[plat]
        spec = _spec(det, final_kind)
        opts = ReadOptions(det, final_kind, final_mapping, chunk_size=chunk_size)
    with contextlib.ExitStack() as stack:
        reader = None
        if _use_reader_process(reader_process, final_kind, spec, path) and not store.chats.shop_has_sessions(
            plat, shop_name
        ):
            from cxdesk.importers._chatproc import ReaderProcess

            reader = ReaderProcess(opts, det.format_id, session_gap_minutes)
            stack.callback(reader.close)
        s = _import(
            ctx, store, path, det, spec, opts, plat, shop_name, synthetic, session_gap_minutes, max_bad_share, reader
        )
    s.seconds = time.perf_counter() - started
    return s


def _use_reader_process(wanted: bool | None, kind: str, spec: Any, path: Path) -> bool:
    if kind != "chats" or spec.bulk_read is None or wanted is False:
        return False
    return wanted is True or path.stat().st_size >= READER_PROCESS_MIN_BYTES


def _import(
    ctx: JobContext,
    store: Store,
    path: Path,
    det: Detection,
    spec: Any,
    opts: ReadOptions,
    plat: str,
    shop_name: str,
    synthetic: bool,
    gap: float,
    max_bad_share: float,
    reader: ReaderProcess | None,
) -> ImportSummary:
    sha = file_sha256(path)
    s = ImportSummary(
        None, path, opts.kind, plat, shop_name, det.format_id, det.format_label, det.encoding, unit=spec.unit
    )
    with store.bulk_load() if reader is None else store.bulk_load(FRESH_LOAD_CACHE_MB), store.transaction():
        shop_row = store.shops.get_or_create(plat, shop_name)
        s.previous_batch_id = store.batches.find_done_by_sha(sha, opts.kind)
        s.batch_id = store.batches.create(
            kind=opts.kind,
            file_name=path.name,
            file_sha256=sha,
            shop_id=shop_row.id,
            platform=plat,
            source_format=det.format_id,
            encoding=det.encoding,
            synthetic=synthetic,
        )
        if reader is not None and store.chats.has_sessions(shop_row.id):
            reader.close()  # sessions appeared since the check: the in-process writer joins them
            reader = None
        if reader is not None:
            from cxdesk.importers._chatproc import FreshChatLoad

            writer: Any = FreshChatLoad(store, shop_row.id, s.batch_id, reader)
            chunks = reader.chunks(ctx)
        else:
            writer = make_writer(opts.kind, store, shop_row.id, s.batch_id, gap)
            chunks = prefetch((spec.bulk_read or spec.read)(opts))
        for chunk in guarded(chunks, path, spec.unit):  # a reader's surprise: a message naming the row
            ctx.check()
            writer.write(chunk.records)
            s.rows_read += len(chunk.records) + len(chunk.rejects)
            _keep_rejects(store, s, chunk.rejects)
            ctx.progress(chunk.done, chunk.total, f"正在导入 {path.name}（已读 {s.rows_read} {spec.unit}）")
        ctx.check()
        writer.finish()
        _check_bad_share(s, max_bad_share)
        s.rows_added, s.rows_duplicate = writer.added, writer.duplicate
        s.sessions_added = writer.sessions_added
        store.batches.set_counts(
            s.batch_id, read=s.rows_read, added=s.rows_added, duplicate=s.rows_duplicate, rejected=s.rows_rejected
        )
    return s


def _keep_rejects(store: Store, s: ImportSummary, rejects: list[Reject]) -> None:
    """Store a chunk's rejected rows in the batch's transaction; keep only the first ones in memory.

    A file of millions of bad rows must not hold them all in memory (the summary,
    the wizard and TooManyBadRows show the first few; the error list is read back
    from the store).
    """
    if not rejects:
        return
    store.batches.add_rejects(s.batch_id, rejects)
    s.rows_rejected += len(rejects)
    room = REJECTS_KEPT_IN_MEMORY - len(s.rejects)
    if room > 0:
        s.rejects.extend(rejects[:room])


def _check_bad_share(s: ImportSummary, max_bad_share: float) -> None:
    bad = s.rows_rejected
    if s.rows_read == 0:
        raise ImportFormatError(
            f"“{s.file.name}”（{s.format_label}）中没有可导入的数据行或记录（只有表头、空行，"
            "或记录列表是空的），数据库未改动。请确认选择的文件（和工作表）是否正确。"
        )
    if bad > max_bad_share * s.rows_read:
        first = "；".join(f"第 {r.record_no} {s.unit}：{r.reason}" for r in s.rejects[:3])
        raise TooManyBadRows(
            f"“{s.file.name}”共 {s.rows_read} {s.unit}，其中 {bad} {s.unit}无法导入"
            f"（超过 {max_bad_share:.0%}），整个文件未导入，数据库未改动。"
            f"可能选错了文件或列的对应关系。前几个错误：{first}",
            list(s.rejects),
        )
