"""Abusive-language model: shipped weights, threshold, batch consistency.

Hand-written sentences only; nothing from ../shared/data.
"""

from __future__ import annotations

import numpy as np
import pytest

from cxdesk.analysis import offensive as O
from cxdesk.errors import CxdeskError

# "滚", "去死吧" and "你是傻逼" also occur in the build script's hand-written seed phrases;
# the last three sentences do not.
ABUSIVE = ["你是傻逼吗", "滚", "去死吧", "你他妈眼瞎吗", "你们这帮骗子不得好死", "你是不是脑子有病，蠢货"]
ORDINARY = [
    "亲，您好，请问有什么可以帮您",
    "这款衣服明天发货",
    "尺码偏大建议拍小一码",
    "好的，已经帮您登记了，请耐心等待",
    "请问这个有黑色的吗",
    "快递什么时候能到",
]


@pytest.fixture(scope="module")
def model() -> O.OffensiveModel:
    return O.OffensiveModel.load()


def test_shipped_model_loads_with_version(model):
    assert isinstance(model.version, str) and model.version.startswith("offensive-v1")
    assert 0.5 <= model.threshold < 1.0
    assert model.weights.shape == (1 << model.nbits,)


@pytest.mark.parametrize("text", ABUSIVE)
def test_obvious_insults_are_flagged(model, text):
    score = model.predict_scores([text])
    assert score[0] > model.threshold
    assert model.is_offensive(score)[0]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_service_sentences_are_not(model, text):
    score = model.predict_scores([text])
    assert score[0] < model.threshold
    assert not model.is_offensive(score)[0]


def test_scores_in_unit_interval_and_empty_text(model):
    texts = ["", "   ", None, "，。！", "[订单x]", "滚" * 3000, "a", "东西收到了"]
    scores = model.predict_scores(texts)
    assert scores.shape == (len(texts),)
    assert np.all((scores >= 0) & (scores <= 1))
    assert list(scores[[0, 1, 2, 3, 4]]) == [0.0] * 5
    assert not model.is_offensive(scores[:5]).any()
    assert model.predict_scores([]).shape == (0,)


def test_batch_equals_single(model, monkeypatch):
    texts = ABUSIVE + ORDINARY + ["", "好", "ＡＢＣ　滚！！！", "没有了，"]
    batch = model.predict_scores(texts)
    single = np.array([model.predict_scores([t])[0] for t in texts])
    np.testing.assert_allclose(batch, single, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.predict_scores(texts[::-1])[::-1], batch, rtol=0, atol=1e-12)
    monkeypatch.setattr(O, "_BATCH", 3)
    np.testing.assert_allclose(model.predict_scores(texts), batch, rtol=0, atol=1e-12)


def test_edge_punctuation_does_not_matter(model):
    a, b, c = model.predict_scores(["没有了", "没有了，", "  没有了！！"])
    assert a == b == c


def test_is_offensive_uses_threshold(model):
    t = model.threshold
    assert list(model.is_offensive(np.array([0.0, t - 1e-9, t, 1.0]))) == [False, False, True, True]


def test_save_load_roundtrip(model, tmp_path):
    again = O.OffensiveModel.load(model.save(tmp_path / "m.npz"))
    assert again.version == model.version and again.threshold == model.threshold
    np.testing.assert_allclose(again.predict_scores(ABUSIVE), model.predict_scores(ABUSIVE), atol=1e-6)


def test_missing_model_file_is_a_chinese_error(tmp_path):
    with pytest.raises(CxdeskError, match="找不到辱骂识别模型"):
        O.OffensiveModel.load(tmp_path / "nope.npz")


def test_runtime_needs_no_sklearn():
    import subprocess
    import sys

    code = (
        "import sys; from cxdesk.analysis.offensive import OffensiveModel; "
        "OffensiveModel.load().predict_scores(['滚']); "
        "assert not any(m.split('.')[0] in ('sklearn', 'scipy', 'jieba') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=O.__file__.rsplit("cxdesk", 1)[0])
