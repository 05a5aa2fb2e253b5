"""Word-level checks of risk rule hits: abusive words as words, negation, fear and doubt, settled problems, praise.

Checks the rule pack (:mod:`cxdesk.analysis.risk_rules`) applies after a trigger word matched:

- **Word-aware rules** (``"word_aware": true``, the 辱骂 rules): a hit counts only when it is a
  word of the text, not a piece of a longer one. The text is cut into words by jieba
  (:class:`cxdesk.textprep.Tokenizer`, with the user dictionary, the rules' own words and
  the allow-list as dictionary words); a one-character hit must be a word by itself, and
  no word may cross the edge of a longer hit, so 滚 does not fire inside 滚轴 / 滚动 /
  财源滚滚 and 你妈 not inside 你妈妈 (a word that holds the whole hit, 真他妈, is fine). Hits of
  Latin-letter words (sb, tmd) are already whole words (they must stand alone).
  A hit that overlaps a phrase of the **allow-list** ``lexicons/abuse_allow.txt``
  (有病请就医, 废物利用, 宝妈, 操碎了心 …) never counts; users add phrases in a copy of
  the file in the data folder's ``resources/lexicons/``. jieba is loaded only when a
  word-aware rule first matches something (about a second, once per process).
- **Negation right before a trigger** (``state_negators`` of the pack: 无破损, 没有破损,
  不是假货, 未过期): for ``negatable`` rules, a state negator directly before the trigger
  — or separated from it by at most two of the pack's ``negation_fillers`` (没有任何破损,
  没发现有破损) — cancels the hit. Unlike the pack's ``negators`` (intent: 不会给差评,
  up to ``negation_window`` characters before) these must touch the trigger, so
  「还没用就坏了」 still fires.
- **Fear, conditions and doubt** (rules marked ``"hypothetical": true``, 质量/假货): a marker of
  the pack's ``hypothetical_markers`` (怕, 担心, 如果, 万一, 以为) earlier in the same clause,
  at most :data:`HYPOTHETICAL_WINDOW` characters before the trigger, cancels the hit —
  「怕坏了所以多买了一个」, 「就担心是假货」, 「还以为坏了，原来是水压不够」 report nothing broken
  or fake (恐怕 / 可怕, the pack's ``hypothetical_not``, are no such marker). A doubt (the
  pack's ``doubt_markers``: 不知道是不是正品, 会不会是假货) cancels the hit only in a review not
  read as negative (:func:`calm`): in an unhappy review it is the buyer's suspicion. Threat
  rules are not marked: 「如果再不处理就投诉」 is a threat.
- **Settled in the buyer's own words** (rules marked ``"resolvable": true``, 商品损坏): a marker of
  the pack's ``resolved_markers`` after the trigger, at most :data:`RESOLVED_WINDOW` characters on
  (clauses and sentences may lie between), cancels the hit — the shop already put it right
  (「坏了一个，联系售后，当天就把钱退我了」, 「不过服务很到位，解决了问题」, 「又给补发了」) or the
  buyer accepts it as it is (「有一个坏了一点点，正常现象」, 「不影响使用」). Not when the marker
  is negated (没解决了问题) or followed, in the same sentence and within
  :data:`RESOLVED_UNDO_WINDOW` characters, by one of the pack's ``resolved_undo`` (补发了吗, 补发了，
  还是坏的, 说补发了，至今没收到): the problem goes on. A partial refund or a coupon (退了10块,
  给了三元券) is no marker: the buyer may or may not be content with it.
- **Doubt level** (rules with a ``doubt_level``): a doubt (``doubt_markers``) in a review read
  as negative, or in a chat, is a hit at that level instead of the rule's own (不知道是不是正品 in an
  unhappy review is 低, not 高: the buyer asks, but does not claim a fake).
- **Rule excludes** (``exclude`` phrases, RE2 ``exclude_patterns``, in the rule pack): a hit
  inside a compound or a known harmless phrase does not count — 垃圾袋 / 垃圾桶 (but 扔进垃圾桶),
  累坏了, 心都碎了, 2020年过期, damage the buyer's side did (给小孩摔坏了), an old item that
  broke before this purchase (那个坏了，就又买了一个).
- **Praise**: a review that praises its product (:func:`praises`: 4–5★ and not read as
  negative; or no stars and read as positive) gets no flag from rules marked
  ``"skip_in_praise": true`` — weak triggers a happy buyer mentions in passing
  (「有一个坏了，其他都很好」, 「以前总怕买到假货」).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from cxdesk.paths import resource_path
from cxdesk.ratings import BAD, GOOD

ALLOW_FILE = ("lexicons", "abuse_allow.txt")
PRAISE_MIN_RATING = 4  # stars from which a review not read as negative praises its product
CALM_MIN_RATING = 3  # stars from which a review not read as negative is calm (no weak triggers, no doubts)
MAX_FILLERS = 2  # filler words allowed between a state negator and the trigger (没发现有破损)
HYPOTHETICAL_WINDOW = 8  # characters before a trigger searched for a fear/doubt/condition marker
RESOLVED_WINDOW = 40  # characters after a trigger searched for a "settled" marker (补发了, 解决了问题)
RESOLVED_UNDO_WINDOW = 10  # characters after that marker, in its sentence, searched for its undoing (还是, 吗)
_SENTENCE_END = re.compile(r"[。.！!？?\n]")
_CLAUSE_END = re.compile(r"[，,。.！!？?；;：:…~～\s]")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def read_phrases(path: Path | None = None) -> tuple[bytes, tuple[str, ...]]:
    """(file bytes, phrases) of a phrase list: one per line, ``#`` starts a comment; lower-cased."""
    path = path or resource_path(*ALLOW_FILE)
    try:
        raw = path.read_bytes()
    except OSError:
        return b"", ()
    phrases = []
    for line in raw.decode("utf-8-sig", errors="replace").splitlines():
        phrase = line.split("#", 1)[0].strip().lower()
        if phrase:
            phrases.append(phrase)
    return raw, tuple(sorted(set(phrases), key=len, reverse=True))


