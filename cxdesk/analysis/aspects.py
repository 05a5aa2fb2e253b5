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
find every lexicon word of a clause in one pass (a character trie, longest word first),
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
5. questions (是正品吗？) and triggers without any opinion give no mention;
6. a one-character lexicon word (好, 差, 烂, 假, 慢 …), alone or after
   degree words (很快, 太差), counts only when it is a word of its own: the
   jieba token around it is the character itself or the character with
   degree words and particles (很好, 太差, 慢了), so 暑假, 灿烂, 很快乐 and
   差点 judge nothing;
7. two triggers of different aspects written together (「配送员态度」,
   「瓶子塑料」) are one thing: the first names whose it is, so the mention
   is of the first one's aspect only (「颜色尺码都不错」 with 都/也 stays two);
8. contrast words (就是, 但是, 不过, 可惜, 只是 …) start a new clause and a
   *complaint scope* that lasts to the end of the sentence: there a trigger
   without an opinion but with a hedge (有点, 比较, 太, 略 …) is a complaint
   about its aspect (「就是瓶子比较硬」 is 包装 负面);
9. a trigger without an opinion that is missing (「没有礼盒包装」, 「连盒子都没有」,
   「啥赠品都没」) or negated right before it (「不保湿」, 「不怎么补水」) is a
   complaint about its aspect;
10. a polar word that starts with its own negator (不腻, 没效果) is not flipped
    again by an earlier one (「不腻也不干」), and an ignore word does not hide a
    negator before it (「不是特别油腻」 is praise);
11. 可以 and 适合 followed by another word are verbs, not opinions (「可以放心购买」,
    「适合冬天用」; but 「可以的」, 「很适合我」, 「不适合油皮」); a clause ending in 呢 is a
    statement unless it has a question word, and wishes (希望好用, in
    ``question_marks``) judge nothing;
12. a question word inside a lexicon word asks nothing (怎么样 in 「不怎么样」); a question asked
    with 为什么/为啥/凭什么/难道/怎么这么, or marked only by its question mark (「质量这么差？」),
    keeps its complaints (「为什么发货这么慢？」) and drops its praise (「是正品？」);
13. a negator does not reach past 了/的/要/只/就/才/送/给 … (「受不了只能差评」, 「没送差评」
    stay complaints), and a complaint followed by 都没有 is absent (「一个坏的都没有」 is praise);
14. a comparison 没有/不如/比不上 … 的/那么 + praise is a complaint (「没有在超市买的好」,
    「没有图片上的好」, 「不如上次的好用」), across triggers but not across other opinions;
15. 好 right before another judging word is a degree word (「好失望」), 快 before a verb is
    "about to" (「快吃完了」), 实在 before another word an adverb (「实在太坑了」), either half of
    「X不X」 judges nothing (「甜不甜」, 「好不好用」), a size ending in 小 before a complaint is "a little"
    (「有点小问题」「有点小失望」), and a one-character opinion that jieba keeps
    in one token with a trigger before it counts (「速度慢」, 「质量差」);
16. sizes of a sound or a smell (``magnitude`` in the taxonomy) are loudness and strength, not
    size: 「噪音很小」「风扇声音不大」 are praise, 「噪音大」「声音有点大」「味道很大」「很大的味道」
    complaints (a too-quiet sound, 「声音太小」, too), and 「音量较小」 a complaint;
17. 「不是烂就是坏」: a 不是 answered by 就是 does not flip; praise followed by 个鬼/个屁 is scorn
    (「新鲜个屁」); 和/跟 a shop or what one used before … 不一样 is a complaint about authenticity
    (「跟以前用的不一样」「和超市卖的有点区别」), 和/跟 the pictures or description … 不一样 about the description, and
    没有 + one of those + praise a comparison even without 的 (「没照片好」);
18. a complaint after 未发现/没看到/没有发现 … in its clause is absent (「未发现网上说的拖影现象」), and so
    are complaints written together after one negator (「没有破损泄露」「没有划痕和磕碰」「几乎没有掉色」);
    没想到 is surprise, not a negator (「没想到这么快就到了」);
19. a complaint feared or heard of (担心, 怕, 听说, 以为 …) is not one (「担心掉色」「听说信号差」), unless
    the clause goes on to say it came true (结果, 果然, 还是 …: 「以为是正品结果是假的」); the part of a
    clause before a 吗 asks (「不知道会掉颜色吗质量挺好」);
20. "never again" (「不会再去了」「以后不在京东买了」「再也不敢吃了」) is a complaint about the whole (or about a
    trigger in its clause), unless what is not gone back to is another shop (「以后不用再去超市了」);
21. 不比 … X says X is not so (「速度不比专柜的差」 is praise), 没 before a short time is "soon after", not
    a negator (「没几天就降价」), 快 before a number is "almost" (「订了快十天了」), and 和 … 实物 … 不一样
    is a complaint about the description (「照片和实物完全不一样」);
22. skin and hair troubles (``troubles`` in the taxonomy: 痘痘, 闭口, 头皮屑, 出油, 掉发 …) that grew or came
    (「痘痘更多了」「头屑还是很多」「冒了好多闭口」「满头的头皮屑」) are a complaint, and troubles that went or did
    not come (「出油少了」「没有那么多头皮屑了」「没有长闭口」) praise; a trigger followed only by a shortfall to
    the end of its clause (「保湿不够」「清洁力不足」「精华没多少」「控油差一点」「说明书没有」) is a complaint about it.

Category packs (``packs`` in the taxonomy, e.g. ``aspects_food.json``) add
aspects and re-assign words for one shop category; a review is read with a
pack when it contains one of the pack's *cues* (好吃, 米饭, 外卖 …), so
「味道很好」 is 口味 for a meal and 气味 for a cream; the first pack whose cue is
found is used (``aspects_food.json``, then ``aspects_beauty.json``, where 细腻 is
the feel on the skin and 显白 the effect).

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
from cxdesk.textprep import Tokenizer, fold, split_clauses, word_pattern

