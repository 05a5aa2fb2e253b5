"""SQLite's functions on PostgreSQL (cxdesk/store/pg/sqlite_compat.sql) give what SQLite gives.

Each test runs the same SQL on Python's sqlite3 and on a fresh PostgreSQL database (``pg_url``, with
the .sql file loaded) over a table of inputs: typical store values, edge cases, NULL and garbage, and
compares every row (floats with a tolerance). The expressions are the store's own where it has them
(``_days.py``'s day check, ``voc.py``'s week start, ``sessions_browse.py``'s nearest order).
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg")

COMPAT_SQL = Path(__file__).resolve().parent.parent / "cxdesk" / "store" / "pg" / "sqlite_compat.sql"

TIMES = [
    "2024-01-01 00:00:00",
    "2024-06-18 23:59:59",
    "2024-02-29 12:30:00",
    "2024-02-30 10:00:00",  # a day the month lacks: SQLite keeps it unless a modifier recomputes it
    "2024-02-31",
    "2023-12-31 23:59:59",
    "2024-03-10 02:30:00",  # a DST gap in America/New_York
    "2024-11-03 01:30:00",  # a DST overlap there
    "2024-01-01",
    "2024-01-01T08:09:10",
    "2024-01-01 08:09:10.789",
    "2024-01-01 08:09:10.9999",
    "2024-01-01 08:09",
    "2024-01-01  08:09:10",
    "2024-01-01 08:09:10 ",
    "2024-01-01T",
    "2024-01-0108:09",
    "2024-01-01 24:00:00",
    "2024-01-01 10:00:00Z",
    "2024-01-01 10:00:00+08:00",
    "2024-01-01 10:00:00 -05:30",
    "2024-01-01 10:00:00+00:00",
    "2024-02-30 10:00:00+01:00",
    "2024-01-01 08:09:59.9996+01:00",
    "08:30",
    "08:30:15.5",
    "1970-01-01 00:00:00",
    "1969-12-31 23:59:59",
    "1900-03-01 00:00:00",
    "0000-01-01 00:00:00",
    "0001-12-31",
    "9999-12-31 23:59:59",
    "2460000.5",
    "0",
    "12.75",
    "5373484.5",
    "-1",
    "",
    " ",
    "abc",
    "2024-1-1",
    "2024-13-01",
    "2024-00-10",
    "2024-01-32",
    "2024-01-01 25:00:00",
    "2024-01-01 10:60",
    "2024-01-01 10:00:60",
    "2024-01-01 1:00:00",
    "2024-01-01x",
    "2024-01-01 10:00:00 junk",
    "2024-01-01 10:00:00+0800",
    "2024-01-01 10:00:00+15:00",
    " 2024-01-01",
    "2024/01/01",
    "20240101",
    "99999-01-01",
    "-0001-06-15",
    None,
]

MODIFIERS: list[tuple[str, ...]] = [
    (),
    ("+0 days",),
    ("+1 day",),
    ("-7 days",),
    ("-14 days",),
    ("-1.5 days",),
    ("+3 hours",),
    ("-72.0 hours",),
    ("+30 minutes",),
    ("-30 minutes",),
    ("+90 seconds",),
    ("+1 month",),
    ("-1 month",),
    ("+13 months",),
    ("+1.5 months",),
    ("+1 year",),
    ("-1 years",),
    ("start of day",),
    ("start of month",),
    ("start of year",),
    ("weekday 0",),
    ("weekday 1",),
    ("weekday 6",),
    ("start of month", "+1 month", "-1 day"),
    ("+1 DAYS",),
    ("+1 Day",),
    ("+1e1 days",),
    (".5 days",),
    ("bogus",),
    (" +1 day",),
    ("+1 day ",),
    ("+1",),
    ("+1 fortnight",),
    ("+x days",),
    ("weekday 7",),
    ("start of week",),
    ("+9999999 days",),
    ("unixepoch",),
    (None,),
]

FORMATS = ["%Y-%m-%d", "%Y-%W", "%Y-%m", "%s", "%w", "%j", "%H:%M:%S", "%d/%m %H%M", "%f", "%S", "%%Y", "", "x", "%Q"]


class Engines:
    """The same SQL on SQLite and on PostgreSQL; ``?`` placeholders, literal % allowed."""

    def __init__(self, lite: sqlite3.Connection, pg) -> None:
        self.lite, self.pg = lite, pg
        self.mismatches: list[str] = []
        self.compared = 0

    def both(self, sql: str, params: Sequence = ()) -> tuple[list, list]:
        lite_rows = [tuple(r) for r in self.lite.execute(sql, params).fetchall()]
        pg_sql = sql.replace("%", "%%").replace("?", "%s")
        pg_rows = [tuple(r) for r in self.pg.execute(pg_sql, tuple(params)).fetchall()]
        return lite_rows, pg_rows

    def check(self, sql: str, params: Sequence = (), *, as_text: bool = False) -> None:
        """Record every row where the engines differ; ``as_text`` compares SQLite's value as text."""
        lite_rows, pg_rows = self.both(sql, params)
        self.compared += 1
        if len(lite_rows) != len(pg_rows):
            self.mismatches.append(f"{sql} {params!r}: {len(lite_rows)} rows vs {len(pg_rows)}")
            return
        for a, b in zip(lite_rows, pg_rows, strict=True):
            if as_text:
                a = tuple(_sqlite_text(v) for v in a)
            if len(a) != len(b) or not all(same(x, y) for x, y in zip(a, b, strict=True)):
                self.mismatches.append(f"{sql} {params!r}: sqlite {a!r} != postgres {b!r}")

    def assert_same(self) -> None:
        assert self.compared > 0
        shown = "\n".join(self.mismatches[:25])
        assert not self.mismatches, f"{len(self.mismatches)} differences:\n{shown}"