def praises(rating: int | None, label: str | None, rating_class: int | None = None) -> bool:
    """True when a review praises its product: 4–5★ (or, without stars, 评价等级 好评) and not read
    as 负面, or no rating at all and read as 正面."""
    if rating is not None:
        return int(rating) >= PRAISE_MIN_RATING and label != "负面"
    if rating_class is not None:
        return rating_class == GOOD and label != "负面"
    return label == "正面"


def calm(rating: int | None, label: str | None, rating_class: int | None = None) -> bool:
    """True when a review is not read as negative (正面 or 中性) and has no stars or 3 or more (or,
    without stars, is not a 差评): its weak (中/低-level) triggers and its doubts (不知道是不是正品)
    are no complaint."""
    if label not in ("正面", "中性"):
        return False
    if rating is None:
        return rating_class != BAD
    return int(rating) >= CALM_MIN_RATING


def state_negated(
    work: str, start: int, negators: tuple[str, ...], fillers: tuple[str, ...], max_fillers: int = MAX_FILLERS
) -> bool:
    """True when a state negator ends right before ``start`` in ``work``, or at most
    ``max_fillers`` filler words before it (没有任何破损, 没发现有破损)."""
    before = work[max(0, start - 16) : start]
    if any(before.endswith(n) for n in negators):
        return True
    return max_fillers > 0 and any(
        before.endswith(f) and state_negated(before, len(before) - len(f), negators, fillers, max_fillers - 1)
        for f in fillers
    )


