"""Reading and writing ``rules/capability.json`` (KPI thresholds, phrases, capability weights).

No pandas here: the settings page's weights editor uses it when the window is built.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from cxdesk.analysis.agent_metrics import DIMENSIONS
from cxdesk.errors import CxdeskError
from cxdesk.outpaths import write_text_atomic
from cxdesk.paths import resource_path, resources_dir, user_resources_dir


@lru_cache(maxsize=8)
def _read(path: str, mtime: float) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise CxdeskError(f"客服能力模型配置“{path}”无法读取：{exc}。请修正或删除该文件。") from exc


def config_path() -> Path:
    return resource_path("rules", "capability.json")


def load_config() -> dict:
    """capability.json (the user's copy in the data folder wins); re-read when the file changes."""
    path = config_path()
    return _read(str(path), path.stat().st_mtime if path.exists() else 0.0)


def user_config_path() -> Path:
    return user_resources_dir() / "rules" / "capability.json"


def save_weights(weights: dict[str, float]) -> Path:
    """Write the composite weights to the user's copy of capability.json (keeps everything else).

    Raises
    ------
    CxdeskError
        A weight is negative or not a number, or all are zero, or the file cannot be written.
    """
    clean: dict[str, float] = {}
    for key in DIMENSIONS:
        try:
            value = float(weights.get(key, 0))
        except (TypeError, ValueError) as exc:
            raise CxdeskError(f"「{DIMENSIONS[key]}」的权重不是数字。") from exc
        if value < 0 or value != value:
            raise CxdeskError(f"「{DIMENSIONS[key]}」的权重不能为负数。")
        clean[key] = value
    if not any(clean.values()):
        raise CxdeskError("权重不能全部为 0：至少给一个维度设置大于 0 的权重。")
    config = dict(load_config())
    config["weights"] = clean
    path = user_config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(config, ensure_ascii=False, indent=2))
    except OSError as exc:
        raise CxdeskError(f"无法保存权重到“{path}”：{exc.strerror or exc}") from exc
    return path


def reset_weights() -> None:
    """Back to the shipped weights; anything else the user changed in their copy stays."""
    if user_config_path().exists():
        save_weights(shipped_weights())


def shipped_weights() -> dict[str, float]:
    with open(resources_dir() / "rules" / "capability.json", encoding="utf-8") as fh:
        return {k: float(v) for k, v in json.load(fh)["weights"].items()}