ASPECTS_FILE = ("lexicons", "aspects.json")
OVERALL = "整体"  # the aspect of generic opinions, when the taxonomy's ``overall`` names none
POLARITIES = ("正面", "中性", "负面")
_FLIP = {"正面": "负面", "负面": "正面", "中性": "中性"}
_QUESTION_END = "?？"
_TAKE_OVER_GAP = 3  # characters between a trigger and a judging phrase of another aspect (很/也/有点)
# Characters a one-character opinion may share its jieba token with (很好, 太差, 好贵, 慢了, 差死了).
_MODIFIERS = frozenset("很太好真挺超蛮巨特最不没较更还也都就极贼忒老这那么了的啊呀啦死爆吧哦呢得有")
_COORDINATION = "都也和跟与及、"
_ABSENT = ("没有", "没", "无", "没有了")
_ABSENT_AFTER = re.compile(r"(?:都|也)(?:没有|没)了?[啊呀的]?")
_ABSENT_START = ("都", "也", "的都", "的也")
# Opinions that are verbs when a word follows them, and the characters that may follow them as opinions.
_PARTICLES = "吧的啊呀哦啦了呢哈滴噢嘛哟"
_MODAL = {"可以": frozenset(_PARTICLES), "适合": frozenset(_PARTICLES + "我"), "实在": frozenset(_PARTICLES)}
# Questions that are complaints (「为什么这么慢？」「凭什么不给退」): their complaints count, nothing else.
_WHY = re.compile("为什么|为啥|凭什么|难道|怎么这么|怎么那么|咋这么|怎么会这么|(?<!没)有这么|(?<!没)有那么|有如此")
# Characters that end a negator's reach: 「受不了只能差评」「不要的烂水果」「没送差评」 flip nothing.
_NEG_STOP = frozenset("了的要只就才而却但又过能送给")
# 「没有在超市买的好」「没有图片上的好」: 没有/不如 … 的/那么 + praise is a complaint (a comparison).
_COMPARE_NEG = re.compile("还不如|没有|没得|没|不如|比不上|不像")
_COMPARE_GAP = 12
_COMPARE_END = ("那么的", "那么", "这么", "那样", "一样", "的")  # longest first
# 「快吃完了」「快到期」「快十天了」: 快 before these (a verb, or a number: "almost") is not speed.
_ABOUT_TO = frozenset("吃用到过完没坏烂要死半一两二三四五六七八九十几俩0123456789")
_SENTENCE_END = re.compile(r"[。！!~～\n]")
# Sizes of sounds and smells (rule 16): degree words, then the size; 大小/小心/重要/轻松/响亮 … are other words.
_DEGREES = (
    "一点也不 一点都不 不是很 不是特别 不太 不算 并不 也不 不 有点儿 有点 有些 稍微 稍 略微 略 过于 太过 太 偏 很 挺 "
    "比较 较 相对 相当 特别 非常 超级 超 好 蛮 真 巨 贼 实在 极其 极 这么 那么 如此 还是 是"
).split()
_EXCESS = frozenset("有点儿 有点 有些 稍微 稍 略微 略 过于 太过 太 偏".split())
_BIG, _SMALL = "大响吵重冲", "小轻"
_NOT_SIZE = "小家概约部多致方气牌心时孩区巧样号码要量新复松薄便柔盈亮应洗泡水"
# 和/跟 … 不一样 (rule 17): what the product is compared with decides the complaint.
_SAME_REFS = {
    "正品/真伪": "专柜 超市 商场 实体店 柜台 药店 官网 门店 店里 以前 之前 原来 平时 上次 一直用 家里 以往",
    "描述相符": "图片 图上 描述 宣传 说的 页面 介绍 照片 主图 详情 实物",
}
_DIFFERENT = re.compile(
    "(?:和|跟|与|同)([^，,。.！!？?；;]{1,12}?)(?:完全|根本|很|都|也|有点|有些|明显|还是|真的|确实)*"
    "(?:不一样|不太一样|不同|两样|(?<![没无])有(?:点|些|很大的?|一定的?)?(?:区别|差别|差距|出入)|区别很大|差别很大)"
)
_DIFFERENT_END = re.compile("一样|不同|两样|区别|差别|差距|出入")  # cheap check before _DIFFERENT
_REF_ASPECT = {w: aspect for aspect, words in _SAME_REFS.items() for w in words.split()}
_REF = re.compile("|".join(_REF_ASPECT))
_SCORN = ("个鬼", "个屁", "个毛", "个球")
# Rule 18: 「未发现网上说的拖影」「没有发现任何划痕」: a complaint after "did not see" is absent.
_UNSEEN = re.compile("(?:并没有|没有|没|未|并未|从未|从没)(?:发现|看到|看见|见到|察觉到?|遇到|出现)")
# Rule 19: a complaint someone fears or heard of is not one (「担心掉色」「听说喇叭极差」「再也不用担心不够用」),
# up to a word that says it came true (「以为是正品结果是假的」).
_DOUBT = re.compile("担心|担忧|害怕|生怕|(?<![可恐哪不])怕|(?<!一)听说|据说|网上说|(?<![窃自要别认])以为|顾虑")
_DOUBT_END = re.compile("结果|果然|但|可是|却|发现|还是|真的|确实|竟然|居然|后来|一看")
# Rule 18: complaints written together after one negator are all absent (「没有破损泄露」「没有划痕和磕碰」).
_COORDINATED = frozenset(("", "和", "、", "或", "及", "与", "跟", "或者", "也"))
# 「没想到这么快」: surprise, not a negator.
_SURPRISE = ("想到", "料到", "想过")
# 「没几天就降价」「没用多久就坏了」: 没 before a short time is "soon after", not a negator.
_SOON = re.compile("(?:几|两|一|多少)(?:天|日|周|个?星期|个?月|次|回)|多久|多长时间|(?:用|穿|洗|吃)(?:几|两|多久)")
# 「速度不比专柜的差」「不比超市的便宜」: 不比 … X says X is not so, across 的 and a named shop (rule 21).
_NOT_THAN = "不比"
# Rule 20: "never again" (「不会再去了」「以后不在京东买了」「再也不敢吃了」) is a complaint about the whole, unless the
# place not gone back to is another shop (「以后不用再去超市了」「超市再也不去了」). The leading lookahead lets the
# engine skip most positions at once (~3× faster than the bare alternation).
_OTHER_SHOP = "超市|实体店|专柜|商场|药店|门店|别家|别的|其他|外面|楼下|医院"
_NEVER = re.compile(
    "(?=[再坚绝不以下一])(?<![要失])(?:再也不|坚决不|绝不|绝对不|不想再|不敢再|不要再|不再|(?:以后|下次|下回|再也|绝对|一定)?不会(?:再|(?=在))"
    "|(?:以后|下次|下回)(?:都|也|再|就)?不(?:会|想)?)(?:会|想|敢|要|愿意?)?再?次?"
    "(?:(?:在|从|到|去)[^，,。.！!？?；;~～ ]{1,8}?)?"
    "(?:来|去|买|购买|购|选择|选|光顾|入住|住|订|预订|预定|回购|相信|下单|吃|喝)"
    f"(?![^，,。.！!？?；;]{{0,6}}(?:{_OTHER_SHOP}))"
)
_SHOP_BEFORE = re.compile(f"(?:{_OTHER_SHOP})[^，,。.！!？?；;]{{0,3}}$")
# Rule 22: skin and hair troubles (``troubles`` in the taxonomy) that came, grew, or went; and shortfalls after a trigger.
_TROUBLE_CAME = (
    "(?:长|冒|起|爆|出|掉|生)(?:了|出|出了|起了)?(?:好多|很多|一堆|一大堆|一些|几颗|几个|好几个|好几颗|不少|一片|一大片"
    "|大量|小|整块整块|一块一块|大块)?的?|满头的?|满脸的?|一脸的?|一头的?|(?:满满的|全|都)是"
    "|(?:用了|用完|洗完|洗了)(?:之后|以后|后)?(?:就|会|更|反而|开始)?"
)
_TROUBLE_FILL = "(?:也|都|又|就|却|是|明显|一直|依然|依旧|照样|确实|真的|已经|基本上|基本|几乎|立马|马上|立刻)*"
_TROUBLE_GREW = (
    "(?:反而|还是|越来越|更加|更|变得|变)(?:很|特别|非常|挺|那么|这么)?(?:多|严重|厉害)"
    "|(?:很|特别|非常|超级|太)?(?:多了|严重了|厉害了)|增多|增加|变多|加重|多起来|冒出来|出来了?"
)
_TROUBLE_WENT = (
    "少了很多|少多了|少很多|少了|减少|变少|没有了|没了|消失|不见了|好多了|好了很多|改善|好转|下去了|消了|退了"
    "|不长了|不冒了|不掉了|没再长|没有再长"
)
_PRONE = ("容易", "易", "爱")
_TROUBLE_NEG = re.compile(
    "(?:没有|没|不会|不再|没再|不|未|并未|从未|从没|再也没|再没|无)(?:有|再|怎么|什么|发现|出现|看到|那么多|这么多)?(?:再)?$"
)
_SHORTFALL = re.compile(
    "(?:也|还|都|就|有点|有些|明显|真的|确实|稍微|略|还是)?"
    "(?:不够|不太够|不是很够|不足|不太行|欠佳|欠缺|差点|差一点|差了点|差些|差一些|没多少|没几滴|少得可怜"
    "|一点都没有|一点也没有|一点没有|完全没有|根本没有|没有|没)"
    "[了啊呀的吧哦啦]*[~～!！。.]*"
)
# 「味道没有」「添加剂没有」: these missing is no complaint.
_NOT_MISSED = frozenset("味道 气味 味儿 气息 香味 香气 味 添加剂".split())
_RUN_START = ("没有", "没", "无", "未", "毫无", "并没有")
_DEGREE_START = frozenset("太很好真挺超蛮巨特最更较偏稍略非极有")
# 「没看到有所以评差」「从来没遇到这么慢的快递」: what follows these is said, not unseen.
_UNSEEN_STOP = re.compile("[就才而却但又因能只评]|所以|这么|那么|如此|这样|这种|这般")

