"""设置 → 评价方面词表: editing the aspect lexicon and its category packs (cxdesk side, no Qt)."""

from __future__ import annotations

import hashlib
import json
import shutil
from types import SimpleNamespace

import pytest

from cxdesk.analysis import aspect_lexicon_edit as edit
from cxdesk.analysis.aspect_lexicon_edit import MAIN, LexiconEditError, load_draft, restore_defaults, save_draft
from cxdesk.analysis.aspect_stage import stage_version
from cxdesk.analysis.aspects import AspectLexicon
from cxdesk.errors import CxdeskError
from cxdesk.paths import resources_dir, user_resources_dir

LOGISTICS = "物流/快递"
NEW_WORD = "等到花儿都谢了"  # a complaint about delivery the bundled lexicon does not hold


def _bundled_hashes() -> dict[str, str]:
    folder = resources_dir() / "lexicons"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("aspects*.json")}


def _user_copy(name: str = MAIN) -> dict:
    return json.loads((user_resources_dir() / "lexicons" / name).read_text(encoding="utf-8"))


def _food_pack(draft) -> str:
    return next(p.file for p in draft.packs() if "口味" in p.aspects)


def _read(text: str) -> set[tuple[str, str]]:
    return {(m.aspect, m.polarity) for m in AspectLexicon.load().mentions(text)}


def test_round_trip_adds_words_and_an_aspect_and_never_touches_the_bundled_files():
    before = _bundled_hashes()
    assert (LOGISTICS, "负面") not in _read(f"{NEW_WORD}，下次不买")
    draft = load_draft()
    assert not draft.modified()
    assert draft.add_word(MAIN, LOGISTICS, "negative", f"  {NEW_WORD} ") == NEW_WORD  # spaces dropped
    draft.add_aspect("售后")
    draft.add_word(MAIN, "售后", "triggers", "售后服务")
    assert draft.modified()
    written = save_draft(draft)
    assert written == [user_resources_dir() / "lexicons" / MAIN]
    assert not list((user_resources_dir() / "lexicons").glob("*.part"))
    assert _bundled_hashes() == before

    again = load_draft()
    info = again.aspect(LOGISTICS)
    assert NEW_WORD in info.words["negative"] and info.added == frozenset({NEW_WORD}) and not info.user_made
    assert again.aspect("售后").user_made and again.aspect("售后").words["triggers"] == ("售后服务",)
    assert not again.modified() and not again.rebased and not again.hand_made
    # What the analysis reads: the user's copy.
    assert (LOGISTICS, "负面") in _read(f"{NEW_WORD}，下次不买")
    assert ("售后", "正面") in _read("售后服务很好")
    changes = _user_copy()["editor_changes"]
    assert changes["added"][LOGISTICS] == {"negative": [NEW_WORD]}
    assert changes["added"]["售后"]["triggers"] == ["售后服务"]
    assert "本店添加了 2 个词" in edit.summary()


def test_removing_a_bundled_word_is_recorded_and_read():
    draft = load_draft()
    word = draft.aspect(LOGISTICS).words["negative"][0]
    assert draft.remove_word(MAIN, LOGISTICS, "negative", word)
    assert not draft.remove_word(MAIN, LOGISTICS, "negative", word)  # already gone
    save_draft(draft)
    assert word not in load_draft().aspect(LOGISTICS).words["negative"]
    assert _user_copy()["editor_changes"]["removed"] == {LOGISTICS: {"negative": [word]}}


@pytest.mark.parametrize(
    "kind, word, message",
    [
        ("negative", "", "差评说法不能为空"),
        ("negative", "   ", "不能为空"),
        ("negative", "送" * 13, "太长"),
        ("negative", "太慢，差评", "只能包含汉字、字母和数字"),
        ("negative", "慢", "只有一个字"),
        ("positive", "很好", "是通用评价词"),  # judges any aspect: not one aspect's word
        ("negative", "不太", "是否定词"),
    ],
)
def test_bad_words_are_refused_with_a_message(kind, word, message):
    draft = load_draft()
    with pytest.raises(LexiconEditError, match=message):
        draft.add_word(MAIN, LOGISTICS, kind, word)
    assert not draft.modified()


