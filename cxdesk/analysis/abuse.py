"""辱骂 by the abusive-language classifier, confirmed by an abusive word.

The COLD classifier (:mod:`cxdesk.analysis.offensive`) was trained on social-media comments
about race, region and gender: on shop and helpdesk chats it also scores angry but civil
complaints high (「你们这么墨迹」, 「骗子！」, 「太恶心了」) and idioms with a 滚 in them
(「…财源滚滚…」 0.99). On the hand-labelled lines of ``bench/data/abuse_lines.csv``, 26 of
its 27 flags on lines without an abusive word were not abuse. So a classifier flag needs both:

1. an **abusive word** in the message: a hit of the pack's word-aware 辱骂 rules for the
   sender's role (whole words, outside the allow-list: see :mod:`cxdesk.analysis.risk_words`);
2. a **classifier score** at or above the model's threshold, on the text with the
   allow-listed phrases (财源滚滚, 有病请就医 …) taken out first.

The flag's evidence is the abusive word (its span in the message) and the score; its level
is :data:`ABUSE_LEVELS`. A message with an abusive word the classifier does not confirm keeps
the rule's own flag (``abuse.buyer`` 中, ``abuse.agent`` 高 in the bundled pack): the two
together say "abusive word" (rule) and "abusive message" (rule + classifier).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cxdesk.analysis.offensive import OffensiveModel
from cxdesk.analysis.risk_rules import Hit, RulePack

# Level of a confirmed 辱骂 flag by sender: an agent insulting a buyer is the worse case.
ABUSE_LEVELS = {"agent": "高", "buyer": "中"}
ABUSE_CATEGORY = "辱骂"
_GAP = " "  # what an allow-listed phrase becomes before scoring


@dataclass(frozen=True)
class AbuseFinding:
    """A confirmed abusive message: the abusive word (``start``/``end``/``word``) and the score."""

    start: int
    end: int
    word: str
    score: float

    def evidence(self) -> list[dict]:
        return [{"start": self.start, "end": self.end, "text": self.word, "score": round(self.score, 3)}]


def without_phrases(text: str, phrases: Sequence[str]) -> str:
    """``text`` with every (case-insensitive) occurrence of ``phrases`` replaced by a space."""
    low = text.lower()
    if len(low) != len(text) or not any(p in low for p in phrases):
        return text
    keep = [True] * len(text)
    for phrase in phrases:
        i = low.find(phrase)
        while i != -1:
            keep[i : i + len(phrase)] = [False] * len(phrase)
            i = low.find(phrase, i + len(phrase))
    out, gap = [], False
    for ch, kept in zip(text, keep):
        if kept:
            out.append(ch)
        elif not gap:
            out.append(_GAP)
        gap = not kept
    return "".join(out)


class AbuseJudge:
    """Finds confirmed abusive messages with one rule pack and one classifier."""

    def __init__(self, pack: RulePack, model: OffensiveModel) -> None:
        self.pack = pack
        self.model = model
        self.version = f"{model.version}|{pack.version}"  # the pack's version covers the allow-list

    def abusive_word(self, text: str, role: str, protected: tuple[str, ...] = ()) -> Hit | None:
        """The first hit of a word-aware 辱骂 rule in ``text`` for ``role``, or None."""
        hits = [
            h
            for h in self.pack.match(text, role, protected)
            if h.category == ABUSE_CATEGORY and self.pack.rules[h.rule_id].word_aware
        ]
        return hits[0] if hits else None

    def judge(
        self, rows: Sequence[tuple[str, str]], protected: Sequence[tuple[str, ...]] | None = None
    ) -> list[AbuseFinding | None]:
        """(text, role) rows → a finding per confirmed abusive message, else None."""
        words = [
            self.abusive_word(text or "", role, protected[i] if protected else ()) if role in ABUSE_LEVELS else None
            for i, (text, role) in enumerate(rows)
        ]
        todo = [i for i, w in enumerate(words) if w is not None]
        out: list[AbuseFinding | None] = [None] * len(rows)
        if not todo:
            return out
        scores = self.model.predict_scores([without_phrases(rows[i][0], self.pack.allow) for i in todo])
        for i, score in zip(todo, scores.tolist()):
            if score >= self.model.threshold:
                word = words[i]
                out[i] = AbuseFinding(word.start, word.end, word.text, score)
        return out
