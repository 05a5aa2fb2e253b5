"""A session's own review marks on 会话: 已阅 (who, when) and a note.

The returned :class:`cxdesk.ops.OpChanges` names ``SESSION_NOTES`` with the session's id and
carries the session's new :class:`cxdesk.store.sessions_browse.ReviewState` in ``value``, so
the page shows it without reading it again. A flag's status set from the conversation is a
triage like on 风险: :func:`cxdesk.ops.triage.set_status`.
"""

from __future__ import annotations

from cxdesk.ops import SESSION_NOTES, OpChanges
from cxdesk.store import Store
from cxdesk.tasks import JobContext


def set_reviewed(
    store: Store, ctx: JobContext, session_id: int, reviewed: bool, *, reviewer: str | None = None
) -> OpChanges:
    """Mark one session 已阅 (or not) by ``reviewer``; its note is kept."""
    sid = int(session_id)
    with store.transaction():
        state = store.sessions_browse.set_reviewed(sid, reviewed, reviewer or None)
    return OpChanges.of(
        "session_reviewed",
        SESSION_NOTES,
        ids={SESSION_NOTES: [sid]},
        summary=f"会话 #{sid} 已标为已阅" if reviewed else f"会话 #{sid} 已取消已阅",
        value=state,
    )


def set_note(store: Store, ctx: JobContext, session_id: int, note: str) -> OpChanges:
    """Replace one session's note (an empty note clears it); the 已阅 mark is kept."""
    sid = int(session_id)
    with store.transaction():
        state = store.sessions_browse.set_note(sid, note)
    return OpChanges.of("session_note", SESSION_NOTES, ids={SESSION_NOTES: [sid]}, summary="备注已保存", value=state)
