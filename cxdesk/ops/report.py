"""The summary report of a period (figures, charts, agents, risks, FAQ, aspects, complaints).

A report only reads: no kinds change; ``value`` is the :class:`cxdesk.reports.build.ReportSummary`.
:func:`cxdesk.reports.build.build_report` reads through its own connection from
``store.path``; the GUI runs it as a plain background job
(:func:`cxdesk.ops.on_file.run_on_file`).
"""

from __future__ import annotations

from cxdesk.ops import OpChanges
from cxdesk.store import Store
from cxdesk.tasks import JobContext


def build(store: Store, ctx: JobContext, params: object) -> OpChanges:
    """Write the report ``params`` (a :class:`cxdesk.reports.build.ReportParams`) asks for."""
    from cxdesk.reports.build import build_report

    if store.personal_data_masked and getattr(params, "keep_personal", False):
        import dataclasses

        params = dataclasses.replace(params, keep_personal=False)  # type: ignore[type-var]  # a 客服: masked anyway
    summary = build_report(ctx, store.path, params)  # type: ignore[arg-type]
    return OpChanges("report", summary=summary.describe(), value=summary)
