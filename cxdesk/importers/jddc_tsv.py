"""JD Dialogue Challenge (JDDC) chat TSV: JD customer-service sessions, no header.

Columns: session_id, customer_id, waiter_send (0 customer / 1 agent),
is_transferred, is_repeat_consult, sku, content. There are no times and no
agent ids, so sent_at and sender stay None rather than being invented.
The row reader is :mod:`cxdesk.importers._jddc_rows`; :func:`bulk_read` the fast one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cxdesk.importers._jddc_rows import fields, read
from cxdesk.importers._model import Chunk, FormatSpec, Guess, Probe, ReadOptions

_SID = re.compile(r"[0-9a-fA-F]{8,64}|\w{4,64}")


def sniff(p: Probe) -> Guess | None:
    sample = [ln for ln in p.lines[:50] if ln.strip()][:-1] or p.lines[:1]
    if not sample or not all(fields(ln) and _SID.fullmatch(ln.split("\t", 1)[0]) for ln in sample):
        return None
    return Guess(0.9, "chats", "jd")


def bulk_read(opts: ReadOptions) -> Iterator[Chunk]:
    """Vectorised reader for imports (pandas C parser, whole-column mapping)."""
    from cxdesk.importers._fastchat import read_jddc

    return read_jddc(opts)


FORMAT = FormatSpec("jddc_tsv", "京东客服对话（JDDC TSV）", ("tsv", "txt"), sniff, read, bulk_read=bulk_read)