def hypothetical(
    work: str, start: int, markers: tuple[str, ...], not_markers: tuple[str, ...], window: int = HYPOTHETICAL_WINDOW
) -> bool:
    """True when a marker of fear, doubt or a condition (怕, 担心, 以为, 会不会, 如果: the pack's
    ``hypothetical_markers``) stands in the same clause as the trigger at ``start``, at most
    ``window`` characters before it: 「怕坏了」, 「就担心是假货」, 「还以为坏了」 say nothing broke.
    A marker inside one of ``not_markers`` (恐怕 "probably", 可怕) does not count."""
    lo = max(0, start - window)
    ends = [m.end() for m in _CLAUSE_END.finditer(work, lo, start)]
    lo = ends[-1] if ends else lo
    for marker in markers:
        i = work.find(marker, lo, start)
        while i != -1:
            if not any(
                work.startswith(n, i - n.find(marker)) for n in not_markers if marker in n and i - n.find(marker) >= 0
            ):
                return True
            i = work.find(marker, i + 1, start)
    return False


def resolved(
    work: str,
    end: int,
    markers: tuple[str, ...],
    undo: tuple[str, ...],
    negators: tuple[str, ...] = (),
    fillers: tuple[str, ...] = (),
    window: int = RESOLVED_WINDOW,
) -> bool:
    """True when a marker that the problem is settled (the pack's ``resolved_markers``: 补发了,
    把钱退我了, 解决了问题, 正常现象) stands after the trigger ending at ``end``, starting at most
    ``window`` characters on, not negated right before it (没解决了: ``negators`` / ``fillers``
    as in :func:`state_negated`) and not followed in its sentence, within
    :data:`RESOLVED_UNDO_WINDOW` characters, by an ``undo`` phrase (吗, 还是, 至今没收到)."""
    for marker in markers:
        i = work.find(marker, end, end + window + len(marker))
        while i != -1:
            after = work[i + len(marker) : i + len(marker) + RESOLVED_UNDO_WINDOW]
            stop = _SENTENCE_END.search(after)  # the sentence end counts: 补发了？
            after = after[: stop.end()] if stop else after
            if not any(u in after for u in undo) and not state_negated(work, i, negators, fillers):
                return True
            i = work.find(marker, i + 1, end + window + len(marker))
    return False


class WordAware:
    """Decides whether a trigger hit is a whole word of the text and not an allow-listed phrase."""

    def __init__(self, words: Iterable[str], allow: tuple[str, ...]) -> None:
        self.allow = allow
        # Multi-character trigger words and the allow-list become dictionary words, so jieba keeps
        # slang whole (特么, 日了狗) and the allowed phrases too (宝妈, 脑残粉). Single characters keep
        # jieba's own frequencies: forcing 滚 would split 滚轴.
        self._dict_words = sorted(
            {w.lower() for w in words if len(w) > 1 and not _ASCII_WORD.fullmatch(w.lower())} | set(allow)
        )
        self._tokenizer = None
        self._last: tuple[str, frozenset[tuple[int, int]]] = ("", frozenset())

    def keeps(self, work: str, start: int, end: int) -> bool:
        """Whether the hit ``work[start:end]`` counts (``work`` is the lower-cased text)."""
        for phrase in self.allow:
            i = work.find(phrase, max(0, start - len(phrase) + 1), end + len(phrase) - 1)
            if i != -1 and i < end and i + len(phrase) > start:
                return False
        if _ASCII_WORD.fullmatch(work[start:end]):
            return True  # Latin-letter words are matched only where they stand alone
        spans = self._spans(work)
        if end - start == 1:  # one character must be a word by itself: 滚 yes, 滚轴 / 财源滚滚 no
            return (start, end) in spans
        # Longer hits: no word may cross an edge of the hit (你妈|妈妈, 宝|妈的); a word holding the
        # whole hit is fine (真他妈, 去死吧) — whole words that are not abuse are in the allow-list.
        return not any(
            a < end and b > start and (a < start or b > end) and not (a <= start and b >= end) for a, b in spans
        )

    def _spans(self, work: str) -> frozenset[tuple[int, int]]:
        if self._last[0] != work:
            if self._tokenizer is None:
                from cxdesk.textprep import Tokenizer

                self._tokenizer = Tokenizer(self._dict_words)
            self._last = (work, frozenset(self._tokenizer.spans(work)))
        return self._last[1]
