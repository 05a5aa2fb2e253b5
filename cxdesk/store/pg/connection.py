"""A PostgreSQL connection that the store's repositories use as they use ``sqlite3``'s.

:class:`PgConnection` wraps a psycopg 3 connection in the part of the ``sqlite3.Connection`` API
the store uses: ``execute``/``executemany``/``executescript`` (statements in SQLite's dialect,
rewritten by :func:`cxdesk.store.pg.dialect.to_postgres`), cursors with ``fetchone``/``fetchall``/
``rowcount``/``lastrowid``/``description``, ``in_transaction``, ``total_changes``, ``close``.
Rows are plain tuples, as with ``sqlite3``; ``numeric`` results (``SUM`` of integers, ``round``)
come back as ``int``/``float`` and booleans as ``0``/``1``, as SQLite returns them.

Errors are raised as ``sqlite3``'s DB-API classes (a unique violation is a
``sqlite3.IntegrityError``, a bad statement a ``sqlite3.OperationalError``) with psycopg's error as
the cause, so the store's callers handle both engines with one ``except``. One exception: a statement
the server refuses for lack of rights (SQLSTATE 42501, a 客服 trying what only the 店主 may, see
:mod:`cxdesk.store.pg.roles`) is a :class:`PermissionDeniedError`, a user-facing message that says what
was refused (from the statement: an import, an analysis, a delete…), not an engine error to handle.

The few ``PRAGMA`` statements the store runs are answered here (:meth:`PgConnection._pragma`):
``query_only`` is a read-only session, ``busy_timeout`` the lock timeout; the file-level ones
(``journal_mode``, ``cache_size``, ``synchronous``, ``secure_delete``, ``foreign_keys``) have no
meaning on a server and are accepted without effect.

Values are bound on the client (psycopg's ``ClientCursor``): like SQLite, a text value compared
with a number column is converted by the server instead of being refused.

Large writes: ``executemany`` of a plain ``INSERT … VALUES`` (after the dialect's rewrite, with
``ON CONFLICT … DO NOTHING | DO UPDATE`` from ``OR IGNORE``/``OR REPLACE``) over at least
:data:`BULK_MIN_ROWS` rows sends them with COPY into a temporary table and runs one
``INSERT … SELECT … ORDER BY`` (the rows' order) with the same conflict clause, instead of one
statement per row (:meth:`PgConnection._bulk_insert`). Rows, ids, counts and errors are those of
the row-by-row path; values of a type the COPY would read differently take the row-by-row path.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cxdesk.errors import CxdeskError
from cxdesk.store.pg.dialect import bind_json_lists, rewrite, to_postgres

log = logging.getLogger("cxdesk")

_PRAGMA = re.compile(r"^\s*PRAGMA\s+(\w+)\s*(?:=\s*(.+?)|\((.+?)\))?\s*;?\s*$", re.I | re.S)
_RETURNING = re.compile(r"\bRETURNING\b", re.I)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\w+)", re.I)
_WRITE = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.I)
_NO_EFFECT = {"journal_mode", "cache_size", "synchronous", "secure_delete", "foreign_keys", "temp_store", "mmap_size"}

#: ``executemany`` writing at least this many rows of one INSERT goes through COPY (:meth:`PgConnection._bulk_insert`)
BULK_MIN_ROWS = 500
_ITEM = r"(?:%s|-?\d+|NULL)"
_GROUP = rf"\(\s*{_ITEM}(?:\s*,\s*{_ITEM})*\s*\)"
# INSERT INTO t(cols) VALUES (…)[, (…) …] [ON CONFLICT …]: the rewritten statement a bulk write can take.
_BULK_INSERT = re.compile(
    rf"^\s*INSERT\s+INTO\s+(\w+)\s*\(\s*(\w+(?:\s*,\s*\w+)*)\s*\)\s*VALUES\s*({_GROUP}(?:\s*,\s*{_GROUP})*)"
    r"\s*(ON\s+CONFLICT\b[^%;]*?)?\s*;?\s*$",
    re.I | re.S,
)
_BULK_GROUP = re.compile(_GROUP, re.I)
_DO_NOTHING = re.compile(r"^ON\s+CONFLICT\s*(?:\(\s*\w+(?:\s*,\s*\w+)*\s*\))?\s*DO\s+NOTHING$", re.I)
_DO_UPDATE = re.compile(r"^ON\s+CONFLICT\s*\(\s*(\w+(?:\s*,\s*\w+)*)\s*\)\s*DO\s+UPDATE\s+SET\b", re.I)
# The Python types each kind of column takes through COPY as the row-by-row statement stores them
# (a str is read by the column type's input function in both; bool is written as 0/1 first).
_BULK_KINDS = {
    "int": {int, bool, str, type(None)},
    "float": {int, bool, float, str, type(None)},
    "text": {str, int, bool, type(None)},
    "bytea": {bytes, bytearray, memoryview, type(None)},
    "other": {str, type(None)},
}
_TYPE_KIND = {
    "int2": "int", "int4": "int", "int8": "int",
    "float4": "float", "float8": "float", "numeric": "float",
    "text": "text", "varchar": "text", "bpchar": "text",
    "bytea": "bytea",
}  # fmt: skip


@dataclass(frozen=True)
class _BulkPlan:
    """How an INSERT's parameter sets become COPY rows: ``columns`` listed, ``template`` per column
    (``None`` for a parameter, else the literal the statement writes), ``groups`` rows per parameter
    set, the conflict clause ``tail``, and for DO UPDATE the conflict key's places in a COPY row."""

    table: str
    columns: tuple[str, ...]
    template: tuple[str | None, ...]
    groups: int
    tail: str
    key: tuple[int, ...] | None

    @property
    def params(self) -> tuple[str, ...]:
        """The columns the parameters fill (the temporary table's columns), in order."""
        return tuple(c for c, t in zip(self.columns, self.template, strict=True) if t is None)


