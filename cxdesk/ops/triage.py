"""Triage risk flags: status (待处理/已处理/误报/…), note and handler, one item or all that match.

A 误报 no longer counts in a session's or review's risk score, so every status change
re-scores the sessions and reviews its flags belong to, inside the same transaction.

Several people may triage the same queue (a team store): the 风险 page passes ``expected``,
the version of each flag its screen read, and the operation writes nothing and raises
:class:`cxdesk.errors.TriageConflictError` (who changed what, when) when someone else's write came
first. ``expected=None`` writes whatever the flags are now (the CLI, 会话's status menu, a bulk
change of everything a filter matches). Each operation returns the flags' new versions in
``OpChanges.value`` (``{flag id: version}``), what the page expects of its next write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cxdesk.ops import FLAGS, RISK_SCORES, OpChanges
from cxdesk.store import Store
from cxdesk.store.risk_queue import FlagFilter
from cxdesk.tasks import JobContext


def set_status(
    store: Store,
    ctx: JobContext,
    flag_ids: Sequence[int],
    status: str,
    *,
    handler: str | None = None,
    expected: Mapping[int, int] | None = None,
) -> OpChanges:
    """Mark ``flag_ids`` ``status`` (and who handled them), then re-score what they belong to."""
    from cxdesk.analysis.risk import rescore_flagged

    ids = [int(i) for i in flag_ids]
    if not ids:
        return OpChanges("triage_flags")
    with store.transaction():
        store.risk_queue.set_status(ids, status, handler=handler, expected=expected)
        rescore_flagged(store, ids)
        versions = store.risk_queue.versions(ids)
    return OpChanges.of(
        "triage_flags",
        FLAGS,
        RISK_SCORES,
        ids={FLAGS: ids},
        summary=f"已把 {len(ids):,} 条风险标记为「{status}」",
        value=versions,
    )


def set_status_matching(
    store: Store, ctx: JobContext, flt: FlagFilter, status: str, *, handler: str | None = None
) -> OpChanges:
    """Mark every flag the filter matches (it can be thousands; the caller asked the user first)."""
    ids = store.risk_queue.ids(flt)
    return set_status(store, ctx, ids, status, handler=handler)


def set_note(
    store: Store,
    ctx: JobContext,
    flag_ids: Sequence[int],
    note: str,
    *,
    handler: str | None = None,
    expected: Mapping[int, int] | None = None,
) -> OpChanges:
    """Give every flag of one item (a session or a review) the same note; the status is unchanged."""
    ids = [int(i) for i in flag_ids]
    with store.transaction():
        store.risk_queue.set_notes(ids, note, handler, expected=expected)
        versions = store.risk_queue.versions(ids)
    return OpChanges.of("flag_note", FLAGS, ids={FLAGS: ids}, summary="备注已保存", value=versions)
