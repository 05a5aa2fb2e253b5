"""SQLite's SQL as PostgreSQL reads it: the one place where the two dialects differ.

The store's repositories write SQLite's dialect. :func:`to_postgres` rewrites a statement for
PostgreSQL (cached per text), so one form of each query serves both engines:

- ``?`` placeholders → ``%s`` (``:name`` → ``%(name)s`` when the caller passes a mapping), and a
  literal ``%`` doubled for psycopg;
- ``INSERT OR IGNORE`` → ``INSERT … ON CONFLICT DO NOTHING``; ``INSERT OR REPLACE`` → ``INSERT …
  ON CONFLICT (primary key) DO UPDATE`` of the other listed columns (SQLite replaces on any unique
  constraint; the store's REPLACE statements all conflict on the primary key);
- ``x IN (SELECT value FROM json_each(?))`` (a list passed as JSON) → an array of the list's type,
  chosen per call (:func:`bind_json_lists`);
- ``group_concat(x[, sep])`` → ``string_agg(CAST(x AS TEXT), sep)`` (a user-defined aggregate would
  copy its state per row); ``CROSS JOIN … ON`` (SQLite's join-order hint) → ``INNER JOIN … ON``;
- scalar ``max(a, b)`` / ``min(a, b)`` → ``GREATEST`` / ``LEAST``; ``x IS y`` / ``x IS NOT y`` with
  a value → ``IS NOT DISTINCT FROM`` / ``IS DISTINCT FROM``; ``char(n)`` → ``chr(n)``; ``LIKE`` → ``ILIKE`` (SQLite's LIKE
  ignores case); ``a GLOB b`` → the ``#~#`` operator of ``sqlite_operators.sql``;
- ``ORDER BY`` terms get SQLite's NULL order (``NULLS FIRST`` ascending, ``NULLS LAST`` descending)
  unless they say one;
- a subquery in FROM/JOIN without an alias gets one (PostgreSQL 15 requires it);
- a bare ``1``/``0`` as a condition (``WHERE 1``) → ``TRUE``/``FALSE``;
- ``BEGIN IMMEDIATE|DEFERRED|EXCLUSIVE`` → ``BEGIN``; ``LIMIT -1`` → ``LIMIT ALL``;
- in ``CREATE``/``ALTER TABLE``: ``INTEGER`` → ``BIGINT``, ``REAL`` → ``DOUBLE PRECISION``, ``BLOB`` →
  ``BYTEA``, ``INTEGER PRIMARY KEY`` → an identity column, ``WITHOUT ROWID`` dropped.

SQLite functions PostgreSQL lacks (``datetime``, ``strftime``, ``instr``, ``group_concat``, …) are
not rewritten: ``sqlite_compat.sql`` creates them on the server. ``PRAGMA`` is not SQL either:
:mod:`cxdesk.store.pg.connection` answers the few the store uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

# (kind, text): "str" '…', "ident" "…", "comment", "space", "word", "param" ?, "named" :name, "op" anything else
_TOKEN = re.compile(
    r"""(?P<str>'(?:[^']|'')*')
      |(?P<ident>"(?:[^"]|"")*")
      |(?P<comment>--[^\n]*|/\*.*?\*/)
      |(?P<space>\s+)
      |(?P<word>[A-Za-z_][A-Za-z0-9_$]*)
      |(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
      |(?P<param>\?\d*)
      |(?P<named>:[A-Za-z_][A-Za-z0-9_]*)
      |(?P<op>\|\||<=|>=|<>|!=|==|::|.)""",
    re.S | re.X,
)

_ORDER_END = {
    "LIMIT",
    "OFFSET",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "FETCH",
    "FOR",
    "WINDOW",
    "ON",
    "RETURNING",
    "ROWS",
    "RANGE",
    "GROUPS",
}
# Words after a FROM/JOIN subquery that are not its alias (PostgreSQL before 16 needs one).
_NOT_ALIAS = {
    "WHERE",
    "GROUP",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "JOIN",
    "LEFT",
    "RIGHT",
    "INNER",
    "CROSS",
    "FULL",
    "NATURAL",
    "ON",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "HAVING",
    "WINDOW",
    "USING",
    "RETURNING",
}
_CONDITION_START = {"WHERE", "AND", "OR", "ON", "HAVING", "NOT"}  # not WHEN: CASE x WHEN 1 compares
_IS_KEEP = {"NULL", "TRUE", "FALSE", "DISTINCT", "NOT"}
_DDL_TYPES = {"INTEGER": "BIGINT", "INT": "BIGINT", "REAL": "DOUBLE PRECISION", "BLOB": "BYTEA", "DOUBLE": "DOUBLE"}


class Tok:
    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str) -> None:
        self.kind, self.text = kind, text

    @property
    def up(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.kind}:{self.text!r}"


def tokenize(sql: str) -> list[Tok]:
    return [Tok(m.lastgroup or "op", m.group()) for m in _TOKEN.finditer(sql)]


def _next(toks: list[Tok], i: int) -> int:
    """Index of the first token at or after ``i`` that is not space or comment (len(toks) if none)."""
    while i < len(toks) and toks[i].kind in ("space", "comment"):
        i += 1
    return i


def _prev(toks: list[Tok], i: int) -> int:
    while i >= 0 and toks[i].kind in ("space", "comment"):
        i -= 1
    return i


def _close(toks: list[Tok], i: int) -> int:
    """Index of the ``)`` that closes the ``(`` at ``i``."""
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j].text
        if toks[j].kind == "op" and t == "(":
            depth += 1
        elif toks[j].kind == "op" and t == ")":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced parentheses in SQL")


def _top_level_commas(toks: list[Tok], start: int, end: int) -> int:
    depth, commas = 0, 0
    for j in range(start, end):
        if toks[j].kind != "op":
            continue
        if toks[j].text == "(":
            depth += 1
        elif toks[j].text == ")":
            depth -= 1
        elif toks[j].text == "," and depth == 0:
            commas += 1
    return commas


def _fix_order_by(toks: list[Tok], i: int, after: dict[int, str]) -> None:
    """Give each term of the ORDER BY whose ``BY`` is at ``i`` SQLite's NULL order (as text to put
    ``after`` a token: the tokens themselves stay as they are for the rest of the rewrite)."""
    depth = 0
    term_has_dir = None  # "ASC"/"DESC" seen in the current term
    term_has_nulls = False
    last = None  # index of the current term's last significant token

    def finish() -> None:
        if last is None or term_has_nulls:
            return
        after[last] = " NULLS LAST" if term_has_dir == "DESC" else " NULLS FIRST"

    j = i + 1
    while j < len(toks):
        t = toks[j]
        if t.kind in ("space", "comment"):
            j += 1
            continue
        if t.kind == "op" and t.text == "(":
            depth += 1
        elif t.kind == "op" and t.text == ")":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and ((t.kind == "op" and t.text in (",", ";")) or (t.kind == "word" and t.up in _ORDER_END)):
            finish()
            if t.text != ",":
                return
            term_has_dir, term_has_nulls, last = None, False, None
            j += 1
            continue
        if depth == 0 and t.kind == "word" and t.up in ("ASC", "DESC"):
            term_has_dir = t.up
        if depth == 0 and t.kind == "word" and t.up == "NULLS":
            term_has_nulls = True
        last = j
        j += 1
    finish()


def _first_top_level_comma(toks: list[Tok], start: int, end: int) -> int | None:
    depth = 0
    for j in range(start, end):
        if toks[j].kind != "op":
            continue
        if toks[j].text == "(":
            depth += 1
        elif toks[j].text == ")":
            depth -= 1
        elif toks[j].text == "," and depth == 0:
            return j
    return None


def _join_has_on(toks: list[Tok], i: int) -> bool:
    """Whether the JOIN at ``i`` has an ON clause (before the next join, clause or closing parenthesis)."""
    depth = 0
    for k in range(i + 1, len(toks)):
        t = toks[k]
        if t.kind == "op" and t.text == "(":
            depth += 1
        elif t.kind == "op" and t.text == ")":
            if depth == 0:
                return False
            depth -= 1
        elif depth == 0 and t.kind == "word":
            if t.up == "ON":
                return True
            if t.up in ("JOIN", "WHERE", "GROUP", "ORDER", "LIMIT", "UNION", "HAVING"):
                return False
    return False


def _statement_end(toks: list[Tok]) -> int:
    """Index just past the statement's last significant token (before a trailing ``;``)."""
    j = _prev(toks, len(toks) - 1)
    if j >= 0 and toks[j].kind == "op" and toks[j].text == ";":
        j = _prev(toks, j - 1)
    return j + 1


