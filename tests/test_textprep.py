"""Text preparation: cleaning, clause spans, product words for the tokenizer."""

from __future__ import annotations

import re

from cxdesk.paths import user_resources_dir
from cxdesk.textprep import Tokenizer, clean, fold, product_words, split_clauses, user_dict_words, word_pattern


def _clauses(text: str) -> list[str]:
    return [text[a:b] for a, b in split_clauses(text)]


def test_clauses_split_at_punctuation_lines_and_turns_with_spans_into_the_original():
    text = "物流很快，但是尺码偏小！\n颜色、款式都不错 价格2.5元.很划算～～"
    assert _clauses(text) == ["物流很快", "但是尺码偏小", "颜色、款式都不错", "价格2.5元", "很划算"]
    # A turn word without punctuation still starts a new clause.
    assert _clauses("质量不错就是有点贵") == ["质量不错", "就是有点贵"]
    assert split_clauses("") == [] and split_clauses("，。！") == []


def test_fold_keeps_length_so_spans_stay_valid():
    text = "ＯＫ，质量ＧＯＯＤ"
    assert fold(text) == "ok,质量good" and len(fold(text)) == len(text)


def test_clean_drops_urls_placeholders_numbers_and_emoji():
    text = "订单号 202405011234567 已发货😀😀 [订单x] 详见 https://item.taobao.com/x?id=1 电话13800138000 好的"
    assert clean(text) == "订单号 已发货 详见 电话 好的"
    assert clean("尺码130cm，2件") == "尺码130cm,2件"  # short numbers are words (sizes, counts)


def test_product_words_from_titles_skus_and_the_shared_brand_prefix():
    titles = ["棉小袄童装女童连衣裙夏季", "棉小袄童装儿童纯棉短袖T恤", "棉小袄童装 男童短裤", "京选家居 冰丝凉席"]
    skus = ["颜色分类:鹅黄色;尺码:130cm", "颜色分类：冰川蓝；尺寸：1.5m床", None]
    words = product_words(titles, skus)
    assert {"棉小袄童装", "鹅黄色", "冰川蓝", "130cm", "1.5m床", "京选家居", "冰丝凉席", "男童短裤"} <= set(words)
    assert not any(len(w) > 10 for w in words)  # whole titles are not words
    assert "棉小袄童装女" not in words  # only one title continues that way


def test_tokenizer_keeps_product_words_and_user_dictionary_words_whole(tmp_path):
    plain = Tokenizer(user_dict=tmp_path / "missing.txt")
    assert "棉小袄童装" not in plain.tokens("棉小袄童装的鹅黄色很好看")
    user_dict = tmp_path / "user_dict.txt"
    user_dict.write_text("# 注释\n冰丝凉席 3000\n", encoding="utf-8")
    assert user_dict_words(user_dict) == ["冰丝凉席"]
    tok = Tokenizer(["棉小袄童装"], user_dict=user_dict)
    tokens = tok.tokens("棉小袄童装的鹅黄色很好看，冰丝凉席也不错！")
    assert "棉小袄童装" in tokens and "冰丝凉席" in tokens
    assert "，" not in tokens and "!" not in tokens


def test_user_dictionary_copy_in_the_data_folder_overrides_the_bundled_one():
    bundled = user_dict_words()
    assert "性价比" in bundled
    override = user_resources_dir() / "lexicons" / "user_dict.txt"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text("小熊饼干\n", encoding="utf-8")
    assert user_dict_words() == ["小熊饼干"]


def test_word_pattern_matches_the_longest_word_like_a_sorted_alternation():
    words = ["物流", "物流很快", "很快", "快", "快递", "不", "不错", "a.b"]
    trie = re.compile(word_pattern(words))
    plain = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    for text in ["物流很快快递不错", "物流快，不太好", "a.b axb 快快快"]:
        assert trie.findall(text) == plain.findall(text)
    assert re.compile(word_pattern([])).findall("任何文字") == []


def test_tokenizer_for_a_store_learns_its_product_words(tmp_path):
    from cxdesk.store import open_store

    with open_store(tmp_path / "t.sqlite3") as store:
        shop = store.shops.get_or_create("taobao", "测试店")
        with store.transaction():
            store.reviews.insert_many(
                shop.id,
                None,
                [
                    {"review_key": f"k{i}", "content": "好", "product_title": title, "sku": "颜色分类:雾霾蓝"}
                    for i, title in enumerate(["棉小袄童装连衣裙", "棉小袄童装短袖", "棉小袄童装短裤"])
                ],
            )
        titles, skus = store.reviews.product_names()
        assert len(titles) == 3 and skus == ["颜色分类:雾霾蓝"]
        tok = Tokenizer.for_products(titles, skus)
    assert "棉小袄童装" in tok.words and "雾霾蓝" in tok.words
    assert {"棉小袄童装", "雾霾蓝"} <= set(tok.tokens("棉小袄童装的雾霾蓝真好看"))


def test_dictionary_tokens_guess_no_words_across_word_boundaries(tmp_path):
    tok = Tokenizer(["棉小袄童装"], user_dict=tmp_path / "missing.txt")
    # jieba's guessing (HMM) glues the ends of neighbouring words into non-words in short questions.
    assert "货后" in tok.tokens("明天能收到货后再付款吗") and "单退" in tok.tokens("那我这单退了吧")
    words = tok.dictionary_tokens("明天能收到货后再付款吗，那我这单退了吧，棉小袄童装有货吗")
    assert "货后" not in words and "单退" not in words
    assert {"明天", "收到", "付款", "棉小袄童装"} <= set(words), words