# Kinds of lexicon words.
_TRIGGER, _JUDGING, _OPINION, _IGNORE = 0, 1, 2, 3


class _Hit:
    """A lexicon word found in a text (the parts of ``re.Match`` the reader uses)."""

    __slots__ = ("_start", "_end", "_text")

    def __init__(self, start: int, end: int, text: str) -> None:
        self._start, self._end, self._text = start, end, text

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self) -> str:
        return self._text


class _Trie:
    """The lexicon words as a character trie: the longest word at each position, like
    :func:`cxdesk.textprep.word_pattern` but walked in Python, which is ~4× faster than the regular
    expression for thousands of words (the engine tries the top-level branches one by one)."""

    __slots__ = ("_root",)

    def __init__(self, words) -> None:
        self._root: dict = {}
        for word in set(w for w in words if w):
            node = self._root
            for ch in word:
                node = node.setdefault(ch, {})
            node[""] = True

    def _longest(self, text: str, pos: int, endpos: int) -> int:
        """End of the longest word starting at ``pos`` (before ``endpos``), else -1."""
        node = self._root.get(text[pos])
        if node is None:
            return -1
        last = pos + 1 if "" in node else -1
        j = pos + 1
        while j < endpos:
            node = node.get(text[j])
            if node is None:
                break
            j += 1
            if "" in node:
                last = j
        return last

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> _Hit | None:
        endpos = len(text) if endpos is None else min(endpos, len(text))
        if pos >= endpos:
            return None
        e = self._longest(text, pos, endpos)
        return _Hit(pos, e, text[pos:e]) if e > 0 else None

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None):
        """Leftmost-longest words that do not overlap, like ``re.finditer`` with the trie pattern."""
        endpos = len(text) if endpos is None else min(endpos, len(text))
        root = self._root
        i = pos
        while i < endpos:
            if text[i] not in root:
                i += 1
                continue
            e = self._longest(text, i, endpos)
            if e > 0:
                yield _Hit(i, e, text[i:e])
                i = e
            else:
                i += 1

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> _Hit | None:
        return next(self.finditer(text, pos, endpos), None)


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


_NEVER_AGAIN = _Word(_OPINION, None, "负面")  # rule 20: a generic opinion, so a trigger in the clause may take it


