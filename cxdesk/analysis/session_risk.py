"""Risk scores (0–100) of sessions and reviews, and the session flags that need more than one message.

Everything tunable is in ``rules/risk_score.json``:

- **flags**: each risk category counts once, at its highest level (高 45, 中 25,
  低 10 points), all categories together at most 80; flags a person marked
  误报 do not count;
- **session extras**: the buyer getting angrier (mean sentiment of the last
  third of the buyer's messages at least 0.25 below the first third), the
  session ending on a negative buyer message nobody answered, repeated strong negative
  messages (激烈情绪);
- **review extras**: the star rating (1★ 30, 2★ 20, 3★ 5), a negative
  sentiment, a 追评 that turned negative;
- **level**: 高 from 60, 中 from 30, 低 from 1, else 无.

Each score comes with a one-line explanation listing its parts, biggest first.

Session flags computed here: 激烈情绪 (``emotion.sentiment``) and 重复咨询
(``repeat.same_issue``: the same buyer back on the same topic within 48 h,
topics being word lists in the same file).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from cxdesk.errors import CxdeskError
from cxdesk.paths import resource_path
from cxdesk.times import stored_datetime

SCORE_FILE = ("rules", "risk_score.json")


@dataclass(frozen=True)
class Score:
    score: int
    level: str
    reasons: str


@dataclass(frozen=True)
class FlagInfo:
    """A flag as the score sees it."""

    category: str
    level: str
    status: str = "待处理"
    text: str = ""


class ScoreConfig:
    def __init__(self, data: dict, source: str = "") -> None:
        try:
            self.data = data
            self.level_points = {k: float(v) for k, v in data["level_points"].items()}
            self.max_flag_points = float(data["max_flag_points"])
            self.levels = sorted(((float(v), k) for k, v in data["levels"].items()), reverse=True)
            self.session = data["session"]
            self.review = data["review"]
            repeat = data["repeat"]
            self.repeat_window = timedelta(hours=float(repeat["window_hours"]))
            self.repeat_level = str(repeat.get("level", "中"))
            self.topics = {str(k): tuple(str(w) for w in v) for k, v in repeat["topics"].items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CxdeskError(f"风险分配置 {source} 格式不对：{exc}") from exc
        digest = hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:8]
        self.version = f"{data.get('version', 'risk-score')}-{digest}"

    @classmethod
    def load(cls, path: Path | None = None) -> ScoreConfig:
        path = path or resource_path(*SCORE_FILE)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise CxdeskError(f"读不了风险分配置 {path}：{exc}") from exc
        return cls(data, str(path))

    def level_of(self, score: float) -> str:
        for floor, level in self.levels:
            if score >= floor:
                return level
        return "无"


@lru_cache(maxsize=1)
def default_config() -> ScoreConfig:
    return ScoreConfig.load()


# --- parts -----------------------------------------------------------------------------------


def _flag_parts(flags: Iterable[FlagInfo], config: ScoreConfig) -> list[tuple[float, str]]:
    best: dict[str, FlagInfo] = {}
    for f in flags:
        if f.status == "误报":
            continue
        held = best.get(f.category)
        if held is None or config.level_points.get(f.level, 0) > config.level_points.get(held.level, 0):
            best[f.category] = f
    parts = []
    for category, f in best.items():
        quote = f"“{f.text[:12]}”" if f.text else ""
        parts.append((config.level_points.get(f.level, 0.0), f"{category}·{f.level}{quote}"))
    parts.sort(key=lambda p: -p[0])
    total = sum(p for p, _ in parts)
    if total > config.max_flag_points:  # scale down, keep the order
        parts = [(p * config.max_flag_points / total, r) for p, r in parts]
    return parts


def _finish(parts: list[tuple[float, str]], config: ScoreConfig) -> Score:
    parts = [p for p in parts if p[0] > 0]
    score = int(round(min(100.0, sum(p for p, _ in parts))))
    parts.sort(key=lambda p: -p[0])
    return Score(score, config.level_of(score), "；".join(r for _, r in parts))


def sentiment_drop(buyer_scores: Sequence[float]) -> tuple[float, float] | None:
    """(mean of the first third, mean of the last third) of the buyer's message scores, or None if too few."""
    n = len(buyer_scores)
    if n < 2:
        return None
    k = max(1, n // 3)
    return sum(buyer_scores[:k]) / k, sum(buyer_scores[-k:]) / k


def strong_emotion(buyer_scores: Sequence[tuple[int, float]], config: ScoreConfig) -> list[int]:
    """Seqs of the buyer's strongly negative messages when there are enough of them (激烈情绪)."""
    conf = config.session["strong_emotion"]
    seqs = [seq for seq, s in buyer_scores if s <= float(conf["max_score"])]
    return seqs if len(seqs) >= int(conf["min_messages"]) else []


def score_session(flags: Iterable[FlagInfo], buyer_scores: Sequence[float], config: ScoreConfig, *,
                  ends_with_buyer: bool = False) -> Score:
    """Risk of one session from its flags (message and session flags) and the buyer's message scores;
    ``ends_with_buyer``: the buyer wrote the session's last message (system and bot lines left out)."""
    parts = _flag_parts(flags, config)
    conf = config.session
    drop = sentiment_drop(buyer_scores)
    if drop and len(buyer_scores) >= int(conf["sentiment_drop"]["min_buyer_messages"]) \
            and drop[0] - drop[1] >= float(conf["sentiment_drop"]["min_drop"]):
        parts.append((float(conf["sentiment_drop"]["points"]), f"买家情绪变差（{drop[0]:.2f}→{drop[1]:.2f}）"))
    if ends_with_buyer and buyer_scores and buyer_scores[-1] < 0.4:
        parts.append((float(conf["ends_negative"]["points"]), "以买家的负面消息结束"))
    return _finish(parts, config)


def score_review(flags: Iterable[FlagInfo], rating: int | None, label: str | None, shift: bool,
                 config: ScoreConfig) -> Score:
    parts = _flag_parts(flags, config)
    conf = config.review
    if rating is not None and str(int(rating)) in conf["rating_points"]:
        parts.append((float(conf["rating_points"][str(int(rating))]), f"{int(rating)} 星"))
    if label == "负面":
        parts.append((float(conf["negative_sentiment_points"]), "评价内容负面"))
    if shift:
        parts.append((float(conf["followup_shift_points"]), "追评转差"))
    return _finish(parts, config)


# --- 重复咨询 --------------------------------------------------------------------------------


def topics_of(texts: Iterable[str], config: ScoreConfig) -> set[str]:
    found = set()
    joined = "\n".join(t for t in texts if t)
    for topic, words in config.topics.items():
        if any(w in joined for w in words):
            found.add(topic)
    return found


def repeat_contact(started_at: str | None, topics: set[str],
                   earlier: Sequence[tuple[int, str | None, set[str]]], config: ScoreConfig) -> dict | None:
    """Evidence of a 重复咨询 when an earlier session (id, ended_at, topics) of the same buyer and shop
    ended at most ``window_hours`` before this one started and shares a topic; the latest such one."""
    start = stored_datetime(started_at)
    if start is None or not topics:
        return None
    best = None
    for sid, ended_at, their_topics in earlier:
        end = stored_datetime(ended_at)
        if end is None or end > start or start - end > config.repeat_window:
            continue
        shared = topics & their_topics
        if shared and (best is None or end > best[1]):
            best = (sid, end, shared)
    if best is None:
        return None
    hours = (start - best[1]).total_seconds() / 3600
    return {"previous_session": best[0], "topics": sorted(best[2]), "hours": round(hours, 1)}
