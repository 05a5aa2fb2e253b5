"""Search on the team store: the texts themselves, through trigram indexes, instead of an FTS5 index.

:class:`PgSearchIndexRepo` answers what :class:`cxdesk.store.search_index.SearchIndexRepo` answers, so
:func:`cxdesk.search.search` and the search page work unchanged. PostgreSQL keeps its ``pg_trgm``
GIN indexes (created with the schema, :mod:`cxdesk.store.pg.schema`) up to date on every write,
so there is nothing to build: the analysis's search stage finds nothing to do and the index is always
"built".

The indexes hold each text folded and without separators (``cxdesk_search_squash``); a phrase's
tokens run together, as a LIKE pattern on it, find the candidates through the index (from three
characters on), then the exact test below decides. A query's terms arrive as the FTS5 expression :attr:`cxdesk.search.SearchQuery.match` builds (one
quoted phrase of index tokens per term, ``*`` for an ASCII prefix). Each phrase becomes a regular
expression on the folded text with the same meaning: its tokens in order with only separators
(spaces, punctuation) between them; an ASCII word token stands alone (not inside a longer word) unless
it is the prefix. One- and two-character queries have no trigram to look up: PostgreSQL reads the
texts (fine for a shop's store; the SQLite index answers those from its index).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from cxdesk.store.search_index import _filters

# Characters between two tokens of a phrase: what FTS5's unicode61 tokenizer skips, for the texts
# shops have (ASCII space and punctuation, CJK punctuation, full-width forms folded before).
GAP_CLASS = (
    r"[[:space:][:punct:]\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201f\u2026\u00b7]"
)
_GAP = GAP_CLASS + "*"
_PHRASE = re.compile(r'"([^"]*)"(\*?)')
_WORD = re.compile(r"[a-z]")

_MESSAGE_ROWS = """
SELECT m.id, m.session_id, m.shop_id, sh.name, sh.platform, m.role, m.sender, m.sent_at, m.content,
       (SELECT buyer_nick FROM chat_sessions WHERE id = m.session_id)
FROM chat_messages m JOIN shops sh ON sh.id = m.shop_id
WHERE {text} AND m.id < ? {where}
ORDER BY m.id DESC LIMIT ?
"""
_REVIEW_ROWS = """
SELECT r.id, r.shop_id, sh.name, sh.platform, r.created_at, r.content, r.append_content, r.buyer_nick, r.rating
FROM reviews r JOIN shops sh ON sh.id = r.shop_id
WHERE {text} AND r.id < ? {where}
ORDER BY r.id DESC LIMIT ?
"""
_COUNT = "SELECT COUNT(*) FROM (SELECT 1 FROM {source} t WHERE {text} {where} LIMIT ?) AS hits"
_SOURCE = {"message": "chat_messages", "review": "reviews"}


def phrase_pattern(body: str, prefix: str) -> str:
    """The PostgreSQL regular expression of one phrase of an FTS5 ``match`` expression: its tokens
    ``body`` in order, ``prefix`` (``*``) letting the last one be a word's start (see the module doc)."""
    toks = body.split()
    parts = []
    for i, tok in enumerate(toks):
        piece = re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", tok)
        if _WORD.search(tok):
            piece = "(?<![a-z])" + piece  # digits are tokens of their own: iphone13 holds "iphone"
            if not (prefix and i == len(toks) - 1):
                piece += "(?![a-z])"
        parts.append(piece)
    return _GAP.join(parts)


def squashed(body: str) -> str:
    """A phrase's tokens run together, as a LIKE pattern on ``cxdesk_search_squash``: true of every text
    the phrase matches (the trigram index finds those), then checked by :func:`phrase_pattern`."""
    return "%" + _like_escape("".join(body.split())) + "%"