class AspectLexicon:
    """The taxonomy compiled for reading: one regular expression and a word table."""

    def __init__(self, data: dict, source: str = "", packs: list[dict] | None = None) -> None:
        try:
            self.version = str(data["version"])
            self.overall = overall_of(data)
            self.window = int(data.get("negation_window", 4))
            negators = [str(w) for w in data.get("negators", [])]
            self.question_words = tuple(str(w) for w in data.get("question_marks", []))
            contrast = [str(w) for w in data.get("contrast_words", [])]
            hedges = [str(w) for w in data.get("complaint_hedges", [])]
            table: dict[str, _Word] = {}
            names = _fill_table(table, data)
            self.packs: list[tuple[str, re.Pattern, dict[str, _Word], _Trie, frozenset[str]]] = []
            for pack in packs or []:
                pack_table = dict(table)
                names += _fill_table(pack_table, pack, override=True)
                cues = [fold(str(w)) for w in pack.get("cues", [])]
                if not cues:
                    raise ValueError(f"类别词表「{pack.get('category', '')}」没有 cues")
                self.packs.append(
                    (
                        str(pack.get("category", "")),
                        re.compile(word_pattern(cues)),
                        pack_table,
                        _Trie(pack_table),
                        _core_words(pack_table),
                    )
                )
        except (KeyError, TypeError, ValueError) as exc:
            raise CxdeskError(f"方面词表 {source or ''} 格式不对：{exc}") from exc
        self.aspects = tuple(dict.fromkeys(names + [self.overall]))
        self._table = table
        self._words = _Trie(table)
        self._core = _core_words(table)
        self._negators = re.compile(word_pattern(fold(w) for w in negators))
        self._questions = re.compile(word_pattern(self.question_words)) if self.question_words else None
        self._contrast = (
            re.compile("(?<=[\u4e00-\u9fff])(?=" + word_pattern(fold(w) for w in contrast) + ")") if contrast else None
        )
        self._contrast_start = re.compile(word_pattern(fold(w) for w in contrast)) if contrast else None
        self._hedges = re.compile(word_pattern(fold(w) for w in hedges)) if hedges else None
        self._magnitude_nouns, self._magnitude, self._magnitude_groups = _magnitude_patterns(data.get("magnitude", []))
        self._trouble_nouns, self._troubles, self._trouble_aspects = _trouble_patterns(data.get("troubles", []))
        self._tokenizer: Tokenizer | None = None  # jieba, loaded on the first one-character word
        self._last_tokens: tuple[str, list[tuple[int, int]]] = ("", [])
        self._dictionary: dict[str, int] = {}
        payload = [data] + list(packs or [])
        digest = hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:8]
        self.fingerprint = f"{self.version}-{digest}"

    @classmethod
    def load(cls, path: Path | None = None) -> AspectLexicon:
        """The taxonomy at ``path`` (default: the user's copy, else the bundled one) with its category packs.

        A pack named in ``packs`` is looked up next to ``path`` when ``path``
        is given, else like the taxonomy (the user's copy first).
        """
        given = path is not None
        path = path or resource_path(*ASPECTS_FILE)
        data = _read_lexicon_file(path)
        packs = []
        for name in data.get("packs", []) if isinstance(data, dict) else []:
            pack_path = path.parent / str(name) if given else resource_path(ASPECTS_FILE[0], str(name))
            packs.append(_read_lexicon_file(pack_path))
        return cls(data, str(path), packs)

    # --- reading --------------------------------------------------------------------------

    def mentions(self, text: str | None) -> list[Mention]:
        """Every aspect mention of ``text``, in reading order."""
        if not text:
            return []
        folded = fold(text)
        table, words, core = self._table, self._words, self._core
        for _category, cues, pack_table, pack_words, pack_core in self.packs:
            if cues.search(folded) is not None:
                table, words, core = pack_table, pack_words, pack_core
                break
        sizes = (
            self._magnitude_nouns is not None
            and self._magnitude_nouns.search(folded) is not None
            and any(p.search(folded) is not None for p in self._magnitude)
        )
        sizes = sizes or (_DIFFERENT_END.search(folded) is not None and _DIFFERENT.search(folded) is not None)
        sizes = sizes or ("不" in folded and _NEVER.search(folded) is not None)
        sizes = sizes or (self._trouble_nouns is not None and self._trouble_nouns.search(folded) is not None)
        if not sizes and words.search(folded) is None:
            return []
        out: list[Mention] = []
        contrast = self._contrast_start is not None and self._contrast_start.search(folded) is not None
        in_contrast = False
        previous_end = 0
        asks = self._questions is not None and self._questions.search(folded) is not None  # any question word
        spans = self._clauses(text, folded) if contrast else split_clauses(text)
        if "吗" in folded:
            spans = _split_asks(folded, spans)
        for start, end in spans:
            if contrast:
                if _SENTENCE_END.search(folded, previous_end, start):
                    in_contrast = False
                previous_end = end
                if self._contrast_start.match(folded, start):
                    in_contrast = True
            found = self._clause(folded, start, end, table, words, core, in_contrast, sizes)
            if not found:
                continue
            question = self._question(folded, start, end, words, asks)
            if question is not None:
                if question == "mark" or _WHY.search(folded, start, end) is not None:
                    # 「为什么这么慢？」「质量太差？」: a complaint asked as a question (its praise asks, 是正品？)
                    out.extend(m for m in found if m.polarity == "负面")
                continue
            out.extend(found)
        return out

    def _clauses(self, text: str, folded: str) -> list[tuple[int, int]]:
        spans = split_clauses(text)
        out = []
        for a, b in spans:
            cuts = [a] + [m.start() for m in self._contrast.finditer(folded, a, b) if m.start() > a] + [b]
            out += [(x, y) for x, y in zip(cuts, cuts[1:]) if y > x]
        return out

    def _is_word(self, folded: str, start: int, end: int, pos: int, table: dict[str, _Word] | None = None) -> bool:
        """Whether the one character at ``pos`` is a word of its own in the clause (see rule 6)."""
        if self._tokenizer is None:
            self._tokenizer = Tokenizer()
            self._dictionary = self._tokenizer.dictionary()  # with the user words added
        if not self._in_dictionary_word(folded, start, end, pos):
            return True  # jieba would make it a word of its own: no need to cut the clause
        clause = folded[start:end]
        if self._last_tokens[0] != clause:
            self._last_tokens = (clause, self._tokenizer.spans(clause))
        for a, b in self._last_tokens[1]:
            if a <= pos - start < b:
                token = folded[start + a : start + b]
                if start + b == pos + 1 and len(token) > 1 and table is not None:
                    # 「速度慢」「质量差」: jieba keeps a trigger and its one-character opinion together
                    before = table.get(token[:-1])
                    if before is not None and before.kind == _TRIGGER:
                        return True
                return len(token) == 1 or all(ch in _MODIFIERS for i, ch in enumerate(token) if i != pos - start - a)
        return True

    def _in_dictionary_word(self, folded: str, start: int, end: int, pos: int) -> bool:
        """Whether a dictionary word of 2–4 characters of the clause holds the character at ``pos`` and
        another that is not a degree word, or the character is doubled (坏坏的, 慢慢)."""
        if folded[pos] in folded[max(start, pos - 1) : pos] + folded[pos + 1 : min(end, pos + 2)]:
            return True
        for size in (2, 3, 4):
            for a in range(max(start, pos - size + 1), min(pos, end - size) + 1):
                piece = folded[a : a + size]
                if self._dictionary.get(piece) and not all(
                    ch in _MODIFIERS for i, ch in enumerate(piece) if a + i != pos
                ):
                    return True
        return False

    def _absence(self, folded: str, start: int, end: int, s: int, e: int) -> tuple[int, int] | None:
        """Span of 「没有 X」 or 「X 都没有」 around the trigger at ``s:e`` (rule 9), else None."""
        for n in self._negators.finditer(folded, max(start, s - 3), s):
            if n.end() == s and folded[n.start() : s] in _ABSENT:
                return n.start(), e
        m = _ABSENT_AFTER.match(folded, e, end)
        if m is not None and m.end() == end:
            return s, m.end()
        return None

    def _negated(self, folded: str, after: int, s: int, e: int) -> tuple[int, int] | None:
        """Span of a negator written right before the trigger at ``s:e`` (「不保湿」「不太吸收」), else None."""
        for n in self._negators.finditer(folded, max(after, s - 4), s):
            if n.end() == s:
                return n.start(), e
        return None

    def _comparison(self, folded: str, after: int, pos: int) -> int | None:
        """Start of 「没有 … 的/那么」 ending right before ``pos`` (a praise word), else None."""
        gap_end = next((pos - len(e) for e in _COMPARE_END if folded.endswith(e, 0, pos)), None)
        if gap_end is None:
            ref = _REF.search(folded, after, pos)  # 「没照片好」「没有超市买得好」: what it is compared with is named
            if ref is None:
                return None
            gap_end = ref.start()
        for n in _COMPARE_NEG.finditer(folded, after, gap_end):
            if folded.startswith(_SURPRISE, n.end()):
                continue  # 「没想到这个价位能买到这么好的」
            if not any(ch in "，,。！!；;" for ch in folded[n.end() : gap_end]):
                return n.start()
        return None

    def _question(self, folded: str, start: int, end: int, words: _Trie, asks: bool = True) -> str | None:
        """Whether the clause asks: "asked" (吗, a question word), "mark" (only a question mark after it), else None."""
        if folded[end - 1] in "吗么嘛":  # (呢 ends statements too: 「物流很快呢」)
            return "asked"
        for q in self._questions.finditer(folded, start, end) if asks and self._questions is not None else ():
            # a question word inside a lexicon word (怎么样 in 不怎么样) asks nothing
            if not any(
                (w := words.match(folded, a)) is not None and w.end() >= q.end()
                for a in range(max(start, q.start() - 3), q.start())
            ):
                return "asked"
        if end < len(folded) and folded[end] in _QUESTION_END:
            return "mark"
        return None

    def _sizes(self, folded: str, start: int, end: int, table: dict[str, _Word]) -> list[tuple]:
        """Hits of rules 16, 17 and 20 in the clause: (start, end, word, polarity, opinion start)."""
        out = []
        for pattern in self._magnitude or ():
            for m in pattern.finditer(folded, start, end):
                noun, degree, size = m.group("noun"), m.group("degree"), m.group("size")
                group = self._magnitude_groups[noun]
                negated = "不" in degree
                big = (size in _BIG) != negated
                if not negated and any(w in degree for w in _EXCESS) and group.get("excess"):
                    polarity = group["excess"]
                else:
                    polarity = group.get("big" if big else "small")
                aspect = group.get("aspect") or (table[noun].aspect if noun in table else None)
                if polarity in POLARITIES and aspect and not _overlaps(m.start(), m.end(), out):
                    out.append((m.start(), m.end(), _Word(_JUDGING, aspect, polarity), polarity, m.start()))
        for kind, pattern in self._troubles:
            for m in pattern.finditer(folded, start, end):
                if _overlaps(m.start(), m.end(), out) or (kind == "came" and folded.endswith(_PRONE, start, m.start())):
                    continue  # 「容易长痘的皮肤」 is a skin type (the lexicon's 容易长痘 still complains)
                polarity = "正面" if kind == "went" else "负面"
                if kind in ("came", "without"):
                    if _TROUBLE_NEG.search(folded, max(start, m.start() - 6), m.start()) is not None:
                        polarity = "正面"  # 「没有长闭口」「不会冒痘」「没有那么多头皮屑」
                    elif kind == "without":
                        continue
                if polarity == "负面":
                    doubt = _DOUBT.search(folded, start, m.start())
                    if doubt is not None and _DOUBT_END.search(folded, doubt.end(), m.start()) is None:
                        continue  # 「担心会长痘」: the lexicon word, if any, is read as feared
                word = _Word(_JUDGING, self._trouble_aspects[m.group("noun")], polarity)
                out.append((m.start(), m.end(), word, polarity, m.start()))
        for m in _DIFFERENT.finditer(folded, start, end):
            ref = _REF.search(m.group(1))
            if ref is not None and not _overlaps(m.start(), m.end(), out):
                aspect = _REF_ASPECT[ref.group()]
                out.append((m.start(), m.end(), _Word(_JUDGING, aspect, "负面"), "负面", m.start()))
        if "不" in folded[start:end]:
            for m in _NEVER.finditer(folded, start, end):
                if not _overlaps(m.start(), m.end(), out) and not _SHOP_BEFORE.search(folded, start, m.start()):
                    out.append((m.start(), m.end(), _NEVER_AGAIN, "负面", m.start()))  # 「不会再去了」
        return sorted(out, key=lambda h: h[0])

    def _scan(
        self,
        words: _Trie,
        core: frozenset[str],
        folded: str,
        start: int,
        end: int,
        table: dict[str, _Word] | None = None,
    ) -> list[_Hit]:
        """Lexicon words of the clause, leaving out one-character words inside other words (rule 6)."""
        found: list[_Hit] = []
        pos = start
        while True:
            for m in words.finditer(folded, pos, end):
                if m.group() in core and not self._is_word(folded, start, end, m.end() - 1, table):
                    pos = m.start() + 1  # 「很好闻」: not 很好, but 好闻 one character on
                    break
                found.append(m)
            else:
                return found

    def _clause(
        self,
        folded: str,
        start: int,
        end: int,
        table: dict[str, _Word],
        words: _Trie,
        core: frozenset[str],
        in_contrast: bool,
        sizes: bool = False,
    ) -> list[Mention]:
        hits = []  # (start, end, word, polarity after negation, opinion start)
        read = self._sizes(folded, start, end, table) if sizes else []  # rules 16 and 17, read before the words
        last_end = start
        skipped: list[tuple[int, int]] = [(a, b) for a, b, *_ in read]  # ignore words and rule 16/17 hits:
        # no negator starts inside them (无论, 非常, 噪音不大)
        last_polar_end = start  # end of the last opinion or judging phrase (comparisons reach past triggers)
        may_compare: bool | None = None  # whether the clause holds 没有/不如 … (rule 14), searched when needed
        run = None  # (start, end) of the last complaint said absent: coordinated ones after it are too (rule 18)
        unseen: re.Match | None | bool = False  # rule 18 and 19 matches, searched on the first complaint
        doubt: re.Match | None | bool = False
        for m in self._scan(words, core, folded, start, end, table):
            text = m.group()
            word = table[text]
            if read and _overlaps(m.start(), m.end(), read):
                last_end = max(last_end, m.end())
                continue  # inside 「噪音很小」 or 「和专柜的不一样」
            if text[-1] == "小" and word.kind == _JUDGING and m.end() < end:
                nxt = words.match(folded, m.end())
                if nxt is not None and table[nxt.group()].polarity == "负面":
                    continue  # 「有点小问题」「有点小失望」: 小 is "a little", the next word judges
            if len(text) == 1 and m.end() < end:
                if text == "好":
                    nxt = words.match(folded, m.end())
                    if (
                        nxt is not None
                        and table[nxt.group()].polarity is not None
                        and self._negated(folded, start, m.start(), m.end()) is None
                    ):
                        continue  # 「好失望」「好伤心」: 好 is "so", the next word judges (「不怎么好物流太慢」: not so)
                elif text == "快" and folded[m.end()] in _ABOUT_TO:
                    continue  # 「快吃完了」: "about to"
            if (
                text in _MODAL
                and m.end() < end
                and _is_cjk(folded[m.end()])
                and folded[m.end()] not in _MODAL[text]
                and self._negated(folded, start, m.start(), m.end()) is None
            ):
                continue  # 「可以放心购买」「适合冬天用」: a verb with its object, not 「还可以」「很适合我」「不适合油皮」
            if (
                word.polarity is not None
                and (text[0] == "不" or folded.startswith("不", m.end()))
                and _either_or(folded, m.start(), m.end(), text)
            ):
                continue  # 「甜不甜」「好不好用」: a question of either, not a judgement
            polarity, op_start, hit_end = word.polarity, m.start(), m.end()
            absent_end = (
                _absent_after(folded, m.end() + (folded[m.end() : m.end() + 1] == "的"), end)
                if polarity == "负面" and folded.startswith(_ABSENT_START, m.end())
                else None
            )
            if absent_end is not None:
                # 「一个坏的都没有」「碰伤的都没有」: the complaint is absent (its evidence reads 坏的都没有)
                polarity, hit_end = "正面", absent_end
            elif polarity is not None and polarity != "中性" and self._negators.match(folded, m.start()) is None:
                # (a word that starts with its own negator, 不腻 or 没效果, is not flipped again)
                gap_from = max(last_end, m.start() - self.window)
                neg = None
                for n in self._negators.finditer(folded, gap_from, m.start()):
                    if (
                        not any(a <= n.start() < b for a, b in skipped)
                        and not any(ch in _NEG_STOP for ch in folded[n.end() : m.start()])
                        and not folded.startswith(_SURPRISE, n.end())
                        and not (n.group()[0] == "没" and _SOON.match(folded, n.end()) is not None)
                    ):
                        neg = n
                if neg is None and _NOT_THAN in folded[max(start, m.start() - _COMPARE_GAP) : m.start()]:
                    p = folded.rfind(_NOT_THAN, max(last_polar_end, m.start() - _COMPARE_GAP), m.start())
                    if p >= 0 and not any(ch in "，,。！!；;" for ch in folded[p : m.start()]):
                        neg = _Hit(p, p + len(_NOT_THAN), _NOT_THAN)  # 「速度不比专柜的差」
                if (
                    neg is not None
                    and folded.startswith("不是", neg.start())
                    and "就是" in folded[m.end() : m.end() + 4]
                ):
                    neg = None  # 「不是烂就是坏」: either … or, both complaints
                if neg is not None:
                    polarity, op_start = _FLIP[polarity], neg.start()
                elif polarity == "正面" and folded.startswith(_SCORN, m.end()):
                    polarity = "负面"  # 「好个屁」「新鲜个鬼」
                elif polarity == "正面" and (
                    may_compare
                    if may_compare is not None
                    else (may_compare := _COMPARE_NEG.search(folded, start, end) is not None)
                ):
                    after = max(last_polar_end, m.start() - _COMPARE_GAP)
                    if hits and hits[-1][1] == last_polar_end and hits[-1][3] == "负面":
                        if _COMPARE_NEG.match(folded, hits[-1][0]) is not None:
                            after = max(start, hits[-1][0])  # 「不如上次的好用」: the comparison is a lexicon word
                    compare = self._comparison(folded, after, m.start())
                    if compare is not None:  # 「没有在超市买的好」
                        polarity, op_start = "负面", compare
            if polarity == "负面" and word.polarity == "负面":
                if (
                    run is not None
                    and folded[run[1] : m.start()] in _COORDINATED
                    and text[0] not in _DEGREE_START
                    and self._negators.match(folded, m.start()) is None
                ):
                    polarity, op_start = "正面", run[0]  # 「没有破损泄露」「无划痕和磕碰」
                elif (
                    hits
                    and hits[-1][1] == m.start()
                    and hits[-1][3] == "负面"
                    and hits[-1][2].kind != _TRIGGER
                    and folded.endswith(("没有", "没"), 0, m.start())
                ):
                    polarity, op_start = "正面", hits.pop()[0]  # 「几乎没有掉色」
                else:
                    if unseen is False:
                        unseen = _UNSEEN.search(folded, start, end)
                    if (
                        unseen is not None
                        and unseen.end() <= m.start()
                        and _UNSEEN_STOP.search(folded, unseen.end(), m.start()) is None
                    ):
                        polarity, op_start = "正面", unseen.start()  # 「未发现网上说的拖影」
            if polarity == "负面":
                if doubt is False:
                    doubt = _DOUBT.search(folded, start, end)
                if (
                    doubt is not None
                    and doubt.end() <= m.start()
                    and _DOUBT_END.search(folded, doubt.end(), m.start()) is None
                ):
                    last_end = m.end()
                    run = None
                    continue  # 「担心掉色」「听说喇叭极差」: feared or heard of
            if word.kind != _IGNORE:
                if word.polarity == "负面" and polarity == "正面" and folded.startswith(_RUN_START, op_start):
                    run = (op_start, m.end())
                elif word.polarity == "正面" and word.kind == _JUDGING and folded.startswith(_RUN_START, m.start()):
                    run = (m.start(), m.end())  # 「没有划痕」 (one lexicon word) and 「磕碰」
                else:
                    run = None
            hits.append((m.start(), hit_end, word, polarity, op_start))
            if word.kind == _IGNORE:
                skipped.append((m.start(), m.end()))  # 「不是特别油腻」: 特别 does not hide the 不是
            else:
                last_end = hit_end
                if word.kind != _TRIGGER:
                    last_polar_end = hit_end
        if read:
            hits = sorted(hits + read, key=lambda h: h[0])
        if not hits:
            return []
        # 「配送员态度」「瓶子塑料」: triggers written together name one thing, of the first one's aspect.
        for i in range(len(hits) - 1):
            s0, e0, w0, _, _ = hits[i]
            s1, e1, w1, p1, o1 = hits[i + 1]
            if (
                w0.kind == _TRIGGER
                and w1.kind == _TRIGGER
                and w0.aspect != w1.aspect
                and folded[e0:s1] in ("", "的")
                and not any(ch in _COORDINATION for ch in folded[e1 : e1 + 2])
            ):
                hits[i + 1] = (s1, e1, w0, p1, o1)
        mentions: list[Mention] = []
        opinions = [h for h in hits if h[2].kind == _OPINION]
        hedge = self._hedges.search(folded, start, end) if in_contrast and self._hedges is not None else None
        used: set[int] = set()
        taken: set[int] = set()  # judging phrases a trigger right before them took over
        for i, (s, e, word, polarity, op_start) in enumerate(hits):
            if word.kind == _JUDGING and i not in taken:
                mentions.append(Mention(word.aspect, folded[op_start:e], polarity, op_start, e, start, end))
            elif (
                word.kind == _TRIGGER
                and i + 1 < len(hits)
                and hits[i + 1][2].kind == _JUDGING
                and hits[i + 1][2].aspect != word.aspect
                and hits[i + 1][4] - e <= _TAKE_OVER_GAP
            ):
                # 「保质期太短」: 太短 judges 尺码 on its own, but here it judges the 保质期 right before it.
                _, ne, _, npol, nop = hits[i + 1]
                taken.add(i + 1)
                mentions.append(Mention(word.aspect, folded[nop:ne], npol, nop, ne, start, end))
            elif word.kind == _TRIGGER:
                after = [h for h in opinions if h[0] >= e]
                before = [h for h in opinions if h[1] <= s]
                chosen = after[0] if after else (before[-1] if before else None)
                if chosen is None:
                    absent = self._absence(folded, start, end, s, e)
                    if absent is None:
                        absent = self._negated(folded, hits[i - 1][1] if i else start, s, e)
                    if absent is None and folded[s:e] not in _NOT_MISSED and _SHORTFALL.fullmatch(folded, e, end):
                        absent = (s, end)  # 「保湿不够」「精华没多少」: only a shortfall follows the trigger
                    if absent is not None:  # 「没有礼盒包装」「连盒子都没有」「啥赠品都没」「不保湿」
                        mentions.append(
                            Mention(
                                word.aspect, folded[absent[0] : absent[1]], "负面", absent[0], absent[1], start, end
                            )
                        )
                    continue
                used.add(chosen[0])
                mentions.append(
                    Mention(word.aspect, folded[chosen[4] : chosen[1]], chosen[3], chosen[4], chosen[1], start, end)
                )
        if in_contrast and not opinions:
            # 「…，就是瓶子比较硬」: after a contrast word a hedged trigger is the complaint.
            if hedge is not None:
                # the trigger nearest before the hedge, unless a judging phrase after the hedge is the complaint
                before = [h for h in hits if h[2].kind == _TRIGGER and h[0] < hedge.start()]
                judged = any(h[2].kind == _JUDGING and h[0] >= hedge.start() for h in hits)
                if before and not judged and not any(m.aspect == before[-1][2].aspect for m in mentions):
                    mentions.append(
                        Mention(
                            before[-1][2].aspect, folded[hedge.start() : end], "负面", hedge.start(), end, start, end
                        )
                    )
        left = [h for h in opinions if h[0] not in used]
        if left and not any(m.aspect == self.overall for m in mentions):
            score = sum(1 if h[3] == "正面" else -1 if h[3] == "负面" else 0 for h in left)
            polarity = "正面" if score > 0 else "负面" if score < 0 else "中性"
            pick = next((h for h in left if h[3] == polarity), left[0])
            mentions.append(Mention(self.overall, folded[pick[4] : pick[1]], polarity, pick[4], pick[1], start, end))
        # Two triggers of one aspect sharing an opinion (「客服回复很及时」) are one mention.
        unique = {(m.aspect, m.span_start): m for m in mentions}
        return sorted(unique.values(), key=lambda m: (m.span_start, m.aspect))