def _sqlite_text(v):
    if v is None or isinstance(v, str):
        return v
    return sqlite3.connect(":memory:").execute("SELECT CAST(? AS TEXT)", (v,)).fetchone()[0]


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, str) or isinstance(b, str):
            return False
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-6)
    if isinstance(a, bool) or isinstance(b, bool):
        return int(a) == int(b)
    return type(a) is type(b) and a == b or (isinstance(a, int) and isinstance(b, int) and a == b)


@pytest.fixture
def engines(pg_url: str) -> Iterator[Engines]:
    lite = sqlite3.connect(":memory:")
    pg = psycopg.connect(pg_url, autocommit=True)
    pg.execute(COMPAT_SQL.read_text(encoding="utf-8"))
    pg.execute("SET TimeZone = 'UTC'")
    for conn in (lite, pg):
        conn.execute("CREATE TABLE times (id integer PRIMARY KEY, v text)")
    for i, v in enumerate(TIMES):
        lite.execute("INSERT INTO times VALUES (?, ?)", (i, v))
        pg.execute("INSERT INTO times VALUES (%s, %s)", (i, v))
    try:
        yield Engines(lite, pg)
    finally:
        lite.close()
        pg.close()


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """Set the zone SQLite's 'localtime' reads (the process's TZ) and PostgreSQL's (the session's)."""

    def use(engines: Engines, zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        engines.pg.execute(f"SET TimeZone = '{zone}'")

    yield use
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("func", ["datetime", "date", "julianday", "unixepoch"])
def test_time_functions_with_modifiers(engines: Engines, func: str) -> None:
    for mods in MODIFIERS:
        args = "".join(", ?" for _ in mods)
        engines.check(f"SELECT id, {func}(v{args}) FROM times ORDER BY id", mods)
    # the literal forms the store writes, not parameters
    engines.check(f"SELECT id, {func}(v, '+1 day') FROM times ORDER BY id")
    engines.check(f"SELECT id, {func}(v, '-' || 3 || ' days') FROM times ORDER BY id")
    engines.assert_same()


def test_strftime(engines: Engines) -> None:
    for fmt in FORMATS:
        engines.check("SELECT id, strftime(?, v) FROM times ORDER BY id", (fmt,))
        engines.check("SELECT id, strftime(?, v, '+1 day', 'start of month') FROM times ORDER BY id", (fmt,))
    for day in range(1, 32):  # every weekday and week number across a year boundary
        for year in (2022, 2023, 2024):
            v = f"{year}-12-{day:02d} 13:00:00"
            engines.check("SELECT strftime('%Y-%W', ?), strftime('%w', ?), strftime('%j', ?)", (v, v, v))
            v = f"{year + 1}-01-{day:02d}"
            engines.check("SELECT strftime('%Y-%W', ?), strftime('%w', ?), strftime('%j', ?)", (v, v, v))
    engines.check("SELECT strftime(NULL, v), strftime('%Y', NULL) FROM times ORDER BY id")
    engines.assert_same()


def test_the_stores_date_expressions(engines: Engines) -> None:
    # _days.py: is the stored day a real one?
    engines.check(
        "SELECT id, (v BETWEEN ? AND ? AND date(v, '+0 days') = substr(v, 1, 10)) FROM times ORDER BY id",
        ("0000", "9999"),
    )
    # voc.py: the Monday starting the week
    week = "date(v, '-' || ((CAST(strftime('%w', v) AS INTEGER) + 6) % 7) || ' days')"
    engines.check(f"SELECT id, {week} FROM times ORDER BY id")
    # sessions_browse.py: the distance to the nearest order as sortable text
    near = "printf('%015.6f', abs(julianday(a.v) - julianday(b.v))) || 'o1'"
    engines.check(f"SELECT a.id, b.id, {near} FROM times a, times b WHERE a.id < 12 AND b.id < 12 ORDER BY 1, 2")
    # agents.py / chats.py: epoch seconds; a window either side of a time
    engines.check(
        "SELECT id, unixepoch(v), datetime(?, ?) <= v FROM times ORDER BY id", ("2024-01-01 10:00:00", "-5 minutes")
    )
    # search_index.py: the month key
    engines.check("SELECT id, COALESCE('m' || substr(v, 1, 4) || substr(v, 6, 2) || ' ', '') FROM times ORDER BY id")
    engines.assert_same()


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "UTC"])
def test_localtime_and_utc(engines: Engines, local_zone, zone: str) -> None:
    """Valid times from year 0 on (before it SQLite's 'utc' guesses from its error state: not ported)."""
    local_zone(engines, zone)
    for mods in [
        ("localtime",),
        ("utc",),
        ("localtime", "start of day"),
        ("+1 day", "localtime"),
        ("localtime", "utc"),
    ]:
        args = "".join(", ?" for _ in mods)
        engines.check(
            f"SELECT id, datetime(v{args}), unixepoch(v{args}) FROM times WHERE datetime(v) >= '0000' ORDER BY id",
            mods * 2,
        )
    engines.assert_same()