def test_duplicates_and_a_word_both_positive_and_negative_are_refused():
    draft = load_draft()
    draft.add_word(MAIN, LOGISTICS, "positive", "神速到货")
    with pytest.raises(LexiconEditError, match="已经是「物流/快递」的好评说法"):
        draft.add_word(MAIN, LOGISTICS, "positive", "神速到货")
    with pytest.raises(LexiconEditError, match="不能同时是差评说法"):
        draft.add_word(MAIN, LOGISTICS, "negative", "神速到货")
    with pytest.raises(LexiconEditError, match="已经是「物流/快递」的好评说法"):  # letters compare folded
        draft.add_word(MAIN, LOGISTICS, "positive", "神速到货".upper())
    other = draft.aspect("包装").words["triggers"][0]
    with pytest.raises(LexiconEditError, match="一个词只能属于一个方面"):
        draft.add_word(MAIN, LOGISTICS, "triggers", other)
    food = _food_pack(draft)
    # A pack re-assigns words of aspects.json for its category: that is allowed there.
    in_pack = {w for a in draft.aspects() if a.file == food for ws in a.words.values() for w in ws}
    general_trigger = next(w for w in draft.aspect(LOGISTICS).words["triggers"] if w not in in_pack)
    draft.add_word(food, "口味", "triggers", general_trigger)
    assert general_trigger in draft.aspect("口味", food).words["triggers"]


def test_new_aspect_rules_and_an_empty_aspect_blocks_saving():
    draft = load_draft()
    for name, message in [
        ("", "请填写方面名称"),
        ("整体", "没有指明方面"),
        (LOGISTICS, "已经有方面"),
        ("售后/退换货服务与保障说明", "最多 12 个字"),
        ("售后！", "只能用汉字"),
    ]:
        with pytest.raises(LexiconEditError, match=message):
            draft.add_aspect(name)
    draft.add_aspect("售后")
    with pytest.raises(LexiconEditError, match="新方面「售后」还没有词"):
        save_draft(draft)
    assert not (user_resources_dir() / "lexicons" / MAIN).exists()
    with pytest.raises(LexiconEditError, match="内置方面"):
        draft.remove_aspect(LOGISTICS)
    draft.remove_aspect("售后")
    assert not draft.modified()


def test_a_conflicting_word_in_a_hand_made_copy_is_reported_on_save():
    """problems() re-checks the shop's words: a copy edited by hand may hold a word twice."""
    data = json.loads((resources_dir() / "lexicons" / MAIN).read_text(encoding="utf-8"))
    for aspect in data["aspects"]:
        if aspect["name"] == LOGISTICS:
            aspect["positive"].append(NEW_WORD)
            aspect["negative"].append(NEW_WORD)
    (user_resources_dir() / "lexicons").mkdir(parents=True, exist_ok=True)
    (user_resources_dir() / "lexicons" / MAIN).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    draft = load_draft()
    assert MAIN in draft.hand_made
    with pytest.raises(LexiconEditError, match="不能同时是"):
        save_draft(draft)


def test_user_copy_overrides_the_bundled_one_and_a_hand_made_copy_is_kept_as_it_is():
    data = json.loads((resources_dir() / "lexicons" / MAIN).read_text(encoding="utf-8"))
    data["negation_window"] = 3  # something the editor does not show: kept on save
    for aspect in data["aspects"]:
        if aspect["name"] == LOGISTICS:
            aspect["negative"].append(NEW_WORD)
    (user_resources_dir() / "lexicons").mkdir(parents=True, exist_ok=True)
    (user_resources_dir() / "lexicons" / MAIN).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    draft = load_draft()
    assert MAIN in draft.hand_made
    assert NEW_WORD in draft.aspect(LOGISTICS).added
    draft.add_word(MAIN, LOGISTICS, "positive", "神速到货")
    save_draft(draft)
    saved = _user_copy()
    assert "editor_changes" not in saved and saved["negation_window"] == 3
    assert AspectLexicon.load().window == 3


def test_pack_toggle_changes_the_fingerprint_the_aspect_stage_uses():
    model = SimpleNamespace(version="model-x")
    on = AspectLexicon.load()
    text = "外卖的味道很好"
    assert "口味" in {m.aspect for m in on.mentions(text)}
    draft = load_draft()
    food = _food_pack(draft)
    assert next(p for p in draft.packs() if p.file == food).on
    draft.set_pack(food, False)
    assert "口味" in {a.name for a in draft.aspects()}  # still listed (its words can be edited), but off
    save_draft(draft)
    assert not next(p for p in load_draft().packs() if p.file == food).on
    off = AspectLexicon.load()
    assert off.fingerprint != on.fingerprint
    assert stage_version(off, model) != stage_version(on, model)  # the next analysis re-reads every review
    assert "口味" not in {m.aspect for m in off.mentions(text)}
    assert _user_copy()["editor_changes"]["packs_off"] == [food]
    # Back on: the same as shipped, so the copy is removed and the fingerprint is the bundled one again.
    draft = load_draft()
    draft.set_pack(food, True)
    assert save_draft(draft) == [user_resources_dir() / "lexicons" / MAIN]
    assert not (user_resources_dir() / "lexicons" / MAIN).exists()
    assert AspectLexicon.load().fingerprint == on.fingerprint


