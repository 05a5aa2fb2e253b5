"""Generic tables (CSV/TSV/XLSX/JSON list): seller-tool reviews, chat and order sheets.

The fallback for every file with a header row: the kind comes from which
columns are present (评价内容 → reviews, 发送内容 + 客户 → chats, 订单号 +
付款时间 → orders), the platform from hints in the names (旺旺 → taobao).
"""

from __future__ import annotations

from collections.abc import Iterator

from cxdesk.importers._columns import guess_kind, guess_platform
from cxdesk.importers._model import Chunk, FormatSpec, Guess, Probe, ReadOptions
from cxdesk.importers._rows import chat_mapper, map_chunks, order_mapper, review_mapper
from cxdesk.importers._tabular import column_index, iter_rows

_CONTAINER_CN = {"csv": "CSV", "tsv": "TSV", "xlsx": "Excel", "json": "JSON"}
_KIND_TABLE = {"reviews": "评价表", "chats": "聊天记录表", "orders": "订单表"}
MAPPERS = {"reviews": review_mapper, "chats": chat_mapper, "orders": order_mapper}


def label_for(kind: str | None, container: str) -> str:
    return f"通用{_KIND_TABLE.get(kind or '', '表格')}（{_CONTAINER_CN.get(container, container)}）"


def sniff(p: Probe) -> Guess | None:
    if p.container not in _CONTAINER_CN or not p.columns:
        return None
    kind, mapping, score = guess_kind(p.columns)
    if kind is None:  # a table, but not one we recognise: the caller may map it
        return Guess(0.01, None, "other", {}, label=label_for(None, p.container))
    platform = guess_platform(p.columns)
    return Guess(0.2 + 0.5 * score, kind, platform, mapping, label=label_for(kind, p.container))


def read(opts: ReadOptions) -> Iterator[Chunk]:
    det = opts.detection
    mapper = MAPPERS[opts.kind](column_index(det.columns, opts.mapping))
    return map_chunks(iter_rows(det, opts.chunk_size), mapper)


def bulk_read(opts: ReadOptions) -> Iterator[Chunk]:
    """Imports: chat CSV/TSV through the vectorised reader, everything else as :func:`read`."""
    if opts.kind == "chats" and opts.detection.container in ("csv", "tsv"):
        from cxdesk.importers._fastchat import read_chat_table

        return read_chat_table(opts)
    return read(opts)


FORMAT = FormatSpec("table", "通用表格", ("csv", "tsv", "xlsx", "json"), sniff, read, bulk_read=bulk_read)
