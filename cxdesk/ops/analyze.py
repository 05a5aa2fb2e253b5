"""Analyse what is new or changed: every analysis stage (sentiment, aspects, FAQ, risk, search...).

The engine writes through the store it is given (the GUI's one writer); its worker
processes only read the file, each on a read-only connection of its own.
"""

from __future__ import annotations

from cxdesk.ops import ANALYSIS, FAQ, FLAGS, RISK_SCORES, OpChanges
from cxdesk.store import Store
from cxdesk.tasks import JobContext


def analyze(store: Store, ctx: JobContext, *, workers: int | None = None) -> OpChanges:
    """Run the analysis; ``value``: the :class:`cxdesk.analysis.engine.AnalyzeSummary`."""
    from cxdesk.analysis.engine import analyze_store  # lazy: numpy and the models load here

    summary = analyze_store(ctx, store, workers=workers)
    return OpChanges.of("analyze", ANALYSIS, FLAGS, RISK_SCORES, FAQ, summary=summary.describe(), value=summary)
