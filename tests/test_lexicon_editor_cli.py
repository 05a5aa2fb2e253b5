"""``python main.py lexicon``: the same edits as 设置 → 评价方面词表, from the command line."""

from __future__ import annotations

from cxdesk.analysis.aspect_lexicon_edit import MAIN, load_draft
from cxdesk.analysis.aspects import AspectLexicon
from cxdesk.cli import main
from cxdesk.paths import user_resources_dir


def test_lexicon_command_toggles_a_pack_adds_a_word_and_restores(capsys):
    fingerprint = AspectLexicon.load().fingerprint
    food = next(p for p in load_draft().packs() if "口味" in p.aspects)
    assert main(["lexicon", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"{food.category}（{food.file}）：开启" in listing and "物流/快递：" in listing

    assert main(["lexicon", "pack", food.category, "off"]) == 0
    assert "下次 analyze" in capsys.readouterr().out
    assert not next(p for p in load_draft().packs() if p.file == food.file).on
    assert AspectLexicon.load().fingerprint != fingerprint

    assert main(["lexicon", "add", "物流/快递", "negative", "等到花儿都谢了"]) == 0
    capsys.readouterr()
    assert "等到花儿都谢了" in load_draft().aspect("物流/快递").added
    assert main(["lexicon", "add", "物流/快递", "negative", "很好"]) == 1  # refused with the editor's message
    assert "通用评价词" in capsys.readouterr().err
    assert main(["lexicon", "pack", "宠物用品", "on"]) == 1
    assert "现有：" in capsys.readouterr().err
    assert main(["lexicon", "list"]) == 0
    assert "本店添加：等到花儿都谢了" in capsys.readouterr().out

    assert main(["lexicon", "restore"]) == 0
    assert "恢复内置词表" in capsys.readouterr().out
    assert not (user_resources_dir() / "lexicons" / MAIN).exists()
    assert AspectLexicon.load().fingerprint == fingerprint
