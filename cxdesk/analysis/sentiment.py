"""Sentiment of reviews and chat messages: a score P(positive) in [0, 1] and a label.

The model is linear over hashed character n-grams (1–3) of the normalised text
(:func:`cxdesk.analysis._text_norm.normalise`), with the text's start and end
as extra context, and every n-gram weighted ``1/sqrt(number of n-grams)``.
Feature extraction is vectorised with numpy over a whole batch (no per-text
Python loop besides normalisation), so prediction runs at a few hundred
thousand short texts per second in one process, and no jieba or snownlp is
imported (``import snownlp`` alone costs ~3 s and 430 MB).

The shipped weights live in ``resources/models/sentiment-v1.npz`` (a plain
``.npz`` of numpy arrays, loadable without pickle and independent of the
scikit-learn version); ``tools/build_sentiment_model.py`` rebuilds them.

Shop calibration (:func:`fit_shop_model`) fits a shop-specific model on the
shop's own rated reviews (1–2★ negative, 4–5★ positive), starting from the
base model's score, and reports its accuracy on a held-out 20 %.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO
from pathlib import Path

import numpy as np

from cxdesk.analysis._text_norm import NORM_VERSION, fold_codes, normalise
from cxdesk.errors import CxdeskError

MODEL_FILE = "sentiment-v1.npz"
LABEL_POS, LABEL_NEU, LABEL_NEG = "正面", "中性", "负面"

#: A shop needs at least this many negative (1–2★) and positive (4–5★) reviews
#: with text before :func:`fit_shop_model` fits a shop model.
MIN_PER_CLASS = 30
#: Share of the rated reviews held out to measure the shop model's accuracy.
HELDOUT_SHARE = 0.2

DEFAULT_NBITS = 20
DEFAULT_NGRAMS = (1, 2, 3)
_BATCH = 50_000  # texts per vectorised batch: bounds memory (~60 MB per 50k reviews)

# Odd 64-bit multipliers for position-dependent n-gram hashing (wrapping uint64 arithmetic).
_MULTS = tuple(np.uint64(m) for m in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5))
_MIX = np.uint64(0xFF51AFD7ED558CCD)


class CalibrationError(CxdeskError):
    """Too few rated reviews (or only one class) to calibrate a shop model."""


# --- features -----------------------------------------------------------------


def hashed_ngrams(
    texts: Sequence[str], nbits: int = DEFAULT_NBITS, ngrams: Sequence[int] = DEFAULT_NGRAMS
) -> tuple[np.ndarray, np.ndarray]:
    """(doc index, bucket) for every character n-gram of every (already normalised) text.

    Full-width characters and ASCII capitals are folded here, on code points
    (:func:`~cxdesk.analysis._text_norm.fold_codes`), which is much faster than
    ``str.translate`` per text.

    The batch is laid out as ``SEP t0 SEP t1 SEP … tn SEP``; an n-gram may
    start or end on a separator (start/end-of-text context) but never spans
    one, so each text's features do not depend on its neighbours in the batch.
    """
    n_docs = len(texts)
    if n_docs == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n_docs)
    joined = "\x00" + "\x00".join(texts) + "\x00"
    codes = fold_codes(np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64))
    total = codes.shape[0]
    # A separator belongs to the text that follows it; the final one to none.
    owner = np.repeat(np.arange(n_docs + 1, dtype=np.int64), np.append(lengths + 1, 1))
    is_sep = codes == 0
    shift = np.uint64(64 - nbits)
    docs, buckets = [], []
    for n in ngrams:
        m = total - n + 1
        if m <= 0:
            continue
        if n == 1:
            valid = ~is_sep
        elif n == 2:
            valid = ~(is_sep[:-1] & is_sep[1:])  # "SEP SEP" only for an empty text: keep it
        else:
            valid = np.ones(m, dtype=bool)
            for k in range(1, n - 1):
                valid &= ~is_sep[k : k + m]
        h = np.full(m, np.uint64(n) * _MULTS[3], dtype=np.uint64)
        for k in range(n):
            h += codes[k : k + m] * _MULTS[k % 3]
        h ^= h >> np.uint64(33)
        h *= _MIX
        h ^= h >> np.uint64(29)
        docs.append(owner[:m][valid])
        buckets.append((h[valid] >> shift).astype(np.int64))
    return np.concatenate(docs), np.concatenate(buckets)


def feature_matrix(texts: Sequence[str], nbits: int = DEFAULT_NBITS, ngrams: Sequence[int] = DEFAULT_NGRAMS):
    """Sparse CSR matrix (texts × 2**nbits) of the model's features, for fitting.

    ``texts`` are raw: they are normalised here.
    """
    from scipy import sparse

    norm = [normalise(t, fold_width=False) for t in texts]
    doc, bucket = hashed_ngrams(norm, nbits, ngrams)
    counts = np.bincount(doc, minlength=len(norm)).astype(np.float64)
    values = 1.0 / np.sqrt(np.maximum(counts, 1.0))[doc]
    matrix = sparse.csr_matrix((values, (doc, bucket)), shape=(len(norm), 1 << nbits))
    matrix.sum_duplicates()
    return matrix


# --- the model -----------------------------------------------------------------


def _digest(weights: np.ndarray, bias: float) -> str:
    h = hashlib.sha256(np.ascontiguousarray(weights, dtype=np.float32).tobytes())
    h.update(repr(float(bias)).encode())
    return h.hexdigest()[:10]


@dataclass
class SentimentModel:
    """Linear model over hashed char n-grams; see the module docstring."""

    weights: np.ndarray  # float32, 2**nbits
    bias: float
    version: str
    neg_below: float = 0.4
    pos_above: float = 0.6
    nbits: int = DEFAULT_NBITS
    ngrams: tuple[int, ...] = DEFAULT_NGRAMS
    norm_version: str = NORM_VERSION
    info: dict = field(default_factory=dict)

    # -- loading / saving

    @classmethod
    def load(cls, path: str | Path | None = None) -> SentimentModel:
        """The shipped model (or the user's override copy), or the ``.npz`` at ``path``."""
        if path is None:
            from cxdesk.paths import resource_path

            path = resource_path("models", MODEL_FILE)
        path = Path(path)
        try:
            with path.open("rb") as fh:
                return cls._read(fh, path.name)
        except FileNotFoundError:
            raise CxdeskError(f"找不到情感模型文件：{path}") from None

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "店铺模型") -> SentimentModel:
        """A model stored as bytes (shop models live in the database)."""
        return cls._read(io.BytesIO(data), name)

    @classmethod
    def _read(cls, source: BinaryIO, name: str) -> SentimentModel:
        try:
            with np.load(source, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                weights = data["weights"].astype(np.float32)
                bias = float(data["bias"])
        except (OSError, KeyError, ValueError) as exc:
            raise CxdeskError(f"情感模型文件无法读取：{name}（{exc}）") from None
        if meta.get("norm_version") != NORM_VERSION:
            raise CxdeskError(
                f"情感模型 {name} 使用的文本规范化版本 {meta.get('norm_version')} "
                f"与本程序（{NORM_VERSION}）不一致，请重新生成模型"
            )
        if weights.shape != (1 << int(meta["nbits"]),):
            raise CxdeskError(f"情感模型文件已损坏：{name}")
        return cls(
            weights=weights,
            bias=bias,
            version=str(meta["version"]),
            neg_below=float(meta["neg_below"]),
            pos_above=float(meta["pos_above"]),
            nbits=int(meta["nbits"]),
            ngrams=tuple(int(n) for n in meta["ngrams"]),
            norm_version=str(meta["norm_version"]),
            info=dict(meta.get("info", {})),
        )

    def save(self, path: str | Path) -> Path:
        """Write the model as a compressed ``.npz`` (float16 weights, no pickle)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            self._write(fh)
        return path

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self._write(buf)
        return buf.getvalue()

    def _write(self, fh: BinaryIO) -> None:
        meta = {
            "version": self.version,
            "neg_below": self.neg_below,
            "pos_above": self.pos_above,
            "nbits": self.nbits,
            "ngrams": list(self.ngrams),
            "norm_version": self.norm_version,
            "info": self.info,
        }
        np.savez_compressed(
            fh,
            weights=self.weights.astype(np.float16),
            bias=np.float64(self.bias),
            meta=np.array(json.dumps(meta, ensure_ascii=False)),
        )

    # -- prediction

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Raw logits; NaN for texts that are empty after normalisation."""
        out = np.empty(len(texts), dtype=np.float64)
        for start in range(0, len(texts), _BATCH):
            norm = [normalise(t, fold_width=False) for t in texts[start : start + _BATCH]]
            n = len(norm)
            doc, bucket = hashed_ngrams(norm, self.nbits, self.ngrams)
            counts = np.bincount(doc, minlength=n).astype(np.float64)
            sums = np.bincount(doc, weights=self.weights[bucket], minlength=n)
            logits = sums / np.sqrt(np.maximum(counts, 1.0)) + self.bias
            lengths = np.fromiter(map(len, norm), dtype=np.int64, count=n)
            logits[lengths == 0] = np.nan
            out[start : start + n] = logits
        return out

    def predict_scores(self, texts: Sequence[str]) -> np.ndarray:
        """P(positive) per text, float64 in [0, 1]; 0.5 (neutral) for empty text."""
        logits = self.decision_function(texts)
        empty = np.isnan(logits)
        scores = 1.0 / (1.0 + np.exp(-np.clip(np.nan_to_num(logits), -30.0, 30.0)))
        scores[empty] = 0.5
        return scores

    def label(self, score: float) -> str:
        """负面 below ``neg_below``, 正面 above ``pos_above``, else 中性."""
        if score < self.neg_below:
            return LABEL_NEG
        if score > self.pos_above:
            return LABEL_POS
        return LABEL_NEU

    def labels(self, scores: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`label` (object array of str)."""
        scores = np.asarray(scores, dtype=np.float64)
        out = np.full(scores.shape, LABEL_NEU, dtype=object)
        out[scores < self.neg_below] = LABEL_NEG
        out[scores > self.pos_above] = LABEL_POS
        return out


def load_default() -> SentimentModel:
    """Shorthand for ``SentimentModel.load()``."""
    return SentimentModel.load()


# --- shop calibration --------------------------------------------------------------


def stars_to_labels(stars: Sequence[float | int | None]) -> list[int | None]:
    """1–2★ → 0 (negative), 4–5★ → 1 (positive), 3★ or missing → None (not used)."""
    out: list[int | None] = []
    for s in stars:
        if s is None or s != s:  # None or NaN
            out.append(None)
        elif s <= 2:
            out.append(0)
        elif s >= 4:
            out.append(1)
        else:
            out.append(None)
    return out


def fit_shop_model(
    texts: Sequence[str],
    labels: Sequence[int | None],
    base: SentimentModel | None = None,
    *,
    min_per_class: int = MIN_PER_CLASS,
    heldout_share: float = HELDOUT_SHARE,
    seed: int = 0,
    refit_all: bool = True,
) -> tuple[SentimentModel, float]:
    """Fit a shop-specific model on rated reviews; return it and its held-out accuracy.

    ``labels``: 1 = positive (4–5★), 0 = negative (1–2★), None = skip (3★,
    unrated); :func:`stars_to_labels` converts star ratings. Texts empty after
    normalisation are skipped; callers should also drop platform placeholder
    texts such as "此用户未填写评价内容" before calling.

    Method: the same hashed n-gram features plus the base model's logit as
    one extra feature, L2 logistic regression (class-balanced). Because the
    model is linear, the result folds back into a plain :class:`SentimentModel`
    (``w_shop + a·w_base``) that predicts exactly as fast as the base model.

    The accuracy is measured on a stratified ``heldout_share`` (20 %) not used
    for fitting (fixed ``seed``); with ``refit_all`` the returned model is then
    refitted on all rated reviews (the accuracy remains the 80 % model's
    estimate). Raises :class:`CalibrationError` (Chinese message) when either
    class has fewer than ``min_per_class`` texts.
    """
    from sklearn.linear_model import LogisticRegression

    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    base = base or SentimentModel.load()
    pairs = [(t, int(y)) for t, y in zip(texts, labels) if y is not None and t and normalise(t)]
    n_pos = sum(1 for _, y in pairs if y == 1)
    n_neg = len(pairs) - n_pos
    if n_pos < min_per_class or n_neg < min_per_class:
        raise CalibrationError(
            f"有文字的评分评价不足，无法校准本店情感模型：差评（1–2星）{n_neg} 条，"
            f"好评（4–5星）{n_pos} 条，每类至少需要 {min_per_class} 条。"
        )
    rated_texts = [t for t, _ in pairs]
    y = np.array([lab for _, lab in pairs], dtype=np.int64)

    from scipy import sparse

    x_text = feature_matrix(rated_texts, base.nbits, base.ngrams)
    base_logit = np.nan_to_num(base.decision_function(rated_texts)).reshape(-1, 1)
    x = sparse.hstack([x_text, sparse.csr_matrix(base_logit)], format="csr")

    rng = np.random.RandomState(seed)
    test_mask = np.zeros(len(y), dtype=bool)
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        test_mask[idx[: max(1, int(round(len(idx) * heldout_share)))]] = True

    def _fit(rows: np.ndarray) -> LogisticRegression:
        clf = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced", solver="liblinear")
        clf.fit(x[rows], y[rows])
        return clf

    clf = _fit(~test_mask)
    accuracy = float((clf.predict(x[test_mask]) == y[test_mask]).mean())
    if refit_all:
        clf = _fit(np.ones(len(y), dtype=bool))

    coef = clf.coef_[0]
    a = float(coef[-1])
    weights = (coef[:-1] + a * base.weights.astype(np.float64)).astype(np.float32)
    bias = float(clf.intercept_[0]) + a * base.bias
    model = SentimentModel(
        weights=weights,
        bias=bias,
        version=f"shop-{_digest(weights, bias)}(base {base.version})",
        neg_below=base.neg_below,
        pos_above=base.pos_above,
        nbits=base.nbits,
        ngrams=tuple(base.ngrams),
        info={
            "kind": "shop",
            "base": base.version,
            "n_pos": n_pos,
            "n_neg": n_neg,
            "heldout_accuracy": accuracy,
            "heldout_n": int(test_mask.sum()),
        },
    )
    return model, accuracy
