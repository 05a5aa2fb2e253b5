"""Tone of chat messages: the review-trained model, gated by cue words.

The shipped sentiment model learned from reviews, where a text that does
not praise usually complains. Chat is different: most messages are plain
questions and answers (「几天发货」「运费谁出」「亲，48小时内发货哦」), which the
model scores low. Left as they are, two thirds of the demo's chat messages
came out 负面 and a buyer's "sentiment trajectory" meant nothing.

So a chat message is

- 负面 only when the model says so *and* it holds a negative cue word
  (垃圾, 退款, 太慢, 😡 … — ``lexicons/chat_tone.json``, not negated: 「不生气」);
- 正面 when the model says so and it holds a positive cue (谢谢, 好评, 👍), or
  the model is very sure (``sure_positive``);
- otherwise 中性, with the score squeezed into the neutral band, so that
  averages and charts over scores agree with the labels.

A buyer's line has the opposite bias: a negative buyer line is the signal the
risk score ranks by, and the cue words alone hid anger they do not list
(「你们太黑了吧！」 0.08 → 0.46, 「…一味让我等…」 0.22 → 0.47). So a buyer's
negative model score is also kept when the line shows displeasure in a way
words lists miss: anger punctuation (！), words of the buyer list
(``buyer_negative_cues``: 太黑, 忽悠, 答非所问, 霸王条款 …) or a pattern of
``buyer_negative_patterns`` (RE2, like rule patterns: waiting with nobody
getting back, 「至今没有…」, 「让我等」, 「都54小时了」 …). Plain questions,
statements and short replies (「几天发货」「好的」「没了」) stay 中性: on real shop
chats the model alone calls 61 % of buyer lines negative (JDDC; 70 % on the
demo), which is why the gate exists. Agents' lines keep the gate as it was.

Reviews are not gated: there the model's reading is the right one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from cxdesk.analysis.rule_patterns import RuleError, any_matcher, check_pattern, encode_text
from cxdesk.errors import CxdeskError
from cxdesk.paths import resource_path
from cxdesk.textprep import fold, word_pattern

TONE_FILE = ("lexicons", "chat_tone.json")
_MARKS_AND_SPACE = re.compile(r"[\s\W_]+")  # what is left is the line's words (汉字, letters, digits)
_CLAUSE_END = re.compile(r"[\s,.!?;:~，。！？；：、…]")  # a negator does not reach past these ("不买，垃圾")


@dataclass(frozen=True)
class ChatTone:
    version: str
    negative: re.Pattern
    positive: re.Pattern
    negators: re.Pattern
    window: int
    band: tuple[float, float]
    sure_positive: float
    agent_ignored: re.Pattern | None = None
    buyer_ignored: re.Pattern | None = None
    buyer_negative: re.Pattern | None = None
    buyer_marks: re.Pattern | None = None
    buyer_marks_min_chars: int = 5
    buyer_patterns: Callable[[bytes], bool] = field(default=lambda data: False, compare=False, repr=False)

    @classmethod
    def load(cls, path: Path | None = None) -> ChatTone:
        path = path or resource_path(*TONE_FILE)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
            low, high = (float(x) for x in data.get("neutral_band", (0.4, 0.6)))
            if not 0 <= low < high <= 1:
                raise ValueError("neutral_band 应为 0–1 之间的两个递增的数")
            digest = hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:8]
            return cls(
                version=f"{data['version']}-{digest}",
                negative=re.compile(word_pattern(fold(w) for w in data["negative_cues"])),
                positive=re.compile(word_pattern(fold(w) for w in data["positive_cues"])),
                negators=re.compile(word_pattern(fold(w) for w in data.get("negators", []))),
                window=int(data.get("negation_window", 2)),
                band=(low, high),
                sure_positive=float(data.get("sure_positive", 0.9)),
                agent_ignored=re.compile(word_pattern(fold(w) for w in data.get("agent_ignored_cues", [])))
                if data.get("agent_ignored_cues")
                else None,
                buyer_ignored=re.compile(word_pattern(fold(w) for w in data.get("buyer_topic_cues", [])))
                if data.get("buyer_topic_cues")
                else None,
                buyer_negative=re.compile(word_pattern(fold(w) for w in data.get("buyer_negative_cues", []))),
                buyer_marks=re.compile(word_pattern(fold(w) for w in data.get("buyer_anger_marks", []))),
                buyer_marks_min_chars=int(data.get("buyer_marks_min_chars", 5)),
                buyer_patterns=any_matcher(
                    [check_pattern(p, "buyer_negative_patterns") for p in data.get("buyer_negative_patterns", [])]
                ),
            )
        except (OSError, ValueError, KeyError, TypeError, RuleError) as exc:
            raise CxdeskError(f"聊天语气词表 {path} 有误：{exc}") from exc

    def _has(self, pattern: re.Pattern, text: str, ignored: re.Pattern | None = None) -> bool:
        for m in pattern.finditer(text):
            if ignored is not None and ignored.fullmatch(m.group()):
                continue
            before = _CLAUSE_END.split(text[max(0, m.start() - self.window) : m.start()])[-1]  # this clause only
            if not self.negators.search(before):
                return True
        return False

    def buyer_displeased(self, folded: str) -> bool:
        """A buyer's (folded) line shows displeasure beyond the shared cue words: a word of the buyer
        list (not negated), a buyer pattern, or anger marks (！) in a line of some length without
        a positive cue (「是的!」「谢谢你!」 are not angry)."""
        if (self.buyer_negative is not None and self._has(self.buyer_negative, folded)) or self.buyer_patterns(
            encode_text(folded)
        ):
            return True
        return (
            self.buyer_marks is not None
            and self.buyer_marks.search(folded) is not None
            and len(_MARKS_AND_SPACE.sub("", folded)) >= self.buyer_marks_min_chars
            and not self._has(self.positive, folded)
        )

    def topic_only(self, text: str) -> bool:
        """A buyer's line whose only negative cues name a topic (``buyer_topic_cues``: 「我要退款」
        「太贵了」), with no other sign of displeasure. Its 负面 label stands (a buyer ending on a
        return is no happy ending), but the risk score does not count it as the buyer's tone: the
        request is the 退款退货纠纷 rule's to count, and counting it twice is what issue 15 removed."""
        if self.buyer_ignored is None:
            return False
        folded = fold(text or "")
        return (
            self._has(self.buyer_ignored, folded)
            and not self._has(self.negative, folded, self.buyer_ignored)
            and not self.buyer_displeased(folded)
        )

    def adjust(
        self, texts: list[str], scores: np.ndarray, neg_below: float, pos_above: float, roles: list[str] | None = None
    ) -> np.ndarray:
        """Scores of chat messages after gating (a new array; labels follow from the usual thresholds).

        ``roles`` (buyer/agent/…) per text: an agent talking about 退货 or 补发 is doing the job,
        so ``agent_ignored_cues`` do not make an agent's line negative; a buyer's negative score is
        also kept on the buyer cues and patterns (:meth:`buyer_displeased`).
        """
        out = np.asarray(scores, dtype=np.float64).copy()
        low, high = self.band
        for i, (text, score) in enumerate(zip(texts, out.tolist())):
            role = roles[i] if roles is not None else None
            ignored = self.agent_ignored if role == "agent" else None
            if score < neg_below:
                folded = fold(text)
                if not (self._has(self.negative, folded, ignored) or role == "buyer" and self.buyer_displeased(folded)):
                    out[i] = low + (high - low) * score / max(neg_below, 1e-9) * 0.5
            elif score > pos_above:
                if score < self.sure_positive and not self._has(self.positive, fold(text)):
                    out[i] = high - (high - low) * 0.5 * (1 - score) / max(1 - pos_above, 1e-9)
        return out


@lru_cache(maxsize=1)
def default_tone() -> ChatTone:
    return ChatTone.load()