@lru_cache(maxsize=512)
def _bulk_plan(text: str) -> _BulkPlan | None:
    """The bulk plan of a rewritten statement, or None when it is not a plain INSERT … VALUES."""
    m = _BULK_INSERT.match(text)
    if not m or _RETURNING.search(text):
        return None
    table, cols = m.group(1), tuple(c.strip() for c in m.group(2).split(","))
    groups = [tuple(i.strip() for i in g[1:-1].split(",")) for g in _BULK_GROUP.findall(m.group(3))]
    if len(set(groups)) != 1 or len(groups[0]) != len(cols) or len(set(cols)) != len(cols):
        return None
    template = tuple(None if i == "%s" else i.upper() for i in groups[0])
    tail = " ".join((m.group(4) or "").split())
    key = None
    if tail and not _DO_NOTHING.match(tail):
        upd = _DO_UPDATE.match(tail)
        if not upd:
            return None
        params = [c for c, t in zip(cols, template, strict=True) if t is None]
        conflict = [c.strip() for c in upd.group(1).split(",")]
        if any(c not in params for c in conflict):
            return None  # a key from a literal or a default: one row per statement decides, keep that path
        key = tuple(params.index(c) for c in conflict)
    if all(t is not None for t in template):
        return None
    return _BulkPlan(table, cols, template, len(groups), tail, key)


class PermissionDeniedError(CxdeskError):
    """The team database refused a statement: this login's role (客服) has no right to it."""


CONNECTION_LOST = (
    "与团队数据库的连接中断了（数据库服务器重启、休眠或网络断开），正在进行的这次修改没有保存。已重新连接，请再做一次。"
)
CONNECTION_DOWN = (
    "与团队数据库的连接中断了，重新连接也没有成功：{reason}。请检查数据库服务器电脑是否开着、网络是否正常，稍后再试。"
)


