"""The aspect reader's word finder (a character trie walked in Python, aspects-v6) finds the same words as the
trie regular expression of :func:`cxdesk.textprep.word_pattern` it replaced: leftmost, longest, not overlapping."""

from __future__ import annotations

import re

import pytest

from cxdesk.analysis.aspects import AspectLexicon, _Trie
from cxdesk.paths import resources_dir
from cxdesk.textprep import fold, word_pattern

PHRASES = [
    "物流很快，包装完好，就是尺码偏小",
    "没有破损泄露，味道很好闻，不过价格有点小贵",
    "不怎么好物流太慢了，客服态度也差",
    "暑假买的，颜色很灿烂，很快乐",
    "ＡＢＣ洗发水用了之后头皮屑少了",
    "",
    "。。。",
]


@pytest.fixture(scope="module")
def words() -> list[str]:
    return list(AspectLexicon.load(resources_dir() / "lexicons" / "aspects.json")._table)


@pytest.mark.parametrize("text", PHRASES)
def test_trie_finds_what_the_regular_expression_finds(words, text):
    folded = fold(text)
    trie, pattern = _Trie(words), re.compile(word_pattern(words))
    spans = [(m.start(), m.end(), m.group()) for m in trie.finditer(folded)]
    assert spans == [(m.start(), m.end(), m.group()) for m in pattern.finditer(folded)]
    for pos in range(len(folded)):
        got, want = trie.match(folded, pos), pattern.match(folded, pos)
        assert (got and (got.start(), got.end())) == (want and (want.start(), want.end()))
        for end in (pos + 1, len(folded) - 1):
            got = [(m.start(), m.end()) for m in trie.finditer(folded, pos, end)]
            assert got == [(m.start(), m.end()) for m in pattern.finditer(folded, pos, end)]


def test_longest_word_wins_and_words_do_not_overlap():
    trie = _Trie(["物流", "物流很快", "很快", "快"])
    assert [m.group() for m in trie.finditer("物流很快快")] == ["物流很快", "快"]
    assert trie.match("物流很慢").group() == "物流"
    assert trie.search("今天物流") is not None and trie.search("今天到了") is None