def test_now(engines: Engines, local_zone) -> None:
    """'now' is the current time on both (within seconds); 'localtime' shifts it by the zone."""
    local_zone(engines, "Asia/Shanghai")
    for sql in ("SELECT datetime('now')", "SELECT datetime('now', 'localtime')", "SELECT datetime('NOW', '+1 day')"):
        (a,), (b,) = (r[0] for r in engines.both(sql))
        gap = abs((datetime.fromisoformat(a) - datetime.fromisoformat(b)).total_seconds())
        assert gap <= 5, (sql, a, b)
    local, utc = engines.pg.execute("SELECT datetime('now', 'localtime'), datetime('now')").fetchone()
    assert (datetime.fromisoformat(local) - datetime.fromisoformat(utc)).total_seconds() == 8 * 3600
    # as a column default, as migrations.py writes it
    engines.pg.execute("CREATE TABLE d (x int, at text NOT NULL DEFAULT (datetime('now', 'localtime')))")
    engines.pg.execute("INSERT INTO d (x) VALUES (1)")
    assert engines.pg.execute("SELECT at ~ '^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$' FROM d").fetchone()[0]


INSTR_CASES = [
    ("abc", "b"),
    ("abc", "c"),
    ("abc", "abc"),
    ("abc", "abcd"),
    ("abc", ""),
    ("", ""),
    ("", "a"),
    ("ABC", "b"),
    ("aXbX", "X"),
    ("好评中评差评", "差评"),
    ("好评", "差评"),
    ("a,b", ","),
    (",a,b,", ",b,"),
    (None, "a"),
    ("a", None),
    (None, None),
]


