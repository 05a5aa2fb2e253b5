"""Chat tone: questions are neutral, complaints negative, thanks positive; the lexicon is data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cxdesk.analysis.chat_tone import ChatTone
from cxdesk.analysis.sentiment import SentimentModel
from cxdesk.errors import CxdeskError
from cxdesk.paths import resources_dir, user_resources_dir


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return SentimentModel.load()


def _labels(model: SentimentModel, tone: ChatTone, texts: list[str]) -> list[str]:
    scores = tone.adjust(texts, model.predict_scores(texts), model.neg_below, model.pos_above)
    assert ((scores >= 0) & (scores <= 1)).all()
    return model.labels(scores).tolist()


def test_questions_neutral_complaints_negative_thanks_positive(model):
    tone = ChatTone.load(resources_dir() / "lexicons" / "chat_tone.json")
    texts = [
        "几天发货啊",
        "运费谁出",
        "亲，48小时内发货哦",
        "太慢了，东西还坏了，我要投诉你们",
        "垃圾东西",
        "好的谢谢，非常满意",
        "不生气，没事",
    ]
    raw = model.labels(model.predict_scores(texts)).tolist()
    assert raw[:3] == ["负面", "负面", "负面"]  # what the review-trained model says on its own
    assert _labels(model, tone, texts) == ["中性", "中性", "中性", "负面", "负面", "正面", "中性"]


def test_gating_keeps_the_order_of_scores_within_the_neutral_band(model):
    tone = ChatTone.load(resources_dir() / "lexicons" / "chat_tone.json")
    scores = np.array([0.05, 0.2, 0.35])
    out = tone.adjust(["在吗", "在吗", "在吗"], scores, model.neg_below, model.pos_above)
    assert (np.diff(out) > 0).all() and (out >= 0.4).all() and (out < 0.5).all()


def test_user_copy_changes_the_cues_and_a_broken_file_is_refused(model):
    data = json.loads((resources_dir() / "lexicons" / "chat_tone.json").read_text(encoding="utf-8"))
    data["negative_cues"].append("发货")
    path = user_resources_dir() / "lexicons" / "chat_tone.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    mine = ChatTone.load()
    assert mine.version != ChatTone.load(resources_dir() / "lexicons" / "chat_tone.json").version
    assert _labels(model, mine, ["几天发货啊"]) == ["负面"]
    path.write_text(
        '{"version": "x", "negative_cues": [], "positive_cues": [], "neutral_band": [0.7, 0.2]}', encoding="utf-8"
    )
    with pytest.raises(CxdeskError, match="聊天语气词表"):
        ChatTone.load()


def test_an_agent_handling_a_return_is_not_negative_but_a_buyer_asking_for_one_is(model):
    tone = ChatTone.load(resources_dir() / "lexicons" / "chat_tone.json")
    texts = ["亲，可以在订单里申请退货，运费险会赔付", "我要退货退款"]
    scores = tone.adjust(texts, model.predict_scores(texts), model.neg_below, model.pos_above, roles=["agent", "buyer"])
    assert model.labels(scores).tolist() == ["中性", "负面"]
    rude = ["爱买不买，垃圾"]
    assert model.labels(
        tone.adjust(rude, model.predict_scores(rude), model.neg_below, model.pos_above, roles=["agent"])
    ).tolist() == ["负面"]