def _insert_columns(toks: list[Tok], i: int) -> tuple[str, list[str]]:
    """(table, listed columns) of the INSERT whose ``INTO`` is at ``i``."""
    j = _next(toks, i + 1)
    table = toks[j].text.strip('"')
    k = _next(toks, j + 1)
    cols: list[str] = []
    if k < len(toks) and toks[k].text == "(":
        end = _close(toks, k)
        cols = [t.text.strip('"') for t in toks[k + 1 : end] if t.kind in ("word", "ident")]
    return table, cols


def _translate_ddl(toks: list[Tok]) -> None:
    for j, t in enumerate(toks):
        if t.kind != "word":
            continue
        up = t.up
        if up == "INTEGER":
            # INTEGER PRIMARY KEY [AUTOINCREMENT] as a column constraint: an identity column
            a = _next(toks, j + 1)
            b = _next(toks, a + 1)
            if a < len(toks) and b < len(toks) and toks[a].up == "PRIMARY" and toks[b].up == "KEY":
                t.text = "BIGINT GENERATED BY DEFAULT AS IDENTITY"
                continue
            t.text = "BIGINT"
        elif up in _DDL_TYPES and up != "INTEGER":
            t.text = _DDL_TYPES[up]
        elif up == "AUTOINCREMENT":
            t.text = ""
        elif up == "WITHOUT":
            n = _next(toks, j + 1)
            if n < len(toks) and toks[n].up == "ROWID":
                t.text, toks[n].text = "", ""


