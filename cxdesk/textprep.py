"""Text preparation shared by every analysis that reads words: clean, split, tokenise.

- :func:`clean` normalises a text for reading words out of it: full-width to
  half-width, lower case, URLs / platform placeholders (``[订单x]``) / order
  and phone numbers / emoji removed, repeats and spaces collapsed. It changes
  offsets, so nothing that reports character spans uses it.
- :func:`fold` is the offset-preserving part (width and case folding only):
  the aspect reader matches words on ``fold(text)`` and reports spans that
  index into the original text.
- :func:`split_clauses` cuts a text into clauses at punctuation, line breaks
  and turns such as 但是 / 不过, returning spans into the original text.
- :class:`Tokenizer` is jieba with a user dictionary: product and brand names
  taken from the shop's imported product titles and SKU values
  (:func:`product_words`), plus the user-editable file
  ``lexicons/user_dict.txt`` (a copy in the data folder's ``resources/``
  overrides the bundled one). jieba is imported only when a tokenizer is
  first used: loading its dictionary takes about a second.

The sentiment model has its own, frozen normaliser (``analysis/_text_norm``):
its weights were trained on exactly that function's output.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from cxdesk.analysis._text_norm import normalise as _normalise
from cxdesk.paths import resource_path

USER_DICT_FILE = ("lexicons", "user_dict.txt")

_FULL_TO_HALF = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_TO_HALF[0x3000] = 0x20

# Long digit runs are order numbers, phone numbers, tracking numbers: not words.
_NUMBERS = re.compile(r"(?<![0-9a-z])(?:\d[\d-]{8,}\d)(?![0-9a-z])")
# Emoji and pictographs, variation selectors, zero-width joiners.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\ufe0f\u200d\u2b50\u2b55\u231a-\u231b]+"
)
_SPACES = re.compile(r"\s+")

# Clause boundaries: punctuation and line breaks (kept out of the clause), and
# contrast words (kept at the start of the next clause: 「但是质量一般」).
_CLAUSE_PUNCT = re.compile(
    r"[，,。．！!？?；;～~…\n\r\t]+|(?<![0-9])\.(?![0-9])|\s{2,}"
    r"|(?<=[\u4e00-\u9fff]) (?=\S)|(?<=\S) (?=[\u4e00-\u9fff])"
)
_HAS_SPACE = re.compile(r"\s")
_CONTRAST = re.compile(r"(?<=[\u4e00-\u9fff])(?=但是|不过|可是|然而|只是|就是有点|就是太)")


def fold(text: str) -> str:
    """Full-width → half-width and lower case; same length as ``text`` (offsets stay valid)."""
    return text.translate(_FULL_TO_HALF).lower()


def clean(text: str | None) -> str:
    """Normalised text for word statistics: no URLs, placeholders, long numbers or emoji."""
    text = _normalise(text)
    if not text:
        return ""
    text = _NUMBERS.sub(" ", text)
    text = _EMOJI.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def split_clauses(text: str | None) -> list[tuple[int, int]]:
    """(start, end) of each non-empty clause of ``text``, in order.

    >>> t = "物流很快，但是尺码偏小!"
    >>> [t[a:b] for a, b in split_clauses(t)]
    ['物流很快', '但是尺码偏小']
    """
    if not text:
        return []
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_PUNCT.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    if _HAS_SPACE.search(text):
        spans = [
            (a + len(text[a:b]) - len(text[a:b].lstrip()), b - len(text[a:b]) + len(text[a:b].rstrip()))
            for a, b in spans
            if text[a:b].strip()
        ]
    if _CONTRAST.search(text):
        spans = [part for a, b in spans for part in _cut_at_contrast(text, a, b)]
    return spans


def _cut_at_contrast(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start] + [m.start() for m in _CONTRAST.finditer(text, start, end) if m.start() > start] + [end]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


# --- user dictionary -------------------------------------------------------------------------

_TITLE_PARTS = re.compile(r"[\s/|,，、()（）\[\]【】+＋_]+")
_SKU_VALUE = re.compile(r"[:：]([^;；:：]+)")
_WORDISH = re.compile(r"^[\u4e00-\u9fffa-z0-9][\u4e00-\u9fffa-z0-9.\-]*$")


def product_words(
    titles: Iterable[str | None], skus: Iterable[str | None], *, min_len: int = 2, max_len: int = 10
) -> list[str]:
    """Product, brand and SKU words from imported titles and SKUs, for the tokenizer.

    - SKU values (``颜色分类:鹅黄色;尺码:130cm`` → 鹅黄色, 130cm);
    - title parts separated by spaces or brackets (``小棉袄童装 纯棉短袖`` → both);
    - the brand: the longest prefix (2–6 characters) shared by at least
      three titles and 60% of the titles that start alike, e.g. 「小棉袄童装」 for a shop whose
      titles all begin that way.
    Words longer than ``max_len`` are whole titles, not words, and are skipped.
    """
    words: set[str] = set()
    title_list = [fold(t).strip() for t in titles if t and t.strip()]
    for title in title_list:
        for part in _TITLE_PARTS.split(title):
            if min_len <= len(part) <= max_len and _WORDISH.match(part):
                words.add(part)
    for sku in skus:
        for value in _SKU_VALUE.findall(fold(sku or "")):
            value = value.strip()
            if min_len <= len(value) <= max_len and _WORDISH.match(value):
                words.add(value)
    words.update(_brand_prefixes(title_list))
    return sorted(words)


def _brand_prefixes(titles: list[str]) -> set[str]:
    if len(titles) < 3:
        return set()
    found: set[str] = set()
    for first_two, n in Counter(t[:2] for t in titles if len(t) >= 4).items():
        if n < 3:
            continue
        group = [t for t in titles if t.startswith(first_two)]
        best = first_two
        for length in range(3, 7):
            counts = Counter(t[:length] for t in group if len(t) > length)
            if not counts:
                break
            prefix, count = counts.most_common(1)[0]
            if count < 3 or count < 0.6 * len(group) or prefix[-1].isspace():
                break
            best = prefix
        if _WORDISH.match(best):
            found.add(best)
    return found


def user_dict_words(path: Path | None = None) -> list[str]:
    """Words of the user dictionary file: one per line, ``#`` comments, optional jieba frequency."""
    path = path or resource_path(*USER_DICT_FILE)
    if not path.exists():
        return []
    words = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(line.split()[0])
    return words


