"""Aspect mentions of a review: which part of the product a clause talks about, and how.

The taxonomy is the resource ``lexicons/aspects.json`` (users override it in
their data folder). Each aspect has

- *triggers*: nouns that name it without judging (质量, 物流, 尺码);
- *positive* / *negative* phrases that name it and judge at once (发货快,
  偏小, 有异味, 物美价廉).

Generic opinion words (很好, 失望, 一般般) judge whatever aspect the clause
names; a clause with only generic opinions is about the product as a whole
(the ``overall`` aspect, 整体).

Reading a review: split it into clauses (:func:`cxdesk.textprep.split_clauses`),
find every lexicon word of a clause in one pass (a trie regular expression),
then

1. a judging phrase is a mention of its aspect with its polarity;
2. a trigger takes the first generic opinion after it in the clause, else
   the nearest one before it (「颜色、尺码都不错」 gives both aspects 不错);
   a judging phrase of another aspect right after a trigger judges the
   trigger's aspect instead (「保质期太短」 is about 保质期, not 尺码);
3. generic opinions no trigger took make one 整体 mention;
   *ignore* words (特别, 非常, 差不多) are read and skipped, so the 别 of
   特别 or the 非 of 非常 is never taken for a negator;
4. a negator (不, 没有, 不太 …) at most ``negation_window`` characters before
   a polar word, with no other lexicon word in between, flips it: 「不太满意」
   is negative, 「没有异味」 and 「不油腻」 positive;
5. questions (是正品吗？) and triggers without any opinion give no mention.

Spans are character offsets into the text that was read, so the UI can
highlight the clause and the opinion words in the original review.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cxdesk.errors import CxdeskError
from cxdesk.paths import resource_path
from cxdesk.textprep import fold, split_clauses, word_pattern

ASPECTS_FILE = ("lexicons", "aspects.json")
POLARITIES = ("正面", "中性", "负面")
_FLIP = {"正面": "负面", "负面": "正面", "中性": "中性"}
_QUESTION_END = "?？"
_TAKE_OVER_GAP = 3  # characters between a trigger and a judging phrase of another aspect (很/也/有点)

# Kinds of lexicon words.
_TRIGGER, _JUDGING, _OPINION, _IGNORE = 0, 1, 2, 3


@dataclass(frozen=True)
class Mention:
    aspect: str
    opinion: str
    polarity: str
    span_start: int
    span_end: int
    clause_start: int
    clause_end: int


@dataclass(frozen=True)
class _Word:
    kind: int
    aspect: str | None
    polarity: str | None


class AspectLexicon:
    """The taxonomy compiled for reading: one regular expression and a word table."""

    def __init__(self, data: dict, source: str = "") -> None:
        try:
            self.version = str(data["version"])
            self.overall = str(data.get("overall", "整体"))
            self.window = int(data.get("negation_window", 4))
            negators = [str(w) for w in data.get("negators", [])]
            self.question_words = tuple(str(w) for w in data.get("question_marks", []))
            table: dict[str, _Word] = {}
            names = []
            for aspect in data["aspects"]:
                name = str(aspect["name"]).strip()
                if not name:
                    raise ValueError("方面名称为空")
                names.append(name)
                for word in aspect.get("triggers", []):
                    table.setdefault(fold(word), _Word(_TRIGGER, name, None))
                for polarity, key in (("正面", "positive"), ("负面", "negative"), ("中性", "neutral")):
                    for word in aspect.get(key, []):
                        table[fold(word)] = _Word(_JUDGING, name, polarity)
            for word in data.get("ignore", []):
                table.setdefault(fold(word), _Word(_IGNORE, None, None))
            for polarity, words in data.get("opinions", {}).items():
                if polarity not in POLARITIES:
                    raise ValueError(f"未知的褒贬类别「{polarity}」")
                for word in words:
                    table.setdefault(fold(word), _Word(_OPINION, None, polarity))
        except (KeyError, TypeError, ValueError) as exc:
            raise CxdeskError(f"方面词表 {source or ''} 格式不对：{exc}") from exc
        self.aspects = tuple(dict.fromkeys(names + [self.overall]))
        self._table = table
        self._words = re.compile(word_pattern(table))
        self._negators = re.compile(word_pattern(fold(w) for w in negators))
        self._questions = re.compile(word_pattern(self.question_words)) if self.question_words else None
        digest = hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:8]
        self.fingerprint = f"{self.version}-{digest}"

    @classmethod
    def load(cls, path: Path | None = None) -> AspectLexicon:
        path = path or resource_path(*ASPECTS_FILE)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise CxdeskError(f"读不了方面词表 {path}：{exc}") from exc
        return cls(data, str(path))

    # --- reading --------------------------------------------------------------------------

    def mentions(self, text: str | None) -> list[Mention]:
        """Every aspect mention of ``text``, in reading order."""
        if not text:
            return []
        folded = fold(text)
        if self._words.search(folded) is None:
            return []
        out: list[Mention] = []
        for start, end in split_clauses(text):
            if self._is_question(folded, start, end):
                continue
            out.extend(self._clause(folded, start, end))
        return out

    def _is_question(self, folded: str, start: int, end: int) -> bool:
        if end < len(folded) and folded[end] in _QUESTION_END:
            return True
        if folded[end - 1] in "吗么嘛呢":
            return True
        return self._questions is not None and self._questions.search(folded, start, end) is not None

    def _clause(self, folded: str, start: int, end: int) -> list[Mention]:
        hits = []  # (start, end, word, polarity after negation, opinion start)
        last_end = start
        for m in self._words.finditer(folded, start, end):
            word = self._table[m.group()]
            polarity, op_start = word.polarity, m.start()
            if polarity is not None and polarity != "中性":
                gap_from = max(last_end, m.start() - self.window)
                neg = None
                for n in self._negators.finditer(folded, gap_from, m.start()):
                    neg = n
                if neg is not None:
                    polarity, op_start = _FLIP[polarity], neg.start()
            hits.append((m.start(), m.end(), word, polarity, op_start))
            last_end = m.end()
        if not hits:
            return []
        mentions: list[Mention] = []
        opinions = [h for h in hits if h[2].kind == _OPINION]
        used: set[int] = set()
        taken: set[int] = set()  # judging phrases a trigger right before them took over
        for i, (s, e, word, polarity, op_start) in enumerate(hits):
            if word.kind == _JUDGING and i not in taken:
                mentions.append(Mention(word.aspect, folded[op_start:e], polarity, op_start, e, start, end))
            elif word.kind == _TRIGGER and i + 1 < len(hits) and hits[i + 1][2].kind == _JUDGING \
                    and hits[i + 1][2].aspect != word.aspect and hits[i + 1][4] - e <= _TAKE_OVER_GAP:
                # 「保质期太短」: 太短 judges 尺码 on its own, but here it judges the 保质期 right before it.
                _, ne, _, npol, nop = hits[i + 1]
                taken.add(i + 1)
                mentions.append(Mention(word.aspect, folded[nop:ne], npol, nop, ne, start, end))
            elif word.kind == _TRIGGER:
                after = [h for h in opinions if h[0] >= e]
                before = [h for h in opinions if h[1] <= s]
                chosen = after[0] if after else (before[-1] if before else None)
                if chosen is None:
                    continue
                used.add(chosen[0])
                mentions.append(Mention(word.aspect, folded[chosen[4]:chosen[1]], chosen[3], chosen[4], chosen[1],
                                        start, end))
        left = [h for h in opinions if h[0] not in used]
        if left and not any(m.aspect == self.overall for m in mentions):
            score = sum(1 if h[3] == "正面" else -1 if h[3] == "负面" else 0 for h in left)
            polarity = "正面" if score > 0 else "负面" if score < 0 else "中性"
            pick = next((h for h in left if h[3] == polarity), left[0])
            mentions.append(Mention(self.overall, folded[pick[4]:pick[1]], polarity, pick[4], pick[1], start, end))
        # Two triggers of one aspect sharing an opinion (「客服回复很及时」) are one mention.
        unique = {(m.aspect, m.span_start): m for m in mentions}
        return sorted(unique.values(), key=lambda m: (m.span_start, m.aspect))


@lru_cache(maxsize=1)
def default_lexicon() -> AspectLexicon:
    return AspectLexicon.load()
