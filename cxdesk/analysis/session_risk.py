"""Risk scores (0–100) of sessions and reviews, and the session flags that need more than one message.

Everything tunable is in ``rules/risk_score.json`` (a copy in the data folder overrides it); the
composition is written out in ``docs/metrics.md`` (风险分). A session's score is the sum of
**causes**, each a different fact that counts once and up to its own cap:

- **rules** (规则): each flag category counts once, at its highest level (高 35, 中 25, 低 10),
  all categories together at most ``session.rules.cap``;
- **tone** (买家语气): the buyer's tone by the sentiment model (gated by :mod:`chat_tone`) — how
  negative the strongest negative buyer turn is, and how many turns were negative, counted up to
  ``full_turns`` (anger that lasts counts more; a long conversation is not by itself riskier) —
  or a 激烈情绪 flag, whichever is higher;
- **course** (走向): the buyer's tone got worse from the first third of at least
  ``min_buyer_turns`` turns to the last (a trend; capped low, as its last turns are also tone's);
- **answer** (回应): the last buyer turn got no real answer — an unanswered question or a
  session nobody answered (服务时效 flags), or a negative last turn answered by nothing or only by
  a line the agent had already sent; one fact, so the highest of these counts, once;
- **wait** (时效): a reply over the platform's limit or slow (服务时效 flags);
- **repeat** (重复咨询): the buyer back on the same topic within 48 h;
- **settled** (结束, a deduction): the buyer's last message closes the matter (谢谢, 好的,
  已经解决 … not negated): ``settled.points`` come off the sum, never below 0.

Flags a person marked 误报 do not count. The level follows from the score (高 from 60, 中 from
35, 低 from 10, else 无): the queue shows that level (:mod:`cxdesk.store.risk_queue`), the flag
keeps its rule's own level.

A review's score: its flags (as the rules cause, at most ``max_flag_points``), the star rating
(1★ 30, 2★ 20, 3★ 5), a negative sentiment, a 追评 that turned negative.

Each score comes with a one-line explanation: every part with the words that triggered it and
its points, biggest first (``投诉/监管威胁·高“我要投诉” +35；买家负面 2/5 轮，最重“…” 0.05 +32；
服务时效·高 买家的提问没有得到回复“还没发货吗” +25（封顶 25）``).

Session flags computed here: 激烈情绪 (``emotion.sentiment``) and 重复咨询
(``repeat.same_issue``: the same buyer back on the same topic within 48 h,
topics being word lists in the same file).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from cxdesk.analysis.session_course import Course
from cxdesk.errors import CxdeskError
from cxdesk.paths import resource_path
from cxdesk.ratings import CLASS_NAMES
from cxdesk.times import stored_datetime

SCORE_FILE = ("rules", "risk_score.json")


@dataclass(frozen=True)
class Score:
    score: int
    level: str
    reasons: str


@dataclass(frozen=True)
class FlagInfo:
    """A flag as the score sees it; ``text`` is the words that triggered it (the evidence span)."""

    category: str
    level: str
    status: str = "待处理"
    text: str = ""
    rule_id: str = ""
    wait_s: float | None = None  # a 服务时效 reply's wait (its evidence)


@dataclass(frozen=True)
class Part:
    """One part of a score: its points and what it says (evidence included)."""

    points: float
    label: str
    note: str = ""  # "（封顶 60）" when a cap cut it

    def describe(self) -> str:
        if self.note and int(round(self.points)) == 0:  # cut to nothing by a cap: say so, not "+0"
            return f"{self.label} 不再加分{self.note}"
        sign = "−" if self.points < 0 else "+"
        return f"{self.label} {sign}{abs(int(round(self.points)))}{self.note}"


#: The session causes besides the rules, in the order the score reads them (see the module doc).
FLAG_CAUSES = ("tone", "answer", "wait", "repeat")


class ScoreConfig:
    def __init__(self, data: dict, source: str = "") -> None:
        try:
            self.data = data
            self.level_points = {k: float(v) for k, v in data["level_points"].items()}
            self.max_flag_points = float(data["max_flag_points"])
            self.levels = sorted(((float(v), k) for k, v in data["levels"].items()), reverse=True)
            self.session = data["session"]
            self.caps = {cause: float(self.session[cause]["cap"]) for cause in ("rules", "course", *FLAG_CAUSES)}
            for cause, keys in (
                ("tone", ("negative_below", "peak_weight", "turns_weight", "full_turns")),
                ("course", ("min_drop", "min_buyer_turns")),
                ("answer", ("ends_negative_points",)),
            ):
                for key in keys:  # read when scoring: a missing or wrong one is reported here, at load
                    if float(self.session[cause][key]) < 0 or (
                        key == "full_turns" and int(self.session[cause][key]) < 1
                    ):
                        raise ValueError(f"session.{cause}.{key}")
            self.cause_rules = [
                (str(prefix), cause) for cause in FLAG_CAUSES for prefix in self.session[cause].get("rule_ids", [])
            ]
            self.cause_categories = {
                str(c): cause for cause in FLAG_CAUSES for c in self.session[cause].get("categories", [])
            }
            self.review = data["review"]
            repeat = data["repeat"]
            self.repeat_window = timedelta(hours=float(repeat["window_hours"]))
            self.repeat_level = str(repeat.get("level", "中"))
            self.topics = {str(k): tuple(str(w) for w in v) for k, v in repeat["topics"].items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CxdeskError(
                f"风险分配置 {source} 格式不对：缺少或无效的 {exc}。"
                "没有使用这个文件；请对照内置的 resources/rules/risk_score.json 改正它。"
            ) from exc
        digest = hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:8]
        self.version = f"{data.get('version', 'risk-score')}-{digest}"

    def cause_of(self, flag: FlagInfo) -> str:
        """Which cause a flag belongs to: by rule id prefix, then by category; else the rules."""
        for prefix, cause in self.cause_rules:
            if flag.rule_id.startswith(prefix):
                return cause
        return self.cause_categories.get(flag.category, "rules")

    @classmethod
    def load(cls, path: Path | None = None) -> ScoreConfig:
        path = path or resource_path(*SCORE_FILE)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise CxdeskError(f"读不了风险分配置 {path}：{exc}") from exc
        return cls(data, str(path))

    def level_of(self, score: float) -> str:
        """The level a score falls in (``levels``: each level's lowest score)."""
        for floor, level in self.levels:
            if score >= floor:
                return level
        return "无"


@lru_cache(maxsize=1)
def default_config() -> ScoreConfig:
    return ScoreConfig.load()


# --- parts -----------------------------------------------------------------------------------

#: What a session flag without words says (its rule id).
FLAG_LABELS = {
    "service.no_agent_reply": "整段会话没有客服回复",
    "service.unanswered": "买家的提问没有得到回复",
    "service.over_limit": "客服回复超过时限",
    "service.slow_reply": "客服回复偏慢",
    "emotion.sentiment": "多条强烈负面消息",
    "repeat.same_issue": "同一话题再次咨询",
}
QUOTE_CHARS = 12  # the words quoted in a reason


def quote(text: str) -> str:
    """``“words”`` for a reason: one line, at most :data:`QUOTE_CHARS` characters."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    return f"“{text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + '…'}”"


def wait_text(seconds: float) -> str:
    s = int(round(seconds))
    if s < 120:
        return f"{s} 秒"
    return f"{s // 60} 分钟" if s < 7200 else f"{s / 3600:.1f} 小时"


def _flag_part(f: FlagInfo, config: ScoreConfig, context: str = "") -> Part:
    """A flag's part: its category and level, then what triggered it — the matched words, or for a
    session flag its label with the wait or ``context`` (the buyer's words left without an answer)."""
    if f.text:
        words = quote(f.text)
    else:
        words = f" {FLAG_LABELS[f.rule_id]}" if f.rule_id in FLAG_LABELS else ""
        if f.wait_s is not None:
            words += f"（等待 {wait_text(f.wait_s)}）"
        elif context:
            words += quote(context)
    return Part(config.level_points.get(f.level, 0.0), f"{f.category}·{f.level}{words}")


def _category_parts(flags: Iterable[FlagInfo], config: ScoreConfig) -> list[Part]:
    """Each category once, at its highest level (the first such flag's words)."""
    best: dict[str, FlagInfo] = {}
    for f in flags:
        held = best.get(f.category)
        if held is None or config.level_points.get(f.level, 0) > config.level_points.get(held.level, 0):
            best[f.category] = f
    return sorted((_flag_part(f, config) for f in best.values()), key=lambda p: -p.points)


def capped(parts: list[Part], cap: float, what: str) -> list[Part]:
    """Parts biggest first, each keeping what is left of ``cap``; a cut part says so."""
    out, left = [], cap
    for part in sorted(parts, key=lambda p: -p.points):
        if part.points <= 0 and not part.note:  # nothing to say (an earlier cap's zero keeps its note)
            continue
        kept = min(part.points, max(left, 0.0))
        out.append(part if kept == part.points else Part(kept, part.label, f"（{what}封顶 {cap:g}）"))
        left -= kept
    return out


def strongest(parts: list[Part], cap: float) -> list[Part]:
    """The highest of parts that say one fact, up to ``cap`` (the others say the same: left out)."""
    parts = [p for p in parts if p.points > 0]
    return capped([max(parts, key=lambda p: p.points)], cap, "") if parts else []


def _finish(parts: list[Part], config: ScoreConfig, deduction: Part | None = None) -> Score:
    """The capped sum of ``parts``, less ``deduction`` (a part with negative points, e.g. 结束),
    never below 0; the deduction shows last, and only when there was something to take from."""
    parts = capped(parts, 100.0, "总分")
    total = sum(p.points for p in parts)
    if deduction is not None and total > 0:
        taken = min(-deduction.points, total)
        parts.append(Part(-taken, deduction.label))
        total -= taken
    score = int(round(total))
    return Score(score, config.level_of(score), "；".join(p.describe() for p in parts))


def sentiment_drop(buyer_scores: Sequence[float]) -> tuple[float, float] | None:
    """(mean of the first third, mean of the last third) of the buyer's scores, or None if too few."""
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


# --- session causes from the conversation ----------------------------------------------------


def _strength(score: float, below: float) -> float:
    """How negative a score is: 0 at the negative threshold and above, 1 at 0."""
    return min(1.0, max(0.0, (below - score) / below))


def tone_part(course: Course, config: ScoreConfig) -> Part | None:
    """买家语气: cap × (peak weight × how negative the strongest negative turn is + turns weight ×
    the negative turns counted up to ``full_turns``). A maximum and a count that stops at
    ``full_turns``: one angry line is a signal, anger that lasts turn after turn a stronger one,
    and typing more beyond that does not by itself raise it."""
    conf = config.session["tone"]
    below = float(conf["negative_below"])
    turns = course.scored
    negative = [t for t in turns if t.score < below]  # type: ignore[operator]
    if not negative:
        return None
    worst = min(negative, key=lambda t: t.score)  # type: ignore[arg-type,return-value]
    peak = _strength(worst.score, below)  # type: ignore[arg-type]
    lasting = min(len(negative), int(conf["full_turns"])) / int(conf["full_turns"])
    points = config.caps["tone"] * (float(conf["peak_weight"]) * peak + float(conf["turns_weight"]) * lasting)
    return Part(points, f"买家负面 {len(negative)}/{len(turns)} 轮，最重{quote(worst.text)} {worst.score:.2f}")


def course_part(course: Course, config: ScoreConfig) -> Part | None:
    """走向: the buyer's turns got worse (mean tone of the first third of turns against the last)."""
    conf = config.session["course"]
    scores = [t.score for t in course.scored]
    drop = sentiment_drop(scores) if len(scores) >= int(conf["min_buyer_turns"]) else None  # type: ignore[arg-type]
    if drop is None or drop[0] - drop[1] < float(conf["min_drop"]):
        return None
    return Part(config.caps["course"], f"买家情绪变差 {drop[0]:.2f}→{drop[1]:.2f}")


def answer_part(course: Course, config: ScoreConfig) -> Part | None:
    """回应: the buyer's last turn is negative and got no real answer (none, or a repeated line)."""
    conf = config.session["answer"]
    last = course.last
    if (
        last is None
        or last.score is None
        or last.score >= float(config.session["tone"]["negative_below"])
        or last.really_answered
    ):
        return None
    what = "只得到重复的回复" if last.answered else "没有得到回复"
    return Part(float(conf["ends_negative_points"]), f"买家最后的负面消息{what}{quote(last.text)}")


def settled_part(course: Course, config: ScoreConfig) -> Part | None:
    """结束 (a deduction): the buyer's last message closes the matter — thanks, "solved", "OK" —
    with a cue of ``session.settled.cues`` not negated (没解决 / 还没收到 do not count): a buyer who
    ends with 「好的，谢谢」 or 「已经解决了」 needs a supervisor less than one who stopped
    mid-complaint. The other causes stay as they were; this takes ``points`` off their sum."""
    conf = config.session.get("settled")
    last = course.last
    if not conf or last is None or not last.closing:
        return None
    text = last.closing.lower()
    negators = tuple(conf.get("negators", ()))
    window = int(conf.get("negation_window", 3))
    for cue in conf.get("cues", ()):
        start = text.find(cue)
        while start != -1:
            before = re.split(r"[，,。.！!？?；;、\s]", text[max(0, start - window) : start])[-1]
            if not any(n in before for n in negators):
                return Part(-float(conf["points"]), f"买家最后说{quote(cue)}")
            start = text.find(cue, start + 1)
    return None


def score_session(flags: Iterable[FlagInfo], course: Course, config: ScoreConfig) -> Score:
    """Risk of one session from its flags (message and session flags) and its course (the buyer's
    turns with their tone and answers): the causes of the module doc, each capped, summed."""
    by_cause: dict[str, list[FlagInfo]] = {cause: [] for cause in ("rules", *FLAG_CAUSES)}
    for f in flags:
        if f.status != "误报":
            by_cause[config.cause_of(f)].append(f)
    caps = config.caps
    parts = capped(_category_parts(by_cause["rules"], config), caps["rules"], "规则分")
    from_course = {"tone": tone_part(course, config), "answer": answer_part(course, config)}
    last_words = course.last.text if course.last is not None else ""
    for cause in FLAG_CAUSES:
        context = last_words if cause == "answer" else ""
        found = [_flag_part(f, config, context) for f in by_cause[cause]] + [p for p in [from_course.get(cause)] if p]
        parts += strongest(found, caps[cause])
    parts += [p for p in [course_part(course, config)] if p]
    return _finish(parts, config, settled_part(course, config))


def score_review(
    flags: Iterable[FlagInfo],
    rating: int | None,
    label: str | None,
    shift: bool,
    config: ScoreConfig,
    rating_class: int | None = None,
) -> Score:
    """``rating_class`` (1 差评, 2 中评, 3 好评) counts only for a review without stars (评价等级 words)."""
    parts = capped(_category_parts((f for f in flags if f.status != "误报"), config), config.max_flag_points, "规则分")
    conf = config.review
    if rating is not None and str(int(rating)) in conf["rating_points"]:
        parts.append(Part(float(conf["rating_points"][str(int(rating))]), f"{int(rating)} 星"))
    elif (
        rating is None
        and rating_class in CLASS_NAMES
        and CLASS_NAMES[rating_class] in conf.get("rating_class_points", {})
    ):
        name = CLASS_NAMES[rating_class]
        parts.append(Part(float(conf["rating_class_points"][name]), f"评价等级“{name}”"))
    if label == "负面":
        parts.append(Part(float(conf["negative_sentiment_points"]), "评价内容负面"))
    if shift:
        parts.append(Part(float(conf["followup_shift_points"]), "追评转差"))
    return _finish(parts, config)


# --- 重复咨询 --------------------------------------------------------------------------------


def topics_of(texts: Iterable[str], config: ScoreConfig) -> set[str]:
    found = set()
    joined = "\n".join(t for t in texts if t)
    for topic, words in config.topics.items():
        if any(w in joined for w in words):
            found.add(topic)
    return found


def repeat_contact(
    started_at: str | None, topics: set[str], earlier: Sequence[tuple[int, str | None, set[str]]], config: ScoreConfig
) -> dict | None:
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