def _split_asks(folded: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Clauses cut after a 吗 inside them (rule 19): 「不知道会掉颜色吗质量挺好」 asks, then praises."""
    out = []
    for a, b in spans:
        q = folded.find("吗", a, b - 1)
        while q >= 0:
            if folded.startswith(("这是", "那是"), q + 1):
                break  # 「黑心棉吗这是」: the question turned round
            asked = folded.rfind("问", a, q)  # 「问他能穿吗」: the question starts after 问
            if asked > a:
                out.append((a, asked + 1))
                a = asked + 1
            out.append((a, q + 1))
            a = q + 1
            q = folded.find("吗", a, b - 1)
        out.append((a, b))
    return out


def _overlaps(start: int, end: int, hits: list[tuple]) -> bool:
    """Whether ``start:end`` overlaps any of ``hits`` (tuples that begin with their start and end)."""
    return any(a < end and start < b for a, b, *_ in hits)


def _absent_after(folded: str, pos: int, end: int) -> int | None:
    """Where 都没有/也没 at ``pos`` ends, when it ends what it says (「坏的都没有」「碰伤的都没有了」) rather than
    negating the word after it (in 「没有变形也没掉色」 the 也没 is 掉色's, and 变形 keeps its own 没有); else None."""
    m = _ABSENT_AFTER.match(folded, pos, end)
    return m.end() if m is not None and (m.end() >= end or not _is_cjk(folded[m.end()])) else None


def _either_or(folded: str, start: int, end: int, word: str) -> bool:
    """Whether the word at ``start:end`` is half of 「X不X」 (甜不甜, 好不好): the X before 不X, or the 不X after X."""
    if folded.startswith("不" + word[:2], end) or folded.startswith("不" + word, end):
        return True
    return word.startswith("不") and len(word) > 1 and start > 0 and folded[start - 1] == word[1]


def _magnitude_patterns(
    groups: list,
) -> tuple[re.Pattern | None, tuple[re.Pattern, re.Pattern] | None, dict[str, dict]]:
    """Patterns of rule 16 (「噪音很小」, 「很大的味道」) and each noun's group, from ``magnitude`` in the taxonomy."""
    by_noun = {fold(str(noun)): dict(group) for group in groups for noun in group.get("nouns", [])}
    if not by_noun:
        return None, None, {}
    nouns = word_pattern(by_noun)
    degrees = "(?:" + "|".join(sorted(_DEGREES, key=len, reverse=True)) + ")"
    after = re.compile(
        f"(?P<noun>{nouns})的?(?:也|还|都|又|真的|确实|就)?(?P<degree>{degrees}*)(?P<size>[{_BIG}{_SMALL}])(?![{_NOT_SIZE}])"
    )
    before = re.compile(f"(?P<degree>{degrees}+)(?P<size>[大重])的(?P<noun>{nouns})")  # 「好大的味道」
    return re.compile(nouns), (after, before), by_noun


def _trouble_patterns(groups: list) -> tuple[re.Pattern | None, tuple[tuple[str, re.Pattern], ...], dict[str, str]]:
    """Patterns of rule 22 (「冒了好多痘」「头屑还是很多」「出油少了」) and each noun's aspect, from ``troubles``."""
    aspects = {fold(str(n)): str(g.get("aspect", "使用体验")) for g in groups for n in g.get("nouns", [])}
    if not aspects:
        return None, (), {}
    nouns = word_pattern(aspects)
    patterns = (  # 「掉发少了」 went before 「用了掉发」 came
        ("went", re.compile(f"(?P<noun>{nouns})的?{_TROUBLE_FILL}(?:{_TROUBLE_WENT})")),
        ("grew", re.compile(f"(?P<noun>{nouns})的?{_TROUBLE_FILL}(?:{_TROUBLE_GREW})")),
        ("came", re.compile(f"(?:{_TROUBLE_CAME})(?P<noun>{nouns})")),
        ("without", re.compile(f"(?:那么多|这么多|什么|啥)的?(?P<noun>{nouns})")),  # only after a negator
    )
    return re.compile(nouns), patterns, aspects


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _core_words(table: dict[str, _Word]) -> frozenset[str]:
    """Words that are one lexicon character, alone or after degree words (快, 很快, 太差): checked on tokens."""
    return frozenset(
        w
        for w, word in table.items()
        if word.kind != _IGNORE and (len(w) == 1 or (w[-1] in table and all(ch in _MODIFIERS for ch in w[:-1])))
    )


def _fill_table(table: dict[str, _Word], data: dict, override: bool = False) -> list[str]:
    """Add the words of a taxonomy (or a category pack, whose words win) to ``table``; the aspect names."""
    names = []
    for aspect in data.get("aspects", []):
        name = str(aspect["name"]).strip()
        if not name:
            raise ValueError("方面名称为空")
        names.append(name)
        for word in aspect.get("triggers", []):
            if override:
                table[fold(word)] = _Word(_TRIGGER, name, None)
            else:
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
            if override:
                table[fold(word)] = _Word(_OPINION, None, polarity)
            else:
                table.setdefault(fold(word), _Word(_OPINION, None, polarity))
    return names


def _read_lexicon_file(path: Path) -> dict:
    """A lexicon file as the analysis uses it. A copy the 设置 editor wrote records the shop's changes
    against the bundled file it was made from (``editor_changes``); when a newer cxdesk ships a
    different bundled file, those changes are applied to the new one, so the shop keeps its words and
    gets the new ones without opening the editor (:mod:`cxdesk.analysis.aspect_lexicon_edit`)."""
    from cxdesk.paths import resources_dir

    data = _read_json(path)
    changes = data.get("editor_changes") if isinstance(data, dict) else None
    if not isinstance(changes, dict) or not changes.get("based_on"):
        return data
    bundled = resources_dir() / ASPECTS_FILE[0] / path.name
    try:
        if not bundled.exists() or bundled.resolve() == Path(path).resolve():
            return data
        raw = bundled.read_bytes()
    except OSError:
        return data
    if hashlib.sha256(raw).hexdigest()[:16] == changes["based_on"]:
        return data
    from cxdesk.analysis.aspect_lexicon_edit import apply_changes  # the editor's own rule, one place

    return apply_changes(json.loads(raw.decode("utf-8-sig")), changes)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise CxdeskError(f"读不了方面词表 {path}：{exc}") from exc


def overall_of(data: dict) -> str:
    """The overall aspect's name in a taxonomy's data."""
    return str(data.get("overall", OVERALL))


def default_overall() -> str:
    """The overall aspect's name in the taxonomy the analysis reads: its file only, not compiled (~ms, where
    :func:`default_lexicon` takes ~0.6 s)."""
    return overall_of(_read_lexicon_file(resource_path(*ASPECTS_FILE)))


@lru_cache(maxsize=1)
def default_lexicon() -> AspectLexicon:
    return AspectLexicon.load()
