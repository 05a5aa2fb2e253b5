"""Texts that carry no opinion of the buyer: empty, emoji-only, or a platform default.

Platforms fill in 系统默认好评 / 此用户未填写评价内容 when a buyer writes nothing;
counting those as positive reviews would flatter every shop, so they are
marked "no content" and left out of sentiment statistics. The list is the
resource file ``lexicons/default_texts.txt`` (users can override it).
"""

from __future__ import annotations

import re
from functools import lru_cache

from cxdesk.paths import resource_path

_STRIP = " \t\r\n。.！!～~，,、"
# Nothing but punctuation, symbols, emoji, digits-free placeholders like [表情].
_NO_WORDS = re.compile(r"^(?:[\W_]|\[[^\]]{0,8}\])*$", re.UNICODE)


@lru_cache(maxsize=1)
def default_texts() -> frozenset[str]:
    path = resource_path("lexicons", "default_texts.txt")
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return frozenset(s.strip(_STRIP) for s in lines if s.strip() and not s.startswith("#"))


def is_no_content(text: str | None) -> bool:
    """True for empty text, text without words, or a platform default text."""
    if not text:
        return True
    core = text.strip(_STRIP)
    return not core or core in default_texts() or bool(_NO_WORDS.match(core))
