"""What each risk rule is called in the UI: plain Chinese, never its id.

Rule ids (``complaint.platform``, ``service.over_limit``) are keys for files and exports; people
read names. Pack rules carry a ``name`` in ``rules/risk_rules.json`` (users' own rules in
``user_rules.json`` may too); the engine's own flags (服务时效, the abuse model, 重复咨询) are named
here. Reading names does not compile the pack: the JSON files are read and cached by mtime.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from cxdesk.analysis.session_risk import FLAG_LABELS

# Flags the engine raises itself (not rules of the pack).
ENGINE_LABELS = {
    **FLAG_LABELS,
    "abuse.model.buyer": "买家辱骂（辱骂识别模型确认）",
    "abuse.model.agent": "客服辱骂买家（辱骂识别模型确认）",
}


@lru_cache(maxsize=8)
def _names(files: tuple[tuple[str, float], ...]) -> dict[str, str]:
    names: dict[str, str] = {}
    for path, _mtime in files:
        try:
            data = json.loads(Path(path).read_text("utf-8-sig"))
        except (OSError, ValueError):
            continue
        for item in data.get("rules", []) if isinstance(data, dict) else []:
            if isinstance(item, dict) and item.get("id") and item.get("name"):
                names[str(item["id"])] = str(item["name"])
    return names


def _files() -> tuple[tuple[str, float], ...]:
    from cxdesk.analysis.risk_rules import PACK_FILE, user_rules_path
    from cxdesk.paths import resource_path

    out = []
    for path in (resource_path("rules", PACK_FILE), user_rules_path()):
        try:
            out.append((str(path), path.stat().st_mtime))
        except OSError:
            pass
    return tuple(out)


def rule_label(rule_id: str, category: str | None = None) -> str:
    """The rule's name (「买家要向平台投诉或申请介入」); a rule without one is called by its
    category (「投诉/监管威胁规则」), a user's rule without one 「自定义规则」."""
    if rule_id in ENGINE_LABELS:
        return ENGINE_LABELS[rule_id]
    name = _names(_files()).get(rule_id)
    if name:
        return name
    if rule_id.startswith("user."):
        return f"自定义规则（{category}）" if category else "自定义规则"
    return f"{category}规则" if category else "风险规则"
