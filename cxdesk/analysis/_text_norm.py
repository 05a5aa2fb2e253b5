"""Minimal text normaliser shared by the sentiment model's training and prediction.

Deliberately small and self-contained: the shipped sentiment weights were
trained on text passed through exactly this function (``NORM_VERSION``), so
changing it means rebuilding the model (``tools/build_sentiment_model.py``).
"""

from __future__ import annotations

import re

NORM_VERSION = "norm-v2"

# Full-width ASCII (！ to ～) and the ideographic space to their half-width forms.
_FULL_TO_HALF = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_TO_HALF[0x3000] = 0x20

# URLs, platform placeholders such as [订单x] [数字x] [姓名x] (JDDC-style
# anonymisation) and QQ/Wangwang emoticon codes like #E-s[数字x] or /:^_^.
_NOISE = re.compile(r"(?:https?://|www\.)\S+|[\[［][^\[\]［］\s]{1,8}[xX][\]］]|#[eE]-[sS]\[[^\]]*\]", re.IGNORECASE)
# Three or more of the same character become two ("好好好好" -> "好好").
_REPEATS = re.compile(r"(.)\1\1+")
_SPACES = re.compile(r"\s+")


def normalise(text: str | None, fold_width: bool = True) -> str:
    """Full-width to half-width, lower case, placeholders/URLs out, repeats and spaces collapsed.

    ``fold_width=False`` skips the (comparatively slow) ``str.translate`` and
    ``lower()``: the sentiment model does that folding on code points with numpy
    (:func:`fold_codes`), which gives (nearly) the same features.
    """
    if not text:
        return ""
    if fold_width:
        text = text.translate(_FULL_TO_HALF).lower()
    if "[" in text or "［" in text or "http" in text or "www." in text or "HTTP" in text or "WWW." in text:
        text = _NOISE.sub(" ", text)
    text = _REPEATS.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


def fold_codes(codes):
    """In place on a numpy array of code points: full-width → half-width, ASCII upper → lower."""
    import numpy as np

    full = (codes >= 0xFF01) & (codes <= 0xFF5E)
    codes[full] -= np.uint64(0xFEE0) if codes.dtype == np.uint64 else 0xFEE0
    codes[codes == 0x3000] = 0x20
    upper = (codes >= 0x41) & (codes <= 0x5A)
    codes[upper] += np.uint64(32) if codes.dtype == np.uint64 else 32
    return codes
