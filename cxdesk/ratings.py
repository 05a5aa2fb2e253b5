"""Rating classes: 好评 / 中评 / 差评 from stars or from the platform's own words.

Exports often carry 评价等级 = 好评/中评/差评 (Taobao's wording) instead of stars. Such a review
has no stars — inventing them would invent precision — but it does have a class, which is what
the charts, the risk score and the shop's sentiment calibration need. Stars map to classes as
the platforms do (1–2★ 差评, 3★ 中评, 4–5★ 好评); words map through
``resources/lexicons/rating_words.json`` (users may override it). See docs/metrics.md (评分类别).
"""

from __future__ import annotations

import json
import time
import unicodedata
from functools import lru_cache

from cxdesk.paths import resource_path

BAD, NEUTRAL, GOOD = 1, 2, 3
CLASS_NAMES = {BAD: "差评", NEUTRAL: "中评", GOOD: "好评"}
_BY_NAME = {name: cls for cls, name in CLASS_NAMES.items()}
RESOURCE = ("lexicons", "rating_words.json")
# How ratings in words count in analysis (praise/calm of review flags, review risk points): a
# change here re-scans the reviews' flags.
RATINGS_VERSION = "ratings-1"


@lru_cache(maxsize=4)
def _config(path: str, mtime: float) -> tuple[dict[int, int], dict[str, int]]:
    with open(path, encoding="utf-8-sig") as fh:
        data = json.load(fh)
    stars = {int(s): _BY_NAME[name] for name, values in data.get("stars", {}).items() for s in values}
    words = {_norm(w): _BY_NAME[name] for name, values in data.get("words", {}).items() for w in values}
    return stars, words


_RECHECK_S = 2.0  # the file is looked up again at most this often (it is read per review row at import)
_loaded: tuple[float, tuple[dict[int, int], dict[str, int]]] | None = None


def _load() -> tuple[dict[int, int], dict[str, int]]:
    global _loaded
    now = time.monotonic()
    if _loaded is not None and now - _loaded[0] < _RECHECK_S:
        return _loaded[1]
    path = resource_path(*RESOURCE)
    try:
        value = _config(str(path), path.stat().st_mtime)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        # A broken user copy must not stop an import: fall back to the platforms' own division.
        value = ({1: BAD, 2: BAD, 3: NEUTRAL, 4: GOOD, 5: GOOD}, {"好评": GOOD, "中评": NEUTRAL, "差评": BAD})
    _loaded = (now, value)
    return value


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


def class_of_words(words: str | None) -> int | None:
    """好评 → GOOD, 差评/bad → BAD, 追加好评 → GOOD, an unknown text → None."""
    if not words:
        return None
    text = _norm(words)
    by_word = _load()[1]
    if text in by_word:
        return by_word[text]
    found = {cls for name, cls in _BY_NAME.items() if name in text}
    return found.pop() if len(found) == 1 else None


def rating_class(stars: int | None, words: str | None) -> int | None:
    """The review's class from its stars, else from its words; None when it has neither."""
    if stars is not None:
        return _load()[0].get(int(stars))
    return class_of_words(words)


def rating_shown(stars: int | None, cls: int | None, words: str | None = None) -> str:
    """What a list shows: 4星, else 好评 (the class of the words), else the words, else 无评分."""
    if stars:
        return f"{int(stars)}星"
    if cls in CLASS_NAMES:
        return CLASS_NAMES[cls]
    return words or "无评分"


def calibration_label(cls: int | None) -> int | None:
    """差评 → 0 (negative), 好评 → 1 (positive), 中评 or none → None (not used to calibrate)."""
    return {BAD: 0, GOOD: 1}.get(cls) if cls is not None else None
