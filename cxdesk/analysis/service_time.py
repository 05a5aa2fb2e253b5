"""服务时效: slow, over-limit and missing agent replies, per platform rules.

Thresholds are data (``rules/service_time.json``): Taobao/JD/Douyin warn at
100 s and count 3 minutes as over the limit; PDD's 1 hour is counted only
between 08:00 and 23:00. A session gets at most one flag per kind, with the
worst turn as evidence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from cxdesk.analysis.turns import Turn
from cxdesk.paths import resource_path
from cxdesk.times import stored_datetime


@dataclass(frozen=True)
class PlatformTiming:
    warn_s: float
    limit_s: float
    counted_hours: tuple[int, int] | None


@dataclass(frozen=True)
class ServiceFlag:
    rule_id: str
    category: str
    level: str
    evidence: dict


@lru_cache(maxsize=4)
def _config(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_config() -> dict:
    return _config(str(resource_path("rules", "service_time.json")))


def timing_for(platform: str, config: dict | None = None) -> PlatformTiming:
    conf = (config or load_config())["platforms"]
    p = conf.get(platform) or conf["default"]
    hours = tuple(p["counted_hours"]) if p.get("counted_hours") else None
    return PlatformTiming(float(p["warn_s"]), float(p["limit_s"]), hours)  # type: ignore[arg-type]


def counted_seconds(start: str | None, end: str | None, hours: tuple[int, int] | None) -> float | None:
    """Seconds between two times, counting only ``hours`` (from, to) of each day if given;
    None when either time is missing, unreadable or implausible (an older store may hold such)."""
    a, b = stored_datetime(start), stored_datetime(end)
    if a is None or b is None:
        return None
    if hours is None or b <= a:
        return (b - a).total_seconds()
    total = 0.0
    day = a.replace(hour=0, minute=0, second=0)
    while day <= b:
        lo, hi = day + timedelta(hours=hours[0]), day + timedelta(hours=hours[1])
        total += max(0.0, (min(b, hi) - max(a, lo)).total_seconds())
        day += timedelta(days=1)
    return total


_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def is_closing(text: str | None, config: dict) -> bool:
    """A last buyer line that needs no answer (谢谢, 好的, 嗯嗯 …)."""
    if not text:
        return False
    core = _PUNCT.sub("", text).lower()
    phrases = {_PUNCT.sub("", p).lower() for p in config.get("closing_phrases", [])}
    return not core or core in phrases


def needs_answer(text: str | None, config: dict) -> bool:
    """An unanswered buyer turn matters when it asks something (and is not a closing line)."""
    if not text or is_closing(text, config):
        return False
    return any(m in text for m in config.get("question_markers", ["?", "？"]))


def session_flags(turns: list[Turn], platform: str, config: dict | None = None) -> list[ServiceFlag]:
    """The 服务时效 flags of one session from its buyer turns."""
    conf = config or load_config()
    timing = timing_for(platform, conf)
    flags: list[ServiceFlag] = []
    if turns and not any(t.answered for t in turns):
        flags.append(
            ServiceFlag(
                "service.no_agent_reply",
                "服务时效",
                conf["no_agent_reply_level"],
                {"seq": turns[0].first_seq, "turns": len(turns)},
            )
        )
    elif any(not t.answered and needs_answer(t.last_text, conf) for t in turns):
        t = next(t for t in turns if not t.answered and needs_answer(t.last_text, conf))
        flags.append(
            ServiceFlag(
                "service.unanswered",
                "服务时效",
                conf["unanswered_level"],
                {"seq": t.first_seq, "started_at": t.started_at},
            )
        )
    waits = [
        (wait, t)
        for t in turns
        if t.answered and (wait := counted_seconds(t.started_at, t.reply_at, timing.counted_hours)) is not None
    ]
    if waits:
        worst, turn = max(waits, key=lambda w: w[0])
        evidence = {"seq": turn.first_seq, "reply_seq": turn.reply_seq, "wait_s": worst, "agent": turn.replied_by}
        if worst > timing.limit_s:
            flags.append(ServiceFlag("service.over_limit", "服务时效", "中", evidence))
        elif worst > timing.warn_s:
            flags.append(ServiceFlag("service.slow_reply", "服务时效", "低", evidence))
    return flags
