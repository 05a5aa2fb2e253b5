"""Aspect mentions: taxonomy words, negation, clause spans; the stage in the engine."""

from __future__ import annotations

import json

import pytest

from cxdesk.analysis.aspects import AspectLexicon
from cxdesk.analysis.engine import analyze
from cxdesk.errors import CxdeskError
from cxdesk.paths import resources_dir, user_resources_dir
from cxdesk.records import content_key
from cxdesk.store import open_store
from cxdesk.tasks import TaskContext


@pytest.fixture(scope="module")
def lexicon() -> AspectLexicon:
    return AspectLexicon.load(resources_dir() / "lexicons" / "aspects.json")


def _read(lexicon: AspectLexicon, text: str) -> list[tuple[str, str, str]]:
    return [(m.aspect, m.polarity, text[m.span_start : m.span_end]) for m in lexicon.mentions(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("不太满意", [("整体", "负面", "不太满意")]),
        ("没有异味，不油腻", [("气味", "正面", "没有异味"), ("使用体验", "正面", "不油腻")]),
        ("物流很快，但是尺码偏小", [("物流/快递", "正面", "物流很快"), ("尺码/大小", "负面", "偏小")]),
        ("颜色、尺码都不错", [("尺码/大小", "正面", "不错"), ("颜色/外观", "正面", "不错")]),
        ("价格不算贵", [("价格/性价比", "正面", "不算贵")]),
        ("质量特别好", [("质量", "正面", "好")]),  # the 别 of 特别 is not a negator
        ("保质期太短了", [("新鲜度/保质期", "负面", "太短")]),  # not 尺码: the trigger takes it over
        ("客服回复很及时", [("客服/服务", "正面", "及时")]),  # one mention for two triggers
    ],
)
def test_mentions_with_polarity_and_negation(lexicon, text, expected):
    assert sorted(_read(lexicon, text)) == sorted(expected)


def test_questions_and_bare_triggers_give_no_mention(lexicon):
    assert lexicon.mentions("是正品吗？") == []
    assert lexicon.mentions("请问有没有赠品") == []
    assert lexicon.mentions("快递今天到了，颜色是黑色") == []
    assert lexicon.mentions("") == [] and lexicon.mentions(None) == []


def test_spans_index_the_original_text_with_full_width_characters(lexicon):
    text = "【Ａ款】！！宝贝收到了，包装很严实；就是有点色差"
    found = lexicon.mentions(text)
    assert [(m.aspect, m.polarity) for m in found] == [("包装", "正面"), ("颜色/外观", "负面")]
    pack, colour = found
    assert text[pack.clause_start : pack.clause_end] == "包装很严实"
    assert text[pack.span_start : pack.span_end] == "严实"
    assert text[colour.clause_start : colour.clause_end] == "就是有点色差"
    assert text[colour.span_start : colour.span_end] == "色差"


def test_user_copy_of_the_taxonomy_overrides_the_bundled_one_and_bad_files_are_refused(tmp_path):
    data = json.loads((resources_dir() / "lexicons" / "aspects.json").read_text(encoding="utf-8"))
    data["aspects"].append({"name": "表带", "triggers": ["表带"], "negative": ["勒手腕"]})
    override = user_resources_dir() / "lexicons" / "aspects.json"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    lexicon = AspectLexicon.load()
    assert "表带" in lexicon.aspects
    assert [(m.aspect, m.polarity) for m in lexicon.mentions("表带很好，就是勒手腕")] == [
        ("表带", "正面"),
        ("表带", "负面"),
    ]
    assert lexicon.fingerprint != AspectLexicon.load(resources_dir() / "lexicons" / "aspects.json").fingerprint
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": "x", "aspects": [{"triggers": ["a"]}]}', encoding="utf-8")
    with pytest.raises(CxdeskError, match="方面词表"):
        AspectLexicon.load(broken)
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CxdeskError, match="读不了方面词表"):
        AspectLexicon.load(broken)


REVIEWS = [
    # (content, rating, append) — the second one is a 追评 shift, the third a default text.
    ("物流很快，质量很好，很满意", 5, None),
    ("做工精细，颜色好看", 5, "洗了一次就掉色了，质量太差，很失望"),
    ("此用户未填写评价内容", 5, None),
    ("尺码偏小，退货了", 2, "换了大一码，这次合身，挺好的"),
]


def _fill(db_path):
    with open_store(db_path) as store:
        shop = store.shops.get_or_create("taobao", "测试店")
        with store.transaction():
            store.reviews.insert_many(
                shop.id,
                None,
                [
                    {"review_key": content_key(i, text), "content": text, "rating": rating, "append_content": append}
                    for i, (text, rating, append) in enumerate(REVIEWS)
                ],
            )


def _rows(db_path):
    with open_store(db_path) as store:
        mentions = store.conn.execute(
            "SELECT r.content, a.part, a.aspect, a.polarity, a.clause_start, a.clause_end FROM review_aspects a "
            "JOIN reviews r ON r.id = a.review_id ORDER BY a.review_id, a.part, a.span_start"
        ).fetchall()
        shifts = [r[5] for r in store.results.followup_shifts()]
        states = store.conn.execute("SELECT COUNT(*), SUM(shift) FROM review_text_state").fetchone()
    return mentions, shifts, states


def test_stage_stores_mentions_of_review_and_follow_up_and_finds_the_shift(tmp_path):
    db = tmp_path / "a.sqlite3"
    _fill(db)
    summary = analyze(TaskContext(), db, workers=1)
    assert any(s.stage == "aspects" and s.processed == 4 for s in summary.stages)
    mentions, shifts, states = _rows(db)
    assert states == (4, 1)  # every review read (markers even without mentions); one shift
    assert shifts == ["做工精细，颜色好看"]
    by_part = {(c[:4], part, aspect, pol) for c, part, aspect, pol, _, _ in mentions}
    assert ("物流很快", "content", "物流/快递", "正面") in by_part
    assert ("做工精细", "append", "质量", "负面") in by_part
    assert ("做工精细", "append", "颜色/外观", "负面") in by_part
    assert not any(c.startswith("此用户") for c, *_ in mentions)
    # The improving follow-up of a negative first review is not a shift.
    assert ("尺码偏小", "append", "尺码/大小", "正面") in by_part
    # Clause spans of the follow-up index into the follow-up text.
    with open_store(db) as store:
        append = store.conn.execute("SELECT append_content FROM reviews WHERE content LIKE '做工%'").fetchone()[0]
    clauses = {append[s:e] for c, part, _, _, s, e in mentions if part == "append" and c.startswith("做工")}
    assert clauses == {"洗了一次就掉色了", "质量太差", "很失望"}


def test_second_run_reads_nothing_and_a_lexicon_change_rereads_everything(tmp_path):
    db = tmp_path / "a.sqlite3"
    _fill(db)
    analyze(TaskContext(), db, workers=1)
    again = analyze(TaskContext(), db, workers=1)
    assert [s.processed for s in again.stages if s.stage == "aspects"] == [0]
    data = json.loads((resources_dir() / "lexicons" / "aspects.json").read_text(encoding="utf-8"))
    data["opinions"]["负面"].append("一次就")
    override = user_resources_dir() / "lexicons" / "aspects.json"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    third = analyze(TaskContext(), db, workers=1)
    assert [s.processed for s in third.stages if s.stage == "aspects"] == [4]
    mentions, _, states = _rows(db)
    assert states == (4, 1)
    assert len({(m[0], m[1], m[2], m[3], m[4]) for m in mentions}) == len(mentions)  # replaced, not duplicated
