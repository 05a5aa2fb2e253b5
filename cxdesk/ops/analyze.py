"""Analyse what is new or changed: every analysis stage (sentiment, aspects, FAQ, risk, search...).

The engine (:func:`cxdesk.analysis.engine.analyze`) opens its own connection from
``store.path`` (its worker processes read the file too): the runner runs one writing
operation at a time, so nothing else writes meanwhile.
"""

from __future__ import annotations

from cxdesk.ops import ANALYSIS, FAQ, FLAGS, RISK_SCORES, OpChanges
from cxdesk.store import Store
from cxdesk.tasks import JobContext


def analyze(store: Store, ctx: JobContext, *, workers: int | None = None) -> OpChanges:
    """Run the analysis; ``value``: the :class:`cxdesk.analysis.engine.AnalyzeSummary`."""
    from cxdesk.analysis.engine import analyze as run_analysis  # lazy: numpy and the models load here

    summary = run_analysis(ctx, store.path, workers=workers)
    return OpChanges.of("analyze", ANALYSIS, FLAGS, RISK_SCORES, FAQ, summary=summary.describe(), value=summary)