class ConnectionLostError(CxdeskError, sqlite3.OperationalError):
    """The server ended this session (restarted, slept, the network dropped) in the middle of a transaction,
    or it cannot be reached again. Outside a transaction a statement is simply sent again on a new
    session (:meth:`PgConnection.execute`). A :class:`CxdeskError` (its message is for the user) and
    sqlite3's OperationalError (what the store's callers catch from either engine)."""


# What a refused statement was part of, by the table it writes (the first match wins).
_IMPORT_TABLES = {"import_batches", "import_rejects", "shops", "agent_reports"}
_TEXT_TABLES = {"reviews", "chat_sessions", "chat_messages", "orders"}
_ANALYSIS_TABLES = {
    "analysis_runs", "sentiment", "review_aspects", "review_text_state", "risk_flags", "risk_scores", "faq_members",
    "faq_model", "agent_metrics", "shop_models", "text_vectors",
}  # fmt: skip
_PERSONAL_TABLES = _TEXT_TABLES | {"risk_flags", "faq_members", "faq_clusters", "import_rejects"}
_STATEMENT = re.compile(
    r"^\s*(?:WITH\b.*?\)\s*)?(INSERT|REPLACE|UPDATE|DELETE|SELECT|CREATE|ALTER|DROP|COPY|TRUNCATE|GRANT|REVOKE)\b"
    r"(?:\s+OR\s+\w+)?(?:\s+(?:INTO|FROM))?\s+(?:ONLY\s+)?\"?(\w+)\"?(?:\.\"?(\w+)\"?)?",
    re.I | re.S,
)


def refused_activity(sql: str) -> str:
    """What a statement the server refused was part of, in words for the user (“导入数据”“删除数据”…)."""
    m = _STATEMENT.match(sql or "")
    if not m:
        return "进行这项操作"
    verb = m.group(1).upper()
    table = (m.group(3) or m.group(2) or "").lower()
    if verb in ("CREATE", "ALTER", "DROP", "GRANT", "REVOKE", "TRUNCATE"):
        return "修改数据库结构（升级或设置数据库只能由店主进行）"
    if verb == "SELECT":
        return "查看未隐藏的买家个人信息" if table in _PERSONAL_TABLES or "public" in sql.lower() else "读取这些数据"
    if verb == "DELETE" and table in _TEXT_TABLES | {"risk_flags", "risk_scores", "faq_members", "session_reviews"}:
        return "删除数据（删除买家数据、撤销导入只能由店主进行）"
    if table in _IMPORT_TABLES or (verb in ("INSERT", "REPLACE", "COPY") and table in _TEXT_TABLES):
        return "导入数据"
    if table == "import_batches" or table in _TEXT_TABLES:
        return "修改或撤销导入的数据"
    if table in _ANALYSIS_TABLES:
        return "运行分析"
    if table == "faq_clusters":
        return "整理常见问题（改名、置顶、隐藏、合并、拆分）"
    if table == "meta":  # the analysis keeps how far it read there (and the demo its mark)
        return "运行分析"
    return f"修改“{table}”" if table else "进行这项操作"


def permission_message(sql: str, role: str | None) -> str:
    """The sentence a refused statement shows: who is refused what, and whom to ask."""
    who = f"你的账号（{role}）" if role else "你的账号"
    return f"{who}没有权限{refused_activity(sql)}。请让店主操作。"


def _errors() -> list[tuple[type, type]]:
    import psycopg

    return [
        (psycopg.errors.ReadOnlySqlTransaction, sqlite3.OperationalError),
        (psycopg.IntegrityError, sqlite3.IntegrityError),
        (psycopg.DataError, sqlite3.IntegrityError),
        (psycopg.OperationalError, sqlite3.OperationalError),
        (psycopg.ProgrammingError, sqlite3.OperationalError),
        (psycopg.InternalError, sqlite3.OperationalError),
        (psycopg.NotSupportedError, sqlite3.NotSupportedError),
        (psycopg.InterfaceError, sqlite3.InterfaceError),
        (psycopg.DatabaseError, sqlite3.DatabaseError),
    ]


