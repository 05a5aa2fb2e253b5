"""Export a table (reviews, messages, sessions, flags, FAQ, 差评原因) or the agents' KPIs to CSV / XLSX.

Exports only read: they change no kind of data (``OpChanges`` without kinds; ``value`` is
the summary, ``summary`` its sentence). The core jobs read through their own connection
from ``store.path`` (:func:`cxdesk.exports.export_table`,
:func:`cxdesk.agent_export.export_agents`), so the GUI runs them as plain background jobs
(:func:`cxdesk.ops.on_file.run_on_file`) that never queue behind the writer.
"""

from __future__ import annotations

from pathlib import Path

from cxdesk.ops import OpChanges
from cxdesk.store import Store
from cxdesk.tasks import JobContext


def export_table(
    store: Store, ctx: JobContext, kind: str, out: str | Path, *, keep_personal: bool = False
) -> OpChanges:
    """Every row of ``kind`` with its results to ``out``; ``value``: the :class:`cxdesk.exports.ExportSummary`."""
    from cxdesk.exports import export_table as write

    if store.personal_data_masked:  # a 客服's login: the database masks; say so, not "kept"
        keep_personal = False
    summary = write(ctx, store.path, kind, out, keep_personal=keep_personal)
    return OpChanges("export", summary=summary.describe(), value=summary)


def export_drivers(store: Store, ctx: JobContext, out: str | Path, *, shop_id: int | None = None) -> OpChanges:
    """差评原因 of all shops or of ``shop_id`` to ``out``; ``value``: the :class:`cxdesk.exports.ExportSummary`."""
    from cxdesk.exports import export_drivers as write

    summary = write(ctx, store.path, out, shop_id=shop_id)
    return OpChanges("export", summary=summary.describe(), value=summary)


def export_agents(
    store: Store,
    ctx: JobContext,
    period: str,
    out: str | Path,
    *,
    shop_ids: list[int] | None = None,
    window: str | None = None,
) -> OpChanges:
    """The agents' KPIs per ``period`` to ``out``; ``value``: the :class:`cxdesk.agent_export.AgentExportSummary`."""
    from cxdesk.agent_export import export_agents as write

    summary = write(ctx, store.path, period, out, shop_ids=shop_ids, window=window)
    return OpChanges("export_agents", summary=summary.describe(), value=summary)