def test_words_of_a_pack_go_to_the_users_copy_of_the_pack():
    draft = load_draft()
    food = _food_pack(draft)
    draft.add_word(food, "口味", "negative", "咸得发苦")
    assert save_draft(draft) == [user_resources_dir() / "lexicons" / food]
    assert _user_copy(food)["editor_changes"]["added"] == {"口味": {"negative": ["咸得发苦"]}}
    assert ("口味", "负面") in _read("外卖的菜咸得发苦")


def test_restore_defaults_deletes_the_users_copies():
    fingerprint = AspectLexicon.load().fingerprint
    draft = load_draft()
    food = _food_pack(draft)
    draft.add_word(MAIN, LOGISTICS, "negative", NEW_WORD)
    draft.add_word(food, "口味", "negative", "咸得发苦")
    save_draft(draft)
    assert AspectLexicon.load().fingerprint != fingerprint
    removed = restore_defaults()
    assert sorted(p.name for p in removed) == sorted([MAIN, food])
    assert AspectLexicon.load().fingerprint == fingerprint
    assert not load_draft().aspect(LOGISTICS).added
    assert restore_defaults() == []


def test_a_newer_bundled_lexicon_keeps_the_shops_changes(tmp_path, monkeypatch):
    draft = load_draft()
    removed = draft.aspect(LOGISTICS).words["negative"][0]
    draft.add_word(MAIN, LOGISTICS, "negative", NEW_WORD)
    draft.remove_word(MAIN, LOGISTICS, "negative", removed)
    save_draft(draft)
    # A later cxdesk ships a different aspects.json (a word more in 包装).
    newer = tmp_path / "resources"
    shutil.copytree(resources_dir() / "lexicons", newer / "lexicons")
    data = json.loads((newer / "lexicons" / MAIN).read_text(encoding="utf-8"))
    next(a for a in data["aspects"] if a["name"] == "包装")["negative"].append("盒子压扁了啦")
    (newer / "lexicons" / MAIN).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(edit, "resources_dir", lambda: newer)
    rebased = load_draft()
    assert rebased.rebased == [MAIN]
    assert "盒子压扁了啦" in rebased.aspect("包装").words["negative"]  # the new bundled word
    words = rebased.aspect(LOGISTICS).words["negative"]
    assert NEW_WORD in words and removed not in words  # the shop's changes, applied again


def test_the_analysis_applies_the_shops_changes_to_a_newer_bundled_lexicon(tmp_path, monkeypatch):
    """After an upgrade the analysis reads new bundled words plus the shop's own, before any save."""
    import cxdesk.paths as paths

    draft = load_draft()
    draft.add_word(MAIN, LOGISTICS, "negative", NEW_WORD)
    save_draft(draft)
    newer = tmp_path / "resources"
    shutil.copytree(resources_dir(), newer)
    data = json.loads((newer / "lexicons" / MAIN).read_text(encoding="utf-8"))
    next(a for a in data["aspects"] if a["name"] == "包装")["negative"].append("像被大象坐过")
    (newer / "lexicons" / MAIN).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(paths, "resources_dir", lambda: newer)
    assert ("包装", "负面") in _read("包装像被大象坐过")  # the newer bundled word
    assert (LOGISTICS, "负面") in _read(f"快递{NEW_WORD}")  # the shop's word, still there
    monkeypatch.undo()
    assert ("包装", "负面") not in _read("包装像被大象坐过")  # the same copy over the old bundled file


def test_a_save_the_analysis_could_not_read_puts_the_previous_file_back(monkeypatch):
    draft = load_draft()
    draft.add_word(MAIN, LOGISTICS, "negative", NEW_WORD)
    save_draft(draft)
    before = (user_resources_dir() / "lexicons" / MAIN).read_bytes()

    def broken(*_args, **_kwargs):
        raise CxdeskError("方面词表格式不对")

    monkeypatch.setattr(edit.AspectLexicon, "load", broken)
    draft.add_word(MAIN, LOGISTICS, "positive", "神速到货")
    with pytest.raises(LexiconEditError, match="已恢复原来的文件"):
        save_draft(draft)
    assert (user_resources_dir() / "lexicons" / MAIN).read_bytes() == before
    assert draft.modified()  # still unsaved: the dialog keeps the edits


def test_an_unreadable_user_copy_is_reported_and_the_bundled_one_shown():
    (user_resources_dir() / "lexicons").mkdir(parents=True, exist_ok=True)
    (user_resources_dir() / "lexicons" / MAIN).write_text("{not json", encoding="utf-8")
    draft = load_draft()
    assert draft.notes and "不是有效的 JSON" in draft.notes[0]
    assert draft.aspect(LOGISTICS).words["negative"]  # the bundled words
    draft.add_word(MAIN, LOGISTICS, "negative", NEW_WORD)
    save_draft(draft)  # replaces the broken file
    assert NEW_WORD in next(a for a in _user_copy()["aspects"] if a["name"] == LOGISTICS)["negative"]