def _as_sqlite_error(exc: Exception) -> sqlite3.Error:
    for pg_class, sqlite_class in _errors():
        if isinstance(exc, pg_class):
            text = str(exc).strip()
            if pg_class.__name__ == "ReadOnlySqlTransaction":
                text = f"attempt to write a readonly database ({text})"
            err = sqlite_class(text)
            err.sqlite_errorname = getattr(getattr(exc, "diag", None), "sqlstate", None)  # type: ignore[attr-defined]
            return err
    return sqlite3.DatabaseError(str(exc))


def _params(params: Any) -> Any:
    """``params`` with booleans as 0/1 (SQLite stores them so; PostgreSQL would refuse them in a number column)."""
    if params is None:
        return ()
    if isinstance(params, Mapping):
        return {k: int(v) if v.__class__ is bool else v for k, v in params.items()}
    return tuple(int(v) if v.__class__ is bool else v for v in params)


class PgCursor:
    """The result of one statement, shaped like ``sqlite3.Cursor``."""

    def __init__(self, cur: Any = None, rows: list[tuple] | None = None, lastrowid: int | None = None) -> None:
        self._cur = cur
        self._rows = rows
        self._pos = 0
        self.lastrowid = lastrowid
        self.rowcount = cur.rowcount if cur is not None else -1
        self.description = cur.description if cur is not None else None

    def with_count(self, count: int) -> PgCursor:
        self.rowcount = count
        return self

    def fetchone(self) -> tuple | None:
        if self._rows is not None:
            if self._pos >= len(self._rows):
                return None
            self._pos += 1
            return self._rows[self._pos - 1]
        if self._cur is None or self._cur.description is None:
            return None
        return self._cur.fetchone()

    def fetchall(self) -> list[tuple]:
        if self._rows is not None:
            rest, self._pos = self._rows[self._pos :], len(self._rows)
            return rest
        if self._cur is None or self._cur.description is None:
            return []
        return self._cur.fetchall()

    def fetchmany(self, size: int = 1) -> list[tuple]:
        if self._rows is not None:
            rest = self._rows[self._pos : self._pos + size]
            self._pos += len(rest)
            return rest
        if self._cur is None or self._cur.description is None:
            return []
        return self._cur.fetchmany(size)

    def __iter__(self):
        while True:
            batch = self.fetchmany(500)
            if not batch:
                return
            yield from batch

    def close(self) -> None:
        if self._cur is not None:
            self._cur.close()


