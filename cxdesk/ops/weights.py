"""The capability model's weights (设置 → 客服能力模型权重): save them, or go back to the shipped ones.

The weights live in the user's copy of ``rules/capability.json`` (resources folder), not
in the store: these operations take the writer's store like every operation and leave
it alone. :func:`cxdesk.analysis.capability_config.save_weights` checks the numbers
(none negative, not all zero) and refuses with a message, writing nothing. 客服绩效
scores with the new weights the next time it draws (``WEIGHTS``).
"""

from __future__ import annotations

from collections.abc import Mapping

from cxdesk.ops import WEIGHTS, OpChanges, files_only
from cxdesk.store import Store
from cxdesk.tasks import JobContext


@files_only
def save(store: Store | None, ctx: JobContext, weights: Mapping[str, float]) -> OpChanges:
    """Write the composite weights (every other setting of the user's copy stays); ``value``: the file written."""
    from cxdesk.analysis.capability_config import save_weights

    path = save_weights(dict(weights))
    return OpChanges.of("save_weights", WEIGHTS, summary="客服能力模型权重已保存", value=path)


@files_only
def reset(store: Store | None, ctx: JobContext) -> OpChanges:
    """Back to the shipped weights (anything else the user changed in their copy stays)."""
    from cxdesk.analysis.capability_config import reset_weights, user_config_path

    if not user_config_path().exists():
        return OpChanges("reset_weights", summary="本来就在使用内置权重")
    reset_weights()
    return OpChanges.of("reset_weights", WEIGHTS, summary="已恢复内置的客服能力模型权重")