@dataclass(frozen=True)
class JsonList:
    """A ``(SELECT value FROM json_each(?))`` list of the statement: its parameter (``index`` among
    the ``?``), the marker standing for the subquery's body in the rewritten text, and the column
    compared with it (an empty list becomes ``SELECT column WHERE FALSE``: no rows, the right type)."""

    index: int
    marker: str
    column: str


@dataclass(frozen=True)
class Rewritten:
    text: str
    json_lists: tuple[JsonList, ...] = ()
    order: tuple[int, ...] | None = None  # with ?NNN placeholders: the parameter each %s takes (0-based)


def _json_each_at(toks: list[Tok], j: int) -> tuple[int, int, int] | None:
    """(index of SELECT, of the closing parenthesis, of the ``?``) when ``SELECT value FROM json_each(?)`` starts at ``j``."""
    seq = []
    k = j
    for _ in range(7):
        if k >= len(toks):
            return None
        seq.append(k)
        k = _next(toks, k + 1)
    words = [toks[i].up if toks[i].kind == "word" else toks[i].text for i in seq]
    if words[:5] == ["SELECT", "VALUE", "FROM", "JSON_EACH", "("] and toks[seq[5]].kind == "param" and words[6] == ")":
        return seq[0], seq[6], seq[5]
    return None