def test_instr_and_ifnull(engines: Engines) -> None:
    for hay, needle in INSTR_CASES:
        engines.check("SELECT instr(?, ?), ifnull(?, ''), ifnull(?, ?)", (hay, needle, hay, hay, needle))
    # the store's forms: COALESCE inside, a column and a parameter
    engines.check(
        "SELECT id, instr(COALESCE(v, ''), ':'), instr(',' || COALESCE(v, '') || ',', ',' || ? || ',') FROM times ORDER BY id",
        ("0",),
    )
    engines.check("SELECT id, ifnull(v, ''), ifnull(v, 'none') FROM times ORDER BY id")
    engines.assert_same()


def test_printf(engines: Engines) -> None:
    for x in [
        0,
        0.0,
        1.5,
        -1.5,
        0.0000004,
        0.0000006,
        123456.789,
        1e9,
        3.25,
        2.5,
        0.1234567,
        99999999.9999999,
        -0.0000001,
        7,
    ]:
        for fmt in (
            "%015.6f",
            "%.2f",
            "%f",
            "%8.3f",
            "%-8.1f|",
            "%+.1f",
            "% .2f",
            "n=%d",
            "%05d",
            "%x",
            "%%%.1f",
            "%.1f%%",
            "%.1f %d",
            "50%",
        ):
            engines.check("SELECT printf(?, ?)", (fmt, x))
    engines.check("SELECT printf('%015.6f', NULL), printf(NULL, 1.5)")
    engines.assert_same()


GROUPS = [
    ("a", 1, "x"),
    ("a", 2, None),
    ("a", 3, "y"),
    ("b", 4, None),
    ("c", 5, ""),
    ("d", 6, "中文"),
    ("d", 7, 'quo"te\\'),
    ("d", 8, "tab\tnl\nunit\x1fsep"),
    ("d", 9, "中文"),
    ("e", 10, "x"),
]


@pytest.fixture
def groups(engines: Engines) -> Engines:
    for conn, q in ((engines.lite, "?"), (engines.pg, "%s")):
        conn.execute("CREATE TABLE g (k text, id integer, v text, n integer, f double precision)")
        for k, i, v in GROUPS:
            n = None if v is None else len(v)
            f = None if v is None else len(v) / 4
            conn.execute(f"INSERT INTO g VALUES ({q}, {q}, {q}, {q}, {q})", (k, i, v, n, f))
    return engines


def test_group_concat(groups: Engines) -> None:
    e = groups
    sub = "(SELECT * FROM g ORDER BY id) AS s"
    e.check(f"SELECT k, group_concat(v) FROM {sub} GROUP BY k ORDER BY k")
    for sep in ("; ", "、", "", "\x1f", None):
        e.check(f"SELECT k, group_concat(v, ?) FROM {sub} GROUP BY k ORDER BY k", (sep,))
        e.check(f"SELECT k, group_concat(n, ?) FROM {sub} GROUP BY k ORDER BY k", (sep,))
    e.check(f"SELECT k, group_concat(n), group_concat(f) FROM {sub} GROUP BY k ORDER BY k")
    e.check("SELECT k, group_concat(DISTINCT v) FROM (SELECT * FROM g ORDER BY v) AS s GROUP BY k ORDER BY k")
    e.check("SELECT group_concat(v), group_concat(v, '-'), group_concat(n) FROM g WHERE id > 100")  # no rows
    e.check(f"SELECT k, group_concat(v || ':' || n, '; ') FROM {sub} GROUP BY k ORDER BY k")
    e.check(f"SELECT count(*), group_concat(ifnull(v, ''), ?) FROM {sub}", ("\x1f",))  # agents.py's pattern
    e.assert_same()


