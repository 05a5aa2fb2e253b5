"""How the preview shows records, and the mapping proposed when the kind changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cxdesk.errors import CxdeskError
import cxdesk.importers as importers
from cxdesk.importers import FIELD_ALIASES
from ui.pages.import_wizard._file_list import FileEntry
from cxdesk.roles import ROLE_LABELS
from ui.pages.import_wizard._labels import HIDDEN_PREVIEW_KEYS, REJECT_KEYS, field_label

# Chat previews come as messages, whose keys differ from the mapping fields.
CHAT_KEYS = ("buyer_nick", "role", "sender", "sent_at", "content", "source_session_id")
_CHAT_CAPTIONS = {"buyer_nick": "买家", "sent_at": "发送时间", "content": "消息内容"}


def _format(key: str, value: Any) -> str:
    if key == "role":
        return ROLE_LABELS.get(str(value), str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def preview_columns(
    kind: str | None, records: Sequence[dict[str, Any]]
) -> tuple[list[str], list[str], Callable[[str, Any], str]]:
    """Columns (keys, captions) and the cell formatter for a preview of ``kind``.

    Fields follow the kind's field order; keys the importer adds that we do
    not know yet are appended rather than dropped, so nothing is hidden.
    """
    if kind == "chats":
        keys = list(CHAT_KEYS)
        headers = [_CHAT_CAPTIONS.get(k) or field_label(k, kind) for k in keys]
        return keys, headers, _format
    seen = list(dict.fromkeys(k for r in records if "error" not in r for k in r))
    order = list(FIELD_ALIASES.get(kind or "", {}))
    keys = [k for k in order if k in seen] + [k for k in seen if k not in order]
    keys = [k for k in keys if k not in HIDDEN_PREVIEW_KEYS and k not in REJECT_KEYS]
    if not keys and kind in FIELD_ALIASES:
        keys = list(FIELD_ALIASES[kind])  # only rejected rows: still show the fields
    return keys, [field_label(k, kind) for k in keys], _format


def proposed_mapping(entry: FileEntry) -> dict[str, str]:
    """What the importer proposes for ``entry.kind``; empty when it cannot map that kind.

    ``cxdesk.importers`` exports no "auto-map for this kind" function, so we
    ask :func:`resolve`, which also validates and raises (in Chinese) when
    the file does not fit; the preview then shows that message.
    """
    det = entry.detection
    if det is None or entry.kind is None:
        return {}
    if entry.kind == det.kind:
        return dict(det.mapping)
    try:
        return importers.resolve(det, entry.kind, None)[1]
    except CxdeskError:
        return {}