class Tokenizer:
    """jieba with the shop's product words and the user dictionary added.

    Each instance has its own jieba dictionary, so two databases analysed in
    one process never share product words.
    """

    def __init__(self, extra_words: Iterable[str] = (), *, user_dict: Path | None = None) -> None:
        import jieba  # lazy: about a second to load its dictionary

        jieba.setLogLevel(logging.WARNING)
        from cxdesk.caches import jieba_cache_dir

        self._jieba = jieba.Tokenizer()
        self._jieba.tmp_dir = jieba_cache_dir()  # its dictionary cache: the app's cache folder, not %TEMP%
        _start_from_base_dictionary(self._jieba)
        self.words = sorted(set(extra_words) | set(user_dict_words(user_dict)))
        for word in self.words:
            self._jieba.add_word(word, freq=max(2000, 500 * len(word)))

    @classmethod
    def for_products(cls, titles: Iterable[str | None], skus: Iterable[str | None]) -> Tokenizer:
        """A tokenizer that knows the shop's product words, e.g. ``Tokenizer.for_products(*store.reviews.product_names())``."""
        return cls(product_words(titles, skus))

    def tokens(self, text: str | None, *, guess: bool = True) -> list[str]:
        """Words of the cleaned text (no spaces or punctuation). ``guess=False``: without jieba's guessing of
        unknown words (its HMM), only words of the dictionary (jieba's, the user dictionary, the shop's
        products) or single characters: 收到货后 gives 收到/货/后, never the non-word 货后."""
        return [w for w in self._jieba.lcut(clean(text), HMM=guess) if w.strip() and not _PUNCT_ONLY.match(w)]

    def dictionary_tokens(self, text: str | None) -> list[str]:
        """:meth:`tokens` with ``guess=False`` (a one-argument word splitter for the FAQ keywords)."""
        return self.tokens(text, guess=False)

    def dictionary(self) -> dict[str, int]:
        """jieba's word frequencies (its dictionary with the user words added), loaded on first use."""
        self._jieba.check_initialized()
        return self._jieba.FREQ

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every jieba word of ``text`` exactly as given (not cleaned): offsets into it."""
        return [(start, end) for _word, start, end in self._jieba.tokenize(text)]


_PUNCT_ONLY = re.compile(r"^[\W_]+$")


@lru_cache(maxsize=1)
def word_tags() -> dict[str, str]:
    """jieba's part-of-speech tag of each dictionary word (``n`` noun, ``m`` numeral, ``f`` direction …).

    Read once (~0.3 s) from the third column of jieba's dictionary file, which the app bundles anyway:
    ``jieba.posseg`` would read the same column but also loads its HMM tables, and build.spec leaves
    it out. Words the shop or the user dictionary added have no tag.
    """
    import jieba

    tags: dict[str, str] = {}
    with jieba.get_dict_file() as fh:
        for raw in fh:
            parts = raw.decode("utf-8").split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    return tags


_BASE_DICTIONARIES: dict[str | None, tuple[dict[str, int], int]] = {}  # per cache folder: jieba's words, total
_BASE_LOCK = threading.Lock()


def _start_from_base_dictionary(tokenizer) -> None:
    """Give a fresh ``jieba.Tokenizer`` its own copy of jieba's dictionary.

    jieba reads its dictionary cache (half a million entries) in every new
    tokenizer, about a second each time, and an analysis makes several: the
    dictionary is read once per process (and cache folder) and each tokenizer
    gets a copy (a few hundredths of a second), so product words stay its own.
    """
    with _BASE_LOCK:
        base = _BASE_DICTIONARIES.get(tokenizer.tmp_dir)
        if base is None:
            tokenizer.check_initialized()
            _BASE_DICTIONARIES[tokenizer.tmp_dir] = (dict(tokenizer.FREQ), tokenizer.total)
            return
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(base[0]), base[1], True


# --- word lists as one regular expression ------------------------------------------------------


def word_pattern(words: Iterable[str]) -> str:
    """One regular expression matching any of ``words``, longest first at each position.

    The words are arranged as a trie (``物流(?:很快|快)?``), so the engine
    tests each character once per position instead of once per word: with a
    thousand words this is many times faster than a plain alternation.
    """
    trie: dict = {}
    for word in set(w for w in words if w):
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True
    return _trie_regex(trie) if trie else "(?!)"


def _trie_regex(node: dict) -> str:
    end = "" in node
    branches = [re.escape(ch) + _trie_regex(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if end:
        return ("(?:" + body + ")?") if len(branches) > 1 or len(body) > 1 else body + "?"
    return body