def test_total(groups: Engines) -> None:
    """total(): a float sum, 0.0 over no rows; total(a = b) counts."""
    e = groups
    e.check("SELECT k, total(n), total(f), total(id) FROM g GROUP BY k ORDER BY k")
    e.check("SELECT total(n), total(f) FROM g WHERE id > 100")  # no rows: 0.0, not NULL
    e.check("SELECT total(n) FROM g WHERE n IS NULL")
    e.check("SELECT k, total(v = 'x') FROM g GROUP BY k ORDER BY k")
    lite, pg = e.both("SELECT total(n) FROM g WHERE id > 100")
    assert lite == pg == [(0.0,)] and isinstance(pg[0][0], float)
    e.assert_same()


def test_sum_of_comparisons(groups: Engines) -> None:
    """SUM(a = b), as results.py, voc.py, risk_queue.py and dashboard.py write it: a count, NULL over no rows."""
    e = groups
    e.check("SELECT k, SUM(v = 'x'), SUM(n > ?), SUM(v = 'x' OR n IS NULL) FROM g GROUP BY k ORDER BY k", (1,))
    e.check("SELECT SUM(v = 'x') FROM g WHERE id > 100")
    e.check("SELECT SUM(v = 'nothing') FROM g")
    lite, pg = e.both("SELECT SUM(v = 'x') FROM g")
    assert lite == pg == [(2,)] and type(pg[0][0]) is int
    e.assert_same()


ROUND_CASES = [2.675, 2.5, -2.5, 1.005, -1.005, 0.1235, 0.0005, 1234.5678, 0.3333333, 2.345, 1e20, 0.0, -0.0004, 7.0]


def test_round_of_a_float(engines: Engines) -> None:
    """round(x, n) of a float (PostgreSQL has it for numeric only): half away from zero, as SQLite."""
    for x in ROUND_CASES:
        for n in (0, 1, 2, 3, 6):
            engines.check("SELECT round(?, ?)", (x, n))
    engines.check("SELECT round(NULL, 2), round(1.5, NULL)")
    for conn, q in ((engines.lite, "?"), (engines.pg, "%s")):
        conn.execute("CREATE TABLE sc (k integer, score double precision)")
        for i, x in enumerate(ROUND_CASES):
            conn.execute(f"INSERT INTO sc VALUES ({q}, {q})", (i % 3, x / 7))
    engines.check("SELECT k, ROUND(AVG(score), 3) FROM sc GROUP BY k ORDER BY k")  # exports.py, sessions_browse.py
    engines.assert_same()


def test_json_group_array(groups: Engines) -> None:
    e = groups
    sub = "(SELECT * FROM g ORDER BY id) AS s"
    e.check(
        f"SELECT k, json_group_array(v), json_group_array(id), json_group_array(f) FROM {sub} GROUP BY k ORDER BY k"
    )
    e.check("SELECT json_group_array(v) FROM g WHERE id > 100")  # no rows: '[]'
    # risk_queue.py: as a window over a partition (order within it unspecified: compare sorted)
    sql = "SELECT id, json_group_array(id) OVER (PARTITION BY k), json_group_array(v) OVER (PARTITION BY k) FROM g ORDER BY id"
    lite, pg = e.both(sql)
    norm = [[(r[0], sorted(json.loads(r[1])), sorted(json.loads(r[2]), key=str)) for r in rows] for rows in (lite, pg)]
    assert norm[0] == norm[1]
    e.check("SELECT id, json_group_array(id) OVER (PARTITION BY k ORDER BY id) FROM g ORDER BY id")
    e.assert_same()