class PgConnection:
    """A psycopg connection behind the ``sqlite3.Connection`` calls the store makes (see the module doc)."""

    engine = "postgresql"
    #: 店主 / 客服 / 管理员 of the person logged in, once :func:`cxdesk.store.pg.roles.apply_session_role` asked
    team_role: str | None = None

    def __init__(self, raw: Any, pk_of: Callable[[str], tuple[str, ...]]) -> None:
        self.raw = raw
        self._pk_of = pk_of
        self.total_changes = 0
        self._closed = False
        self._reopen: Callable[[], Any] | None = None  # a new psycopg session like this one (set by connect)
        self._session: dict[str, str] = {}  # the session's SET statements, made again after a reconnection
        self._bulk_tables: dict[tuple[str, tuple[str, ...]], tuple[str, str, tuple[str, ...]] | None] = {}

    def _error(self, exc: Exception, sql: str) -> Exception:
        """The error to raise for psycopg's ``exc`` from ``sql``: a refusal in words, else sqlite3's class."""
        state = getattr(getattr(exc, "diag", None), "sqlstate", None)
        # A 客服 writing a column its view masks: the server refuses it as "not updatable" (0A000).
        masked_column = state == "0A000" and self.team_role == "客服" and bool(_WRITE.match(sql))
        if state == "42501" or masked_column:
            err = PermissionDeniedError(permission_message(sql, self.team_role))
            err.sqlite_errorname = "42501"  # type: ignore[attr-defined]
            return err
        return _as_sqlite_error(exc)

    @classmethod
    def connect(cls, url: str, pk_of: Callable[[str], tuple[str, ...]], **kwargs: Any) -> PgConnection:
        import psycopg

        def open_session() -> Any:
            """A psycopg session set up as cxdesk reads it; called again after the server ended one."""
            try:
                raw = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor, **kwargs)
            except psycopg.Error as exc:
                raise _as_sqlite_error(exc) from exc
            _register_loaders(raw)
            _use_local_time_zone(raw)
            return raw

        conn = cls(open_session(), pk_of)
        conn._reopen = open_session
        return conn

    # -- a session the server ended ------------------------------------------------------------

    def set_session(self, key: str, sql: str) -> None:
        """Run a session setting (``SET …``) and keep it under ``key``: a reconnection makes it again."""
        self.raw.execute(sql)
        self._session[key] = sql

    def _idle(self) -> bool:
        """No transaction open on this session (as far as this side knows): a statement may be sent again."""
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status == TransactionStatus.IDLE

    def _lost(self) -> bool:
        return not self._closed and bool(self.raw.closed or getattr(self.raw, "broken", False))

    def _reconnect(self) -> None:
        """A new session in place of the lost one, with this one's settings (role, read-only …); raises
        :class:`ConnectionLostError` when the server cannot be reached."""
        if self._reopen is None:
            raise ConnectionLostError(CONNECTION_DOWN.format(reason="这个连接不能重新建立"))
        try:
            raw = self._reopen()
            for sql in self._session.values():
                raw.execute(sql)
        except Exception as exc:  # noqa: BLE001 - any failure: the server is still away
            raise ConnectionLostError(CONNECTION_DOWN.format(reason=str(exc).strip() or type(exc).__name__)) from exc
        old, self.raw = self.raw, raw
        try:
            old.close()
        except Exception:  # noqa: BLE001 - it is gone already
            pass
        log.warning("与团队数据库的连接中断过，已重新连接。")

    # -- the sqlite3.Connection surface ---------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> PgCursor:
        if sql.lstrip()[:6].upper() == "PRAGMA":
            return self._pragma(sql)
        named = isinstance(params, Mapping)
        bound = _params(params)
        if named:
            text = to_postgres(sql, named=True, pk_of=self._pk_of)
        else:
            text, bound = bind_json_lists(rewrite(sql, pk_of=self._pk_of), bound)
        want_id = None
        match = _INSERT_INTO.match(sql)
        if match and not _RETURNING.search(sql):
            pk = self._pk_of(match.group(1))
            if len(pk) == 1 and pk[0] == "id":
                want_id = pk[0]
                text = f"{text.rstrip().rstrip(';')} RETURNING {want_id}"
        cur = self._send(text, bound, sql)
        if cur.rowcount > 0 and _WRITE.match(sql):
            self.total_changes += cur.rowcount
        if want_id is not None:
            row = cur.fetchone()
            return PgCursor(None, [], lastrowid=row[0] if row else None).with_count(cur.rowcount)
        return PgCursor(cur)

    def _send(self, text: str, bound: Any, sql: str) -> Any:
        """Execute on the session; when the server ended it, send the statement again on a new one if no
        transaction was open, else reconnect (for what comes next) and raise :class:`ConnectionLostError`."""
        idle = self._idle()
        for attempt in (1, 2):
            cur = None
            try:
                cur = self.raw.cursor()
                cur.execute(text, bound)
                return cur
            except Exception as exc:
                if cur is not None:
                    cur.close()
                if not _is_psycopg_error(exc):
                    raise
                if not self._lost():
                    raise self._error(exc, sql) from exc
                self._reconnect()
                if not idle or attempt == 2:
                    raise ConnectionLostError(CONNECTION_LOST) from exc
        raise AssertionError("unreachable")

    def executemany(self, sql: str, seq: Iterable[Sequence[Any] | Mapping[str, Any]]) -> PgCursor:
        rows = list(seq)
        if not rows:
            return PgCursor(None, []).with_count(0)
        named = isinstance(rows[0], Mapping)
        text = to_postgres(sql, named=named, pk_of=self._pk_of)
        if not named:
            plan = _bulk_plan(text)
            if plan is not None and len(rows) * plan.groups >= BULK_MIN_ROWS:
                done = self._bulk_insert(sql, plan, rows)
                if done is not None:
                    return done
        cur = self.raw.cursor()
        try:
            cur.executemany(text, [_params(r) for r in rows])
        except Exception as exc:
            cur.close()
            if _is_psycopg_error(exc) and self._lost():  # a write: part of a transaction, not sent again
                self._reconnect()
                raise ConnectionLostError(CONNECTION_LOST) from exc
            if _is_psycopg_error(exc):
                raise self._error(exc, sql) from exc
            raise
        if cur.rowcount and cur.rowcount > 0:
            self.total_changes += cur.rowcount
        return PgCursor(cur)

    # -- large INSERTs through COPY (see the module doc) ------------------------------------------------

    def _bulk_insert(self, sql: str, plan: _BulkPlan, param_sets: list[Sequence[Any]]) -> PgCursor | None:
        """Write ``param_sets`` of the INSERT ``plan`` with COPY into a temporary table and one
        ``INSERT … SELECT`` in the rows' order; None (nothing done) when the rows do not fit it:
        a value COPY would read differently, a DO UPDATE batch hitting one key twice, a table or
        column the catalogue does not show (the row-by-row path then answers as before)."""
        names = plan.params
        width = len(names)
        if any(len(p) != width * plan.groups for p in param_sets):
            return None
        if plan.groups == 1:
            rows: list[Sequence[Any]] = param_sets
        else:
            rows = [p[i : i + width] for p in param_sets for i in range(0, width * plan.groups, width)]
        try:
            target = self._bulk_table(plan.table, names)
        except Exception as exc:
            if _is_psycopg_error(exc):
                raise self._error(exc, sql) from exc
            raise
        if target is None:
            return None
        temp, create, kinds = target
        signatures = {tuple(map(type, r)) for r in rows}
        for i, kind in enumerate(kinds):
            if not {s[i] for s in signatures} <= _BULK_KINDS[kind]:
                return None
        if any(bool in s for s in signatures):
            rows = [_params(r) for r in rows]
        if plan.key is not None:  # DO UPDATE: a key twice has the second row update the first, row by row
            key = plan.key
            for i in key:  # one Python type per key column, so that equal here is equal on the server
                if len({bool if t is int else t for t in (s[i] for s in signatures)} - {type(None)}) > 1:
                    return None
            if len({tuple(r[i] for i in key) for r in rows}) < len(rows):
                return None
        select = ", ".join(t if t is not None else c for c, t in zip(plan.columns, plan.template, strict=True))
        insert = (
            f"INSERT INTO {plan.table} ({', '.join(plan.columns)}) SELECT {select} FROM pg_temp.{temp} "
            f"ORDER BY _cx_ord {plan.tail}"
        ).rstrip()
        own = not self.in_transaction  # ON COMMIT DELETE ROWS: COPY and INSERT in one transaction
        cur = self.raw.cursor()
        try:
            if own:
                cur.execute("BEGIN")
            exists = cur.execute("SELECT to_regclass(%s)", (f"pg_temp.{temp}",)).fetchone()[0]
            cur.execute(f"TRUNCATE pg_temp.{temp}" if exists else create)
            with cur.copy(f"COPY pg_temp.{temp} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(insert)
            count = cur.rowcount
            if own:
                cur.execute("COMMIT")
        except BaseException as exc:  # also an interrupt: never leave our own transaction open
            if own and self.in_transaction:
                with contextlib.suppress(Exception):
                    self.raw.execute("ROLLBACK")
            if _is_psycopg_error(exc):
                raise self._error(exc, sql) from exc
            raise
        finally:
            cur.close()
        if count > 0:
            self.total_changes += count
        return PgCursor(None, []).with_count(count)

    def _bulk_table(self, table: str, columns: tuple[str, ...]) -> tuple[str, str, tuple[str, ...]] | None:
        """(temporary table name, its CREATE statement, each column's kind) for COPY rows of ``table``'s
        ``columns``, typed as the table (or the view the name means for this login) types them; from the
        catalogue once per connection. None when the name or a column is not found."""
        if (table, columns) in self._bulk_tables:
            return self._bulk_tables[(table, columns)]
        found = {
            name: (shown, typname)
            for name, shown, typname in self.raw.execute(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname FROM pg_attribute a "
                "JOIN pg_type t ON t.oid = a.atttypid "
                "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped",
                (table,),
            ).fetchall()
        }
        answer = None
        if all(c in found for c in columns):
            digest = hashlib.sha1(",".join((table, *columns)).encode()).hexdigest()[:10]
            temp = f"_cx_bulk_{table[:30]}_{digest}"
            defs = ", ".join(f"{c} {found[c][0]}" for c in columns)
            create = (
                f"CREATE TEMP TABLE {temp} ({defs}, _cx_ord BIGINT GENERATED ALWAYS AS IDENTITY) ON COMMIT DELETE ROWS"
            )
            answer = (temp, create, tuple(_TYPE_KIND.get(found[c][1], "other") for c in columns))
            self._bulk_tables[(table, columns)] = answer  # not when missing: a later migration may add it
        return answer

    def executescript(self, script: str) -> PgCursor:
        """Run each statement of ``script`` (SQLite's dialect) in turn, as ``sqlite3`` does."""
        for statement in split_statements(script):
            self.execute(statement)
        return PgCursor(None, [])

    def cursor(self) -> PgConnection:
        return self

    # -- bulk copy (cxdesk.store.copy) ----------------------------------------------------------------

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Write ``rows`` into ``table`` with PostgreSQL's COPY (a store copy's million messages)."""
        try:
            with self.raw.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(_params(row))
                    self.total_changes += 1
        except Exception as exc:
            if _is_psycopg_error(exc):
                raise self._error(exc, f"COPY {table}") from exc
            raise

    def after_copy(self, tables: Iterable[Any]) -> None:
        """Move each identity column's counter past the ids a copy wrote, so new rows get new ids, and
        give the planner statistics of the new rows (without them a fresh copy's joins can take 10× longer)."""
        tables = list(tables)
        for table in tables:
            self.raw.execute(f"ANALYZE {table.name}")
        for table in tables:
            if len(table.primary_key) != 1:
                continue
            column = table.primary_key[0]
            seq = self.raw.execute("SELECT pg_get_serial_sequence(%s, %s)", (table.name, column)).fetchone()[0]
            if seq:
                self.raw.execute(
                    f"SELECT setval(%s, COALESCE((SELECT MAX({column}) FROM {table.name}), 0) + 1, false)", (seq,)
                )

    def commit(self) -> None:
        if self.in_transaction:
            self.raw.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.raw.execute("ROLLBACK")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.raw.close()

    # -- PRAGMA ------------------------------------------------------------------------------------

    def _pragma(self, sql: str) -> PgCursor:
        m = _PRAGMA.match(sql)
        if not m:
            raise sqlite3.OperationalError(f"PRAGMA not understood on PostgreSQL: {sql.strip()[:80]}")
        name, value = m.group(1).lower(), (m.group(2) or m.group(3) or "").strip().strip("'\"")
        if name == "query_only":
            if value:
                on = value.lower() in ("1", "on", "true", "yes")
                self.set_session("read_only", f"SET default_transaction_read_only = {'on' if on else 'off'}")
                return PgCursor(None, [])
            shown = self.raw.execute("SHOW default_transaction_read_only").fetchone()[0]
            return PgCursor(None, [(1 if shown == "on" else 0,)])
        if name == "busy_timeout":
            if value:
                self.set_session("lock_timeout", f"SET lock_timeout = {int(value)}")
                return PgCursor(None, [(int(value),)])
            shown = self.raw.execute("SHOW lock_timeout").fetchone()[0]
            return PgCursor(None, [(int(re.sub(r"\D", "", shown) or 0),)])
        if name == "table_info":
            return PgCursor(None, self._table_info(value))
        if name in _NO_EFFECT:
            answer = {"journal_mode": "postgresql", "foreign_keys": 1, "cache_size": -2000}.get(name, 0)
            return PgCursor(None, [(answer,)])
        raise sqlite3.OperationalError(f"PRAGMA {name} has no PostgreSQL equivalent in cxdesk")

    def _table_info(self, table: str) -> list[tuple]:
        """``PRAGMA table_info``'s rows (cid, name, type, notnull, dflt_value, pk) from the catalogue."""
        pk = self._pk_of(table)
        # The table the name means here (search_path: a 客服's masked view, else the table in public).
        rows = self.raw.execute(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_name = %s AND is_generated = 'NEVER' AND table_schema = (SELECT n.nspname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)) ORDER BY ordinal_position",
            (table, table),
        ).fetchall()
        return [
            (i, name, dtype.upper(), int(nullable == "NO"), default, pk.index(name) + 1 if name in pk else 0)
            for i, (name, dtype, nullable, default) in enumerate(rows)
        ]