def _column_condition(body: str, rx: str, like: str, column: str) -> tuple[str, list[str]]:
    """One phrase in one text column: cheap necessary conditions first, then the exact test.

    - the phrase's tokens occur in order: ``LIKE '%t1%t2%'`` on the raw text when every token is CJK
      (folding never changes those), else on the folded text; built-ins only, well under a microsecond a
      text;
    - from three characters on, the run-together tokens occur in ``cxdesk_search_squash`` (what the
      trigram index answers, when the database's character type knows CJK letters);
    - the phrase's regular expression on the folded text decides.
    """
    toks = body.split()
    conds: list[str] = []
    params: list[str] = []
    if toks:
        text = column if all(not t.isascii() for t in toks) else f"cxdesk_search_fold({column})"
        conds.append(f"{text} LIKE ?")
        params.append("%" + "%".join(_like_escape(t) for t in toks) + "%")
    if len(like) - 2 >= 3:  # "%…%": a trigram to look up
        conds.append(f"cxdesk_search_squash({column}) LIKE ?")
        params.append(like)
    conds.append(f"cxdesk_search_fold({column}) ~ ?")
    params.append(rx)
    return "(" + " AND ".join(conds) + ")", params


def _like_escape(text: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", text)


def _text_condition(kind: str, match: str, alias: str) -> tuple[str, list[str]]:
    clauses, params = [], []
    columns = ["content"] if kind == "message" else ["content", "append_content"]
    for body, prefix in _PHRASE.findall(match):  # one quoted phrase per term
        like, rx = squashed(body), phrase_pattern(body, prefix)
        either = [_column_condition(body, rx, like, f"{alias}.{c}") for c in columns]
        clauses.append(either[0][0] if len(either) == 1 else "(" + " OR ".join(sql for sql, _ in either) + ")")
        params += [p for _, ps in either for p in ps]
    return " AND ".join(clauses) or "TRUE", params


class PgSearchIndexRepo:
    """The search index's questions, answered from the texts (see the module doc)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    # state: always up to date ----------------------------------------------------------------
    def ensure_schema(self) -> None:
        pass

    def is_built(self) -> bool:
        return True

    def state(self, target_type: str) -> tuple[int, str] | None:
        from cxdesk.search import TOKENIZER_VERSION

        return self.max_id(target_type), TOKENIZER_VERSION

    def set_state(self, target_type: str, last_id: int, version: str) -> None:
        pass

    def clear(self, target_type: str) -> None:
        pass

    def max_id(self, target_type: str) -> int:
        return int(self._conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_SOURCE[target_type]}").fetchone()[0])

    def not_indexed(self) -> int:
        return 0

    def texts_between(self, target_type: str, lo: int, hi: int) -> list[tuple]:
        return []

    def texts_of(self, target_type: str, ids: Sequence[int]) -> list[tuple]:
        return []

    def insert(self, target_type: str, rows: Iterable[tuple]) -> None:
        pass

    def remove(self, target_type: str, rows: Iterable[tuple]) -> None:
        pass

    def purge_queue(self, target_type: str, limit: int = 50_000) -> list[tuple]:
        return []

    def drop_purged(self, target_type: str, ids: Sequence[int]) -> None:
        pass

    def optimize(self) -> None:
        pass

    # querying --------------------------------------------------------------------------------
    def match(
        self, kind: str, match: str, filters: Any, shop_ids: Sequence[int] | None, before: int, limit: int
    ) -> list[tuple]:
        """Rows whose texts hold every phrase of ``match``, below id ``before``, newest id first."""
        if shop_ids is not None and not shop_ids:
            return []
        alias = "m" if kind == "message" else "r"
        text, text_params = _text_condition(kind, match, alias)
        where, params = _filters(kind, filters, shop_ids, alias)
        sql = (_MESSAGE_ROWS if kind == "message" else _REVIEW_ROWS).format(text=text, where=where)
        return self._conn.execute(sql, [*text_params, before, *params, limit]).fetchall()

    def count(self, kind: str, match: str, filters: Any, shop_ids: Sequence[int] | None, cap: int) -> int:
        """How many rows match, counting no further than ``cap``."""
        if shop_ids is not None and not shop_ids:
            return 0
        text, text_params = _text_condition(kind, match, "t")
        where, params = _filters(kind, filters, shop_ids, "t")
        sql = _COUNT.format(source=_SOURCE[kind], text=text, where=where)
        return int(self._conn.execute(sql, [*text_params, *params, cap]).fetchone()[0])
