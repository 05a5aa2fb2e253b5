"""Abusive / offensive language in chat messages: a score P(offensive) in [0, 1] and a flag.

A linear model over the same hashed character n-grams (1–3) as the sentiment
model (:func:`cxdesk.analysis.sentiment.hashed_ngrams`), on the normalised text
(:func:`cxdesk.analysis._text_norm.normalise`) with punctuation and spaces
stripped from both ends (so "没有了，" and "没有了" score alike), every n-gram
weighted ``1/sqrt(number of n-grams)``. Prediction is numpy-only and
vectorised over the batch (no scikit-learn, no jieba), fast enough to score
every chat message.

The shipped weights, bias and operating threshold live in
``resources/models/offensive-v1.npz`` (a plain ``.npz``, loadable without
pickle); ``tools/build_offensive_model.py`` rebuilds them from COLD
(Apache-2.0) plus a few hand-written e-commerce phrases, and picks the
threshold on COLD's dev split. ``bench/risk_eval.py`` measures it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cxdesk.analysis._text_norm import NORM_VERSION, normalise
from cxdesk.analysis.sentiment import hashed_ngrams
from cxdesk.errors import CxdeskError

MODEL_FILE = "offensive-v1.npz"
DEFAULT_NBITS = 20
DEFAULT_NGRAMS = (1, 2, 3)
_BATCH = 50_000  # texts per vectorised batch (bounds memory)

# Punctuation, symbols and spaces stripped from both ends of a text (half- and full-width).
_EDGE_CHARS = " \t\r\n,.!?;:~'\"`^*-_=+|/\\()<>，。！？；：～、…·“”‘’（）《》【】「」—"


def prepare(text: str | None) -> str:
    """The text the model sees: normalised (width folding left to the hashing), edges stripped."""
    return normalise(text, fold_width=False).strip(_EDGE_CHARS)


def features(
    texts: Sequence[str | None], nbits: int = DEFAULT_NBITS, ngrams: Sequence[int] = DEFAULT_NGRAMS
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(doc index, bucket) of every feature, each text's feature scale ``1/sqrt(n-grams)``, its length."""
    edges = _EDGE_CHARS
    prepared = [normalise(t, fold_width=False).strip(edges) for t in texts]  # = map(prepare, texts)
    n = len(prepared)
    doc, bucket = hashed_ngrams(prepared, nbits, ngrams)
    scale = 1.0 / np.sqrt(np.maximum(np.bincount(doc, minlength=n), 1).astype(np.float64))
    lengths = np.fromiter(map(len, prepared), dtype=np.int64, count=n)
    return doc, bucket, scale, lengths


def feature_matrix(texts: Sequence[str | None], nbits: int = DEFAULT_NBITS, ngrams: Sequence[int] = DEFAULT_NGRAMS):
    """Sparse CSR matrix (texts × 2**nbits) of the model's features, for fitting (needs scipy)."""
    from scipy import sparse

    doc, bucket, scale, _ = features(texts, nbits, ngrams)
    matrix = sparse.csr_matrix((scale[doc], (doc, bucket)), shape=(len(texts), 1 << nbits))
    matrix.sum_duplicates()
    return matrix


@dataclass
class OffensiveModel:
    """Linear model over hashed char n-grams with a stored operating threshold."""

    weights: np.ndarray  # float32, 2**nbits
    bias: float
    threshold: float
    version: str
    nbits: int = DEFAULT_NBITS
    ngrams: tuple[int, ...] = DEFAULT_NGRAMS
    norm_version: str = NORM_VERSION
    info: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> OffensiveModel:
        """The shipped model (or the user's override copy), or the ``.npz`` at ``path``."""
        if path is None:
            from cxdesk.paths import resource_path

            path = resource_path("models", MODEL_FILE)
        path = Path(path)
        try:
            with path.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                weights = data["weights"].astype(np.float32)
                bias = float(data["bias"])
        except FileNotFoundError:
            raise CxdeskError(f"找不到辱骂识别模型文件：{path}") from None
        except (OSError, KeyError, ValueError) as exc:
            raise CxdeskError(f"辱骂识别模型文件无法读取：{path.name}（{exc}）") from None
        if meta.get("norm_version") != NORM_VERSION:
            raise CxdeskError(
                f"辱骂识别模型 {path.name} 使用的文本规范化版本 {meta.get('norm_version')} "
                f"与本程序（{NORM_VERSION}）不一致，请重新生成模型"
            )
        if weights.shape != (1 << int(meta["nbits"]),):
            raise CxdeskError(f"辱骂识别模型文件已损坏：{path.name}")
        return cls(
            weights=weights,
            bias=bias,
            threshold=float(meta["threshold"]),
            version=str(meta["version"]),
            nbits=int(meta["nbits"]),
            ngrams=tuple(int(n) for n in meta["ngrams"]),
            norm_version=str(meta["norm_version"]),
            info=dict(meta.get("info", {})),
        )

    def save(self, path: str | Path) -> Path:
        """Write the model as a compressed ``.npz`` (float16 weights, no pickle)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "version": self.version,
            "threshold": self.threshold,
            "nbits": self.nbits,
            "ngrams": list(self.ngrams),
            "norm_version": self.norm_version,
            "info": self.info,
        }
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                weights=self.weights.astype(np.float16),
                bias=np.float64(self.bias),
                meta=np.array(json.dumps(meta, ensure_ascii=False)),
            )
        return path

    def decision_function(self, texts: Sequence[str | None]) -> np.ndarray:
        """Raw logits; NaN for texts that are empty after preparation."""
        out = np.empty(len(texts), dtype=np.float64)
        for start in range(0, len(texts), _BATCH):
            chunk = texts[start : start + _BATCH]
            n = len(chunk)
            doc, bucket, scale, lengths = features(chunk, self.nbits, self.ngrams)
            logits = np.bincount(doc, weights=self.weights[bucket], minlength=n) * scale + self.bias
            logits[lengths == 0] = np.nan
            out[start : start + n] = logits
        return out

    def predict_scores(self, texts: Sequence[str | None]) -> np.ndarray:
        """P(offensive) per text, float64 in [0, 1]; 0.0 for empty text."""
        logits = self.decision_function(texts)
        empty = np.isnan(logits)
        scores = 1.0 / (1.0 + np.exp(-np.clip(np.nan_to_num(logits), -30.0, 30.0)))
        scores[empty] = 0.0
        return scores

    def is_offensive(self, scores: np.ndarray | float) -> np.ndarray:
        """Boolean array: score at or above the stored operating threshold."""
        return np.asarray(scores, dtype=np.float64) >= self.threshold


def load_default() -> OffensiveModel:
    """Shorthand for ``OffensiveModel.load()``."""
    return OffensiveModel.load()
