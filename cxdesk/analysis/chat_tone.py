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

Reviews are not gated: there the model's reading is the right one.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from cxdesk.errors import CxdeskError
from cxdesk.paths import resource_path
from cxdesk.textprep import fold, word_pattern

TONE_FILE = ("lexicons", "chat_tone.json")


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
                if data.get("agent_ignored_cues") else None,
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CxdeskError(f"聊天语气词表 {path} 有误：{exc}") from exc

    def _has(self, pattern: re.Pattern, text: str, ignored: re.Pattern | None = None) -> bool:
        for m in pattern.finditer(text):
            if ignored is not None and ignored.fullmatch(m.group()):
                continue
            if not self.negators.search(text, max(0, m.start() - self.window), m.start()):
                return True
        return False

    def adjust(self, texts: list[str], scores: np.ndarray, neg_below: float, pos_above: float,
               roles: list[str] | None = None) -> np.ndarray:
        """Scores of chat messages after gating (a new array; labels follow from the usual thresholds).

        ``roles`` (buyer/agent/…) per text: an agent talking about 退货 or 补发 is doing the job,
        so ``agent_ignored_cues`` do not make an agent's line negative.
        """
        out = np.asarray(scores, dtype=np.float64).copy()
        low, high = self.band
        for i, (text, score) in enumerate(zip(texts, out.tolist())):
            ignored = self.agent_ignored if roles is not None and roles[i] == "agent" else None
            if score < neg_below:
                if not self._has(self.negative, fold(text), ignored):
                    out[i] = low + (high - low) * score / max(neg_below, 1e-9) * 0.5
            elif score > pos_above:
                if score < self.sure_positive and not self._has(self.positive, fold(text)):
                    out[i] = high - (high - low) * 0.5 * (1 - score) / max(1 - pos_above, 1e-9)
        return out


@lru_cache(maxsize=1)
def default_tone() -> ChatTone:
    return ChatTone.load()