@lru_cache(maxsize=4096)
def _translate(sql: str, named: bool, pk_of: Callable[[str], tuple[str, ...]] | None) -> Rewritten:
    toks = tokenize(sql)
    json_lists: list[JsonList] = []
    params_seen = 0
    order: list[int] = []
    numbered = False
    first = _next(toks, 0)
    head = toks[first].up if first < len(toks) else ""
    if head == "BEGIN":
        return Rewritten("BEGIN")
    if head in ("CREATE", "ALTER"):
        _translate_ddl(toks)
    conflict = ""
    after: dict[int, str] = {}  # text to add after a token (NULLS FIRST/LAST)
    for j, t in enumerate(toks):
        if t.kind == "str" or t.kind == "ident" or t.kind == "comment":
            if "%" in t.text:
                t.text = t.text.replace("%", "%%")
            continue
        if t.kind == "param":
            if len(t.text) > 1:
                numbered = True
                order.append(int(t.text[1:]) - 1)
            else:
                order.append(max(order, default=-1) + 1)
            t.text = "%s"
            params_seen += 1
            continue
        if t.kind == "named":
            if named:
                t.text = f"%({t.text[1:]})s"
            continue
        if t.kind == "num" and t.text in ("0", "1"):
            p = _prev(toks, j - 1)
            n = _next(toks, j + 1)
            if (
                p >= 0
                and toks[p].up in _CONDITION_START
                and (n >= len(toks) or toks[n].kind == "word" or toks[n].text in (")", ";"))
            ):
                t.text = "TRUE" if t.text == "1" else "FALSE"  # WHERE 1: PostgreSQL wants a boolean
            continue
        if t.kind == "op":
            if t.text == "(":
                p = _prev(toks, j - 1)
                n = _next(toks, j + 1)
                if (
                    p >= 0
                    and toks[p].up in ("FROM", "JOIN")
                    and n < len(toks)
                    and toks[n].up in ("SELECT", "WITH", "VALUES")
                ):
                    close = _close(toks, j)
                    a = _next(toks, close + 1)
                    if a >= len(toks) or toks[a].kind != "word" or toks[a].up in _NOT_ALIAS:
                        after[close] = after.get(close, "") + f" AS _sub{close}"
            if t.text == "%":
                t.text = "%%"
            elif t.text == "==":
                t.text = "="
            continue
        if t.kind != "word":
            continue
        up = t.up
        if up == "TEMP" and j + 1 < len(toks) and toks[j + 1].text == ".":
            t.text = "pg_temp"  # temp.table: SQLite's schema of this connection's temporary tables
            continue
        if up == "SELECT" and (found := _json_each_at(toks, j)) is not None:
            # x IN (SELECT value FROM json_each(?)): an array of the list's type (see JsonList)
            start, end, at = found
            p = _prev(toks, j - 1)  # the "("
            q = _prev(toks, p - 1)  # IN
            c = _prev(toks, q - 1)
            if toks[c].up == "NOT":
                c = _prev(toks, c - 1)
            column = toks[c].text
            d = _prev(toks, c - 1)
            if d >= 1 and toks[d].text == "." and toks[d - 1].kind == "word":
                column = toks[d - 1].text + "." + column
            marker = f"@@json{len(json_lists)}@@"
            json_lists.append(JsonList(params_seen, marker, column))
            param = toks[at].text
            if len(param) > 1:
                numbered = True
                order.append(int(param[1:]) - 1)
            else:
                order.append(max(order, default=-1) + 1)
            toks[start].text = marker
            for k in range(start + 1, end + 1):
                toks[k].text = ""
                toks[k].kind = "space"
            params_seen += 1
            continue
        if up == "INSERT" or up == "REPLACE" and j == first:
            n = _next(toks, j + 1)
            if up == "REPLACE":
                mode, into = "REPLACE", n
                t.text = "INSERT"
            elif n < len(toks) and toks[n].up == "OR":
                m = _next(toks, n + 1)
                mode = toks[m].up
                toks[n].text, toks[m].text = "", ""
                into = _next(toks, m + 1)
            else:
                continue
            table, cols = _insert_columns(toks, into)
            if mode == "IGNORE":
                conflict = " ON CONFLICT DO NOTHING"
            elif mode == "REPLACE":
                pk = pk_of(table) if pk_of else ()
                if not pk:
                    raise ValueError(f"INSERT OR REPLACE into {table}: its primary key is not known")
                rest = [c for c in cols if c not in pk]
                sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in rest)
                conflict = f" ON CONFLICT ({', '.join(pk)}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")
        elif up in ("MAX", "MIN"):
            n = _next(toks, j + 1)
            if n < len(toks) and toks[n].text == "(" and _top_level_commas(toks, n + 1, _close(toks, n)) > 0:
                t.text = "GREATEST" if up == "MAX" else "LEAST"
        elif up == "IS":
            n = _next(toks, j + 1)
            if n < len(toks) and toks[n].up == "NOT":
                m = _next(toks, n + 1)
                if m < len(toks) and toks[m].up not in _IS_KEEP:
                    t.text, toks[n].text = "IS DISTINCT", "FROM"
            elif n < len(toks) and toks[n].up not in _IS_KEEP:
                t.text = "IS NOT DISTINCT FROM"
        elif up == "GROUP_CONCAT":
            n = _next(toks, j + 1)
            if n < len(toks) and toks[n].text == "(":
                close = _close(toks, n)
                comma = _first_top_level_comma(toks, n + 1, close)
                t.text = "string_agg"
                toks[n].text = "(CAST("
                d = _next(toks, n + 1)
                if d < close and toks[d].up == "DISTINCT":  # group_concat(DISTINCT x): string_agg(DISTINCT CAST(x …
                    toks[n].text, toks[d].text = "(DISTINCT CAST(", ""
                if comma is not None:
                    toks[comma].text = " AS TEXT),"
                else:
                    after[close - 1] = after.get(close - 1, "") + " AS TEXT), ','"
                    toks[close].text = ")"
        elif up == "CROSS":
            n = _next(toks, j + 1)
            if n < len(toks) and toks[n].up == "JOIN" and _join_has_on(toks, n):
                t.text = "INNER"  # SQLite's join-order hint; PostgreSQL takes no ON after CROSS JOIN
        elif up == "CHAR" and head != "CREATE" and head != "ALTER":
            n = _next(toks, j + 1)
            if n < len(toks) and toks[n].text == "(":
                t.text = "chr"  # SQLite's char(10); PostgreSQL reads char(…) as a type
        elif up == "LIKE":
            t.text = "ILIKE"
        elif up == "GLOB":
            p = _prev(toks, j - 1)
            if p >= 0 and toks[p].up == "NOT":
                toks[p].text, t.text = "", "#!~#"
            else:
                t.text = "#~#"
        elif up == "BY":
            p = _prev(toks, j - 1)
            if p >= 0 and toks[p].up == "ORDER":
                _fix_order_by(toks, j, after)
        elif up == "LIMIT":
            n = _next(toks, j + 1)
            m = _next(toks, n + 1)
            if n < len(toks) and toks[n].text == "-" and m < len(toks) and toks[m].text == "1":
                toks[n].text, toks[m].text = "ALL", ""
    for k, text in after.items():
        toks[k].text += text
    if conflict:
        end = _statement_end(toks)
        returning = next((k for k in range(first, end) if toks[k].up == "RETURNING"), None)
        at = returning if returning is not None else end
        toks.insert(at, Tok("op", conflict + (" " if returning is not None else "")))
    return Rewritten("".join(t.text for t in toks), tuple(json_lists), tuple(order) if numbered else None)