def _is_psycopg_error(exc: BaseException) -> bool:
    import psycopg

    return isinstance(exc, psycopg.Error)


def split_statements(script: str) -> list[str]:
    """The statements of an SQL script, split where SQLite would end each (triggers' ``BEGIN … END;`` kept whole)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip().strip(";").strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def _use_local_time_zone(raw: Any) -> None:
    """The session's time zone is this PC's, as SQLite's 'localtime' is: ``datetime('now', 'localtime')``
    and the columns' defaults then read the desk's clock, not the server's zone."""
    from datetime import datetime

    offset = datetime.now().astimezone().utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes % 60 == 0:
        # A zone name both the server and Python's zoneinfo know (tzdata comes with pandas), so psycopg
        # reads timestamptz values in it; an offset written as an interval becomes '<+08>-08', which
        # psycopg cannot name and reads as UTC, with a warning. The Etc names' signs are POSIX's: UTC+8 is
        # Etc/GMT-8.
        hours = minutes // 60
        raw.execute("SET TIME ZONE 'UTC'" if hours == 0 else f"SET TIME ZONE 'Etc/GMT{-hours:+d}'")
        return
    sign = "-" if minutes < 0 else "+"
    raw.execute(f"SET TIME ZONE INTERVAL '{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}' HOUR TO MINUTE")


def _register_loaders(raw: Any) -> None:
    """numeric → int or float, bool → 0/1: the Python types SQLite hands back for the same expressions."""
    from psycopg.adapt import Loader

    class NumericLoader(Loader):
        def load(self, data: Any) -> Any:
            text = bytes(data).decode()
            if text in ("NaN", "Infinity", "-Infinity"):
                return float(text.replace("Infinity", "inf"))
            return float(text) if "." in text or "e" in text or "E" in text else int(text)

    class BoolLoader(Loader):
        def load(self, data: Any) -> Any:
            return 1 if bytes(data) in (b"t", b"true") else 0

    raw.adapters.register_loader("numeric", NumericLoader)
    raw.adapters.register_loader("bool", BoolLoader)
