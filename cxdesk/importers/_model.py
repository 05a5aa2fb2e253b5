"""Plain data shapes shared by the importer modules and their callers.

Kept free of I/O so the GUI wizard can hold a :class:`Detection` between
steps (detect → adjust mapping → preview → import) without reopening files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

KINDS = ("reviews", "chats", "orders", "agent_report")
KIND_LABELS = {"reviews": "评价", "chats": "客服聊天记录", "orders": "订单", "agent_report": "客服日报"}
PLATFORM_SHOP_NAMES = {
    "taobao": "淘宝店铺",
    "jd": "京东店铺",
    "pdd": "拼多多店铺",
    "douyin": "抖店店铺",
    "other": "默认店铺",
}


class Reject(NamedTuple):
    """A row that could not be imported: where it is and why (Chinese)."""

    record_no: int | None
    reason: str
    raw: str | None = None


class RawMessage(NamedTuple):
    """One chat message as read from a file, before it is put into a session."""

    record_no: int
    buyer: str
    role: str
    sender: str | None
    sent_at: str | None
    content: str
    source_session_id: str | None = None
    mid: str | None = None
    transferred: bool = False
    repeat_consult: bool = False


@dataclass
class Chunk:
    """A slice of a file: its good records, its rejected rows, and progress.

    ``records`` holds review/order dicts or :class:`RawMessage` tuples;
    ``done``/``total`` are in the reader's progress unit (bytes or records).
    """

    records: list[Any]
    rejects: list[Reject]
    done: int
    total: int


@dataclass
class Probe:
    """What detection knows about a file after reading only its head."""

    path: Path
    size: int
    container: str  # csv | tsv | txt | xlsx | json
    encoding: str | None = None
    head_text: str = ""
    lines: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    header_row: int = 1
    delimiter: str | None = None
    sheet: str | None = None


@dataclass
class Guess:
    """One format module's opinion of a probed file."""

    confidence: float
    kind: str | None
    platform: str = "other"
    mapping: dict[str, str] = field(default_factory=dict)
    shop_hint: str | None = None
    label: str | None = None


@dataclass
class Detection:
    """The result of :func:`detect`: what the file is and how it will be read.

    ``mapping`` is field → column name (tabular formats only); the wizard
    shows it and may pass an edited copy to :func:`preview`/:func:`import_file`.
    """

    path: Path
    kind: str | None
    platform: str
    format_id: str
    format_label: str
    encoding: str | None
    container: str
    columns: list[str]
    mapping: dict[str, str]
    confidence: float
    header_row: int = 1
    delimiter: str | None = None
    sheet: str | None = None
    shop_hint: str | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind or "", "未知类型")


@dataclass
class ReadOptions:
    """Everything a format reader needs besides the file itself."""

    detection: Detection
    kind: str
    mapping: dict[str, str]
    chunk_size: int = 20_000


Reader = Callable[[ReadOptions], Iterator[Chunk]]


@dataclass(frozen=True)
class FormatSpec:
    """A source format: how to recognise it and how to read it."""

    id: str
    label: str
    containers: tuple[str, ...]
    sniff: Callable[[Probe], Guess | None]
    read: Reader
    unit: str = "行"  # how rejects are numbered: 行 (line) or 条 (record)
    # Faster reader for whole-file imports (may hand out message frames instead of
    # RawMessage lists); ``read`` stays the reference used by preview.
    bulk_read: Reader | None = None


@dataclass
class ImportSummary:
    """What one :func:`import_file` call did, for the CLI and the wizard."""

    batch_id: int | None
    file: Path
    kind: str
    platform: str
    shop: str
    format_id: str
    format_label: str
    encoding: str | None
    rows_read: int = 0
    rows_added: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    sessions_added: int = 0
    rejects: list[Reject] = field(default_factory=list)  # the first ones (all are in the store)
    unit: str = "行"
    previous_batch_id: int | None = None
    seconds: float = 0.0

    def describe(self) -> str:
        """A short Chinese summary, one line per fact."""
        what = KIND_LABELS.get(self.kind, self.kind)
        enc = f"，编码 {self.encoding}" if self.encoding else ""
        lines = [
            f"{self.file.name}：{self.format_label}（{what}{enc}），店铺“{self.shop}”，批次 {self.batch_id}",
            f"  读取 {self.rows_read} {self.unit}，新增 {self.rows_added}，重复 {self.rows_duplicate}，"
            f"拒绝 {self.rows_rejected}" + (f"，新会话 {self.sessions_added}" if self.kind == "chats" else ""),
        ]
        if self.previous_batch_id is not None:
            lines.append(f"  此文件此前已导入过（批次 {self.previous_batch_id}），重复的行已跳过。")
        for r in self.rejects[:5]:
            lines.append(f"  第 {r.record_no} {self.unit}：{r.reason}")
        if self.rows_rejected > 5:
            lines.append(f"  …… 另有 {self.rows_rejected - 5} 条错误，可导出错误清单查看。")
        return "\n".join(lines)