def rewrite(sql: str, *, named: bool = False, pk_of: Callable[[str], tuple[str, ...]] | None = None) -> Rewritten:
    """:func:`to_postgres` with the statement's ``json_each`` lists, which the connection fills per call."""
    return _translate(sql, named, pk_of)


def bind_json_lists(rewritten: Rewritten, params: tuple) -> tuple[str, tuple]:
    """The statement and parameters to run: each ``json_each`` list's JSON text becomes an array of
    its values' type (``bigint[]`` when all are integers, else ``text[]``), an empty list a subquery
    with no rows."""
    if rewritten.order is not None:
        params = tuple(params[i] for i in rewritten.order)
    if not rewritten.json_lists:
        return rewritten.text, params
    import json

    text, out = rewritten.text, list(params)
    for spec in sorted(rewritten.json_lists, key=lambda s: -s.index):
        values = json.loads(out[spec.index]) if out[spec.index] is not None else []
        if not values:
            text = text.replace(spec.marker, f"SELECT {spec.column} WHERE FALSE")
            del out[spec.index]
            continue
        kind = "bigint[]" if all(type(v) is int for v in values) else "text[]"
        text = text.replace(spec.marker, f"SELECT unnest(CAST(%s AS {kind})) AS value")
        out[spec.index] = values if kind == "bigint[]" else [str(v) for v in values]
    return text, tuple(out)


def to_postgres(sql: str, *, named: bool = False, pk_of: Callable[[str], tuple[str, ...]] | None = None) -> str:
    """``sql`` (SQLite's dialect, as the store writes it) in PostgreSQL's dialect, for psycopg.

    ``named``: the caller passes a mapping (``:name`` placeholders); ``pk_of(table)``: the primary key
    columns of a table (needed for ``INSERT OR REPLACE``).
    """
    return _translate(sql, named, pk_of).text
