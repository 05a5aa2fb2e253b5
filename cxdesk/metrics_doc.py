"""The definitions behind every number (``docs/metrics.md``), by section, for the pages' ? buttons.

The same text the repository documents is what the app shows: a page asks for its topic and gets
the Markdown of the matching sections (a ``##`` section with its ``###`` subsections).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Page topic → the headings (their start) of the sections it shows, in order.
TOPICS: dict[str, tuple[str, ...]] = {
    "overview": ("总览与报告的期间", "评分类别", "风险分"),
    "risk": ("风险分",),
    "agents": ("基本规则", "指标", "能力模型", "与平台报表的差别"),
    "reviews": ("评价情感与方面", "评分类别"),
}
TITLES = {
    "overview": "总览的数字怎么算",
    "risk": "风险分怎么算",
    "agents": "客服绩效的指标怎么算",
    "reviews": "评价分析的数字怎么算",
}


def metrics_path() -> Path:
    """``docs/metrics.md``: beside the code in a checkout, under ``docs/`` in a PyInstaller build."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "docs" / "metrics.md"
    return Path(__file__).resolve().parent.parent / "docs" / "metrics.md"


def sections(text: str, headings: tuple[str, ...]) -> str:
    """The ``##`` sections whose title starts with one of ``headings`` (with their subsections)."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    out = []
    for heading in headings:
        for n, i in enumerate(starts):
            if lines[i][3:].startswith(heading):
                end = starts[n + 1] if n + 1 < len(starts) else len(lines)
                out.append("\n".join(lines[i:end]).strip())
                break
    return "\n\n".join(out)


def topic_markdown(topic: str) -> str:
    """The Markdown a page's ? button shows; a plain sentence when the file is missing."""
    try:
        text = metrics_path().read_text("utf-8")
    except OSError:
        return f"找不到指标说明文件（{metrics_path()}），安装可能不完整。"
    body = sections(text, TOPICS.get(topic, ()))
    return body or "（指标说明中没有这一部分。）"