JSON_CASES = [
    ('{"text": "hi"}', "$.text"),
    ('{"previous_session": 123}', "$.previous_session"),
    ('{"previous_session": 123, "gap_hours": 5.5}', "$.gap_hours"),
    ('{"a": 1e3}', "$.a"),
    ('{"a": -0.25}', "$.a"),
    ('{"a": 10000000000}', "$.a"),
    ('{"a": {"b": "c"}}', "$.a.b"),
    ('{"a": {"b": "c"}}', "$.a.x"),
    ('{"a": {"b": "c"}}', "$.x.b"),
    ("[1, 2, 3]", "$[0]"),
    ("[1, 2, 3]", "$[2]"),
    ("[1, 2, 3]", "$[5]"),
    ("[1, 2, 3]", "$[#-1]"),
    ("[1, 2, 3]", "$[#-4]"),
    ('{"a": [1, {"b": 2}]}', "$.a[1].b"),
    ('{"a": true, "b": false, "c": null}', "$.a"),
    ('{"a": true, "b": false, "c": null}', "$.b"),
    ('{"a": true, "b": false, "c": null}', "$.c"),
    ('{"a": {"x": 1, "y": [1, "z"]}}', "$.a"),
    ('{"a": [1, {"k": "v"}]}', "$.a"),
    ('"just text"', "$"),
    ("42", "$"),
    ('{"中": "文"}', "$.中"),
    ('{"a b": 1}', '$."a b"'),
    ("[1]", "$.a"),
    ('{"a": 1}', "$[0]"),
    ('{"t": "line\\nbreak \\u00e9 \\"q\\""}', "$.t"),
    ('  {"a" : "spaced"}  ', "$.a"),
    (None, "$.a"),
    ('{"a": 1}', None),
]


def test_json_extract(engines: Engines) -> None:
    for doc, path in JSON_CASES:
        engines.check("SELECT json_extract(?, ?)", (doc, path), as_text=True)
    engines.assert_same()
    # garbage JSON is an error on both (SQLite: "malformed JSON")
    for doc in ("not json", "{", ""):
        with pytest.raises(sqlite3.OperationalError):
            engines.lite.execute("SELECT json_extract(?, '$.a')", (doc,)).fetchone()
        with pytest.raises(psycopg.Error):
            engines.pg.execute("SELECT json_extract(%s, '$.a')", (doc,)).fetchone()


def test_json_extract_in_the_stores_queries(groups: Engines) -> None:
    e = groups
    for conn, q in ((e.lite, "?"), (e.pg, "%s")):
        conn.execute("CREATE TABLE flags (id integer, evidence text)")
        docs = [
            '{"previous_session": 7, "text": "a"}',
            '{"text": "b"}',
            '{"previous_session": 7}',
            '{"previous_session": 9}',
        ]
        for i, d in enumerate(docs):
            conn.execute(f"INSERT INTO flags VALUES ({q}, {q})", (i, d))
    # agents.py (the value is text on PostgreSQL: int() of it is the same id)
    e.check(
        "SELECT DISTINCT json_extract(evidence, '$.previous_session') FROM flags "
        "WHERE json_extract(evidence, '$.previous_session') IS NOT NULL ORDER BY 1",
        as_text=True,
    )
    e.check("SELECT group_concat(json_extract(evidence, '$.text'), ' / ') FROM (SELECT * FROM flags ORDER BY id) AS s")
    e.assert_same()


def test_substr_as_the_store_calls_it(engines: Engines) -> None:
    """PostgreSQL's own substr matches SQLite's for the positive starts the store uses."""
    for start, length in [(1, 10), (6, 2), (1, 4), (12, 8), (1, 0), (30, 5)]:
        engines.check("SELECT id, substr(v, ?, ?) FROM times ORDER BY id", (start, length))
    engines.check("SELECT id, substr(v, ?) FROM times ORDER BY id", (6,))
    engines.assert_same()


def test_the_file_loads_twice_and_a_wrong_function_is_caught(engines: Engines) -> None:
    """Running the file again is harmless; a deliberately broken function makes ``check`` report."""
    engines.pg.execute(COMPAT_SQL.read_text(encoding="utf-8"))
    engines.pg.execute(
        "CREATE OR REPLACE FUNCTION instr(haystack text, needle text) RETURNS integer LANGUAGE sql AS 'SELECT 0'"
    )
    engines.check("SELECT instr('abc', 'b')")
    assert len(engines.mismatches) == 1
