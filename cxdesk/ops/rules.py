"""The user's own risk rules (设置 → 风险规则): add or replace one, delete one.

The rules live in ``rules/user_rules.json`` of the user's resources folder, not in the
store: these operations take the writer's store like every operation and leave it
alone. :func:`cxdesk.analysis.risk_rules.save_user_rule` checks a rule (levels, roles,
patterns RE2 cannot run, single characters) and puts the previous file back when the
pack would not load, so a refused save changes nothing. The next 分析数据 checks every
message and review with the new pack (its version changes); nothing in the store is
marked now, hence ``RULES`` alone.
"""

from __future__ import annotations

from cxdesk.ops import RULES, OpChanges, files_only
from cxdesk.store import Store
from cxdesk.tasks import JobContext


@files_only
def save_user_rule(store: Store | None, ctx: JobContext, rule: dict) -> OpChanges:
    """Add or replace (by id) one user rule; ``value``: the checked :class:`Rule` (its id has the ``user.`` prefix).

    Raises :class:`cxdesk.analysis.risk_rules.RuleError` with the user's message when the rule is refused.
    """
    from cxdesk.analysis.risk_rules import save_user_rule as save

    saved = save(dict(rule))
    return OpChanges.of("save_user_rule", RULES, summary=f"已保存自定义规则「{saved.id}」", value=saved)


@files_only
def delete_user_rule(store: Store | None, ctx: JobContext, rule_id: str) -> OpChanges:
    """Delete one user rule; flags it raised stay. ``value``: whether there was such a rule."""
    from cxdesk.analysis.risk_rules import delete_user_rule as delete

    if not delete(rule_id):
        return OpChanges("delete_user_rule", value=False)
    return OpChanges.of("delete_user_rule", RULES, summary=f"已删除自定义规则「{rule_id}」", value=True)
