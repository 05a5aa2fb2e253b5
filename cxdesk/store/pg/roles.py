"""Who may do what in a team database, enforced by PostgreSQL itself: the groups 店主 and 客服 (issue 20.4).

Two group roles (no login) hold the rights; each person logs in with a role of their own that is a
member of one of them (``store add-user``):

- ``cxdesk_owner`` — 店主: everything. It owns the store's tables, so its members migrate the schema,
  import, analyse, export with personal data and delete a buyer's data. A member's sessions act as
  the group (``ALTER ROLE … SET role``, and :func:`apply_session_role`), so what a migration creates
  belongs to the group and the next 店主 can change it too.
- ``cxdesk_agent`` — 客服: reads each table that holds buyers' personal data through a view of the
  schema ``cxdesk_masked`` (its sessions' ``search_path`` is ``cxdesk_masked, public``, so the app's
  queries are unchanged), where
  buyers' personal data is masked as the app masks it on screen and in exports (:mod:`cxdesk.privacy`,
  the same rules as SQL functions: :mod:`cxdesk.store.pg.masking`): buyer nicks (``t***7``), buyers'
  sender accounts, and the free text buyers type phones, names and addresses into. It has no right
  on the tables themselves, so ``SELECT buyer_nick FROM public.chat_sessions`` is refused by the
  server. It may write only triage (a flag's status, note, handler, handled time, version and last
  change; the risk scores a triage re-computes; a session's 已阅 mark and note) and FAQ answers
  (:data:`AGENT_WRITES`): no import, analysis, delete, FAQ curation or schema change.

Personal columns (:data:`NICK_COLUMNS`, :data:`TEXT_COLUMNS`, :data:`BUYER_SENDER`) are listed from the
schema. Only the tables that hold them get a view; the 客服 reads the others (scores, sentiment,
shops, FAQ clusters…) in ``public`` itself, with SELECT and the column grants of :data:`AGENT_WRITES`:
a view has no primary key, and queries such as ``SELECT c.id, c.label … GROUP BY c.id`` need one.
Columns the 客服 writes stay plain in the views (a view's computed column cannot be written), so notes
and answers are not masked: they are the team's own words. Not masked either: a FAQ cluster's name
(the analysis names it after the member question with the least personal data, and the store groups
clusters by their key, which a view cannot offer), and a risk score's reasons (they quote the words a
rule matched, and a 客服's triage rewrites them).

The search page reads the texts through the views too. The searched texts (:data:`MASKED_SEARCH`) are
kept masked in stored generated columns (``chat_messages.content_masked`` …, masked once when a row is
written, not shown as columns of their own) that the views show under the texts' names, with trigram
indexes on them: a 客服's search reads as little as a 店主's (the price: each imported text is masked
once more).

The views list each table's columns from the catalogue, so a migration that adds a column needs them
made again: :func:`refresh_masked_views` (the schema's comment holds a digest of what they were made
from; :func:`masked_views_current` compares). ``open_pg_store`` calls it after a 店主 opens the store;
a 客服 never migrates (a migration needs the 店主) and is told so when the views are behind.

Refused statements reach the user as :class:`PermissionDeniedError` (raised by the connection,
:mod:`cxdesk.store.pg.connection`) with what the 客服 tried, instead of psycopg's text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from cxdesk.errors import CxdeskError, StoreError
from cxdesk.store.pg import masking
from cxdesk.store.pg.connection import PermissionDeniedError

__all__ = [
    "AGENT",
    "AGENT_GROUP",
    "LABELS",
    "MASKED_SCHEMA",
    "OWNER",
    "OWNER_GROUP",
    "PermissionDeniedError",
    "RolesReport",
    "add_user",
    "apply_session_role",
    "group_of",
    "masked_views_current",
    "refresh_masked_views",
    "roles_set_up",
    "setup_roles",
    "team_role",
]

OWNER_GROUP = "cxdesk_owner"
AGENT_GROUP = "cxdesk_agent"
MASKED_SCHEMA = masking.SCHEMA
OWNER, AGENT, ADMIN = "店主", "客服", "管理员"
LABELS = {OWNER_GROUP: OWNER, AGENT_GROUP: AGENT}
_GROUP_NAMES = {OWNER: OWNER_GROUP, AGENT: AGENT_GROUP, "owner": OWNER_GROUP, "agent": AGENT_GROUP}
MIN_SERVER_VERSION = 150000  # regexp_instr (the masking functions)

# Personal data, from the schema (cxdesk/store/migrations.py) and what exports mask (cxdesk/exports.py).
NICK_COLUMNS: dict[str, tuple[str, ...]] = {
    "chat_sessions": ("buyer_nick",),
    "reviews": ("buyer_nick",),
    "orders": ("buyer_nick",),
}
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "chat_messages": ("content",),
    "reviews": ("content", "append_content", "seller_reply"),
    "risk_flags": ("evidence",),  # the words that triggered the rule, quoted from the text
    "faq_members": ("question", "question_norm"),  # a buyer's question cut from the chat
    "import_rejects": ("raw",),  # a whole rejected line of an export file
}
# A message's sender is the buyer's account when the buyer wrote it (as exports mask it).
BUYER_SENDER: dict[str, tuple[str, str]] = {"chat_messages": ("sender", "role")}
# What a 客服 may write, through the views: table -> (privileges, columns; None = every column).
AGENT_WRITES: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    # triage, and its optimistic lock (schema v9: version, who changed it last and when)
    "risk_flags": (("UPDATE",), ("status", "note", "handler", "handled_at", "version", "changed_by", "changed_at")),
    "risk_scores": (("INSERT", "UPDATE"), None),  # a triage re-scores its session or review
    "session_reviews": (("INSERT", "UPDATE"), None),  # 会话: 已阅 and note
    "faq_clusters": (("UPDATE",), ("recommended_answer", "answer_saved_at")),
}
# The texts the search page reads: the 客服 reads them masked. Each is kept masked in a stored generated
# column of its table (``content_masked`` …: masked once, when the row is written) which the view shows
# under the text's own name, with a trigram index on it, so the 客服's search reads as little as the
# 店主's: a one- or two-character search reads the stored texts instead of masking every text again
# (~22 µs a text), longer ones use the index.
MASKED_SEARCH: dict[str, tuple[str, ...]] = {"chat_messages": ("content",), "reviews": ("content", "append_content")}
MASKED_SUFFIX = "_masked"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Bumped when the views' SQL changes without the tables changing.
_VIEWS_VERSION = "2"  # 2: the searched texts from their stored masked columns


@dataclass
class RolesReport:
    """What ``store roles`` set up."""

    database: str
    tables: int = 0
    masked_tables: list[str] = field(default_factory=list)
    members: dict[str, list[str]] = field(default_factory=dict)  # label -> login names


def group_of(label: str) -> str:
    """The group role of 店主 / 客服 (or owner / agent)."""
    try:
        return _GROUP_NAMES[label.strip()]
    except KeyError:
        raise CxdeskError(f"未知的角色“{label}”，可选：店主、客服。") from None


def _ident(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return '"' + name.replace('"', '""') + '"'
    return name


def _one(conn, sql: str, params: tuple = ()) -> object:
    row = conn.raw.execute(sql, params).fetchone()
    return row[0] if row else None


def roles_set_up(conn) -> bool:
    """True when ``store roles`` was run on this database: the server has the two groups and this database
    its 客服 schema. The groups belong to the server, so every database on it sees them; a second
    database on a server whose first one has roles works as a database without roles until ``store
    roles`` is run on it too."""
    return bool(
        _one(
            conn,
            "SELECT to_regrole(%s) IS NOT NULL AND to_regrole(%s) IS NOT NULL AND to_regnamespace(%s) IS NOT NULL",
            (OWNER_GROUP, AGENT_GROUP, MASKED_SCHEMA),
        )
    )


def team_role(conn) -> str | None:
    """店主, 客服 or 管理员 (a superuser) for the person logged in on ``conn``; None when the groups do not
    exist or the login is in neither (a database without roles: it works as before)."""
    row = conn.raw.execute(
        "SELECT r.rolsuper, COALESCE(pg_has_role(session_user, to_regrole(%s), 'MEMBER'), false), "
        "COALESCE(pg_has_role(session_user, to_regrole(%s), 'MEMBER'), false) "
        "FROM pg_roles r WHERE r.rolname = session_user",
        (OWNER_GROUP, AGENT_GROUP),
    ).fetchone()
    if row is None:
        return None
    superuser, owner, agent = row
    if superuser:
        return ADMIN
    if owner:
        return OWNER
    if agent:
        return AGENT
    return None


def apply_session_role(conn) -> str | None:
    """Make this session act as its group (see the module doc) and remember the role on ``conn``
    (``conn.team_role``: the connection names it in a refusal). The login's own settings do the same
    on the server; this covers a login made by hand."""
    role = team_role(conn)
    if role == OWNER:
        conn.set_session("role", f"SET ROLE {OWNER_GROUP}")
    elif role == AGENT:
        conn.set_session("search_path", f"SET search_path TO {MASKED_SCHEMA}, public")
    conn.team_role = role
    return role


# --- the masked views ------------------------------------------------------------------------------


def _base_columns(conn) -> dict[str, list[str]]:
    """Every table of the store (schema public) with its columns in order, from the catalogue (which a
    客服 may read: information_schema would hide the columns it has no right on); not the stored masked
    texts (:data:`MASKED_SEARCH`), which are the views' business."""
    out: dict[str, list[str]] = {}
    rows = conn.raw.execute(
        "SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') "
        "ORDER BY c.relname, a.attnum"
    ).fetchall()
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def _digest(columns: dict[str, list[str]]) -> str:
    text = "\n".join(f"{t}:{','.join(cs)}" for t, cs in sorted(columns.items()))
    text += "\n" + repr((NICK_COLUMNS, TEXT_COLUMNS, BUYER_SENDER, AGENT_WRITES, _VIEWS_VERSION))
    text += "\n" + masking.functions_sql()
    return "cxdesk " + hashlib.sha256(text.encode("utf-8")).hexdigest()


def masked_views_current(conn) -> bool:
    """True when the 客服 views were made from the tables as they are now (and by this program's rules)."""
    made = _one(conn, "SELECT obj_description(to_regnamespace(%s), 'pg_namespace')", (MASKED_SCHEMA,))
    return made == _digest(_base_columns(conn))


def _select_list(table: str, columns: list[str]) -> str:
    s = MASKED_SCHEMA
    nicks, texts = NICK_COLUMNS.get(table, ()), TEXT_COLUMNS.get(table, ())
    sender = BUYER_SENDER.get(table)
    parts = []
    for c in columns:
        q = _ident(c)
        if c in nicks:
            parts.append(f"{s}.mask_nick(t.{q}) AS {q}")
        elif c in MASKED_SEARCH.get(table, ()):
            parts.append(f"t.{_ident(c + MASKED_SUFFIX)} AS {q}")  # masked when written (_masked_texts)
        elif c in texts:
            parts.append(f"{s}.mask_text(t.{q}) AS {q}")
        elif sender and c == sender[0] and sender[1] in columns:
            parts.append(f"CASE WHEN t.{_ident(sender[1])} = 'buyer' THEN {s}.mask_nick(t.{q}) ELSE t.{q} END AS {q}")
        else:
            parts.append(f"t.{q}")
    return ", ".join(parts)


def _has_personal_data(table: str, columns: list[str]) -> bool:
    personal = {*NICK_COLUMNS.get(table, ()), *TEXT_COLUMNS.get(table, ()), *BUYER_SENDER.get(table, ())[:1]}
    return bool(personal & set(columns))


def _may_own(conn) -> bool:
    return bool(_one(conn, "SELECT rolsuper FROM pg_roles WHERE rolname = session_user")) or bool(
        _one(conn, "SELECT COALESCE(pg_has_role(session_user, to_regrole(%s), 'MEMBER'), false)", (OWNER_GROUP,))
    )


def _give_to_owner_group(conn) -> int:
    """Make the owner group own every object of the store this login may hand over (a migration run by
    a superuser, tables made before the roles existed); how many it handed over."""
    raw = conn.raw
    rows = raw.execute(
        "SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END, "
        "quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') "
        "AND c.relowner <> to_regrole(%s) AND pg_has_role(c.relowner, 'USAGE') "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')",
        (OWNER_GROUP,),
    ).fetchall()
    funcs = raw.execute(
        "SELECT CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, p.oid::regprocedure::text "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname IN ('public', %s) AND p.proowner <> to_regrole(%s) AND pg_has_role(p.proowner, 'USAGE') "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
        (MASKED_SCHEMA, OWNER_GROUP),
    ).fetchall()
    for kind, name in [*rows, *funcs]:
        raw.execute(f"ALTER {kind} {name} OWNER TO {OWNER_GROUP}")  # a table's sequences follow it
    return len(rows) + len(funcs)


def refresh_masked_views(conn, *, force: bool = False) -> bool:
    """(Re)make the 客服 views and their grants from the catalogue; whether it did (see the module doc).

    Needs a 店主 (or a superuser): the views belong to the owner group, which reads the tables for
    them. One transaction, under the migration lock, so two PCs opening at once make them once."""
    from cxdesk.store.pg.schema import ADVISORY_MIGRATE

    if not force and masked_views_current(conn):
        return False
    if not _may_own(conn):
        raise PermissionDeniedError(_views_behind_message(team_role(conn)))
    raw = conn.raw
    s = MASKED_SCHEMA
    with raw.transaction():
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_MIGRATE,))
        _give_to_owner_group(conn)
        raw.execute(f"SET LOCAL ROLE {OWNER_GROUP}")
        if not force and masked_views_current(conn):
            return False
        raw.execute(masking.functions_sql())
        tables = _base_columns(conn)
        for (name,) in raw.execute(
            "SELECT quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'v'",
            (s,),
        ).fetchall():
            raw.execute(f"DROP VIEW IF EXISTS {s}.{name} CASCADE")
        _masked_texts(conn, tables)  # after the views that read them went, before the new ones
        raw.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {AGENT_GROUP}, PUBLIC")
        for table, columns in tables.items():
            q = _ident(table)
            if _has_personal_data(table, columns):
                target = f"{s}.{q}"
                raw.execute(f"CREATE VIEW {target} AS SELECT {_select_list(table, columns)} FROM public.{q} t")
            else:  # the table itself: a view has no primary key, and GROUP BY c.id needs one to list c.label
                target = f"public.{q}"
            raw.execute(f"GRANT SELECT ON {target} TO {AGENT_GROUP}")
            privileges, allowed = AGENT_WRITES.get(table, ((), None))
            cols = [c for c in columns if allowed is None or c in allowed]
            for privilege in privileges:
                if cols:
                    listed = ", ".join(_ident(c) for c in cols)
                    raw.execute(f"GRANT {privilege} ({listed}) ON {target} TO {AGENT_GROUP}")
        raw.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA {s} TO {OWNER_GROUP}")
        _masked_search_indexes(conn, tables)
        digest = _digest(_base_columns(conn))
        raw.execute(f"COMMENT ON SCHEMA {s} IS '{digest}'")
    return True


def _masking_mark() -> str:
    return "cxdesk " + hashlib.sha256(masking.functions_sql().encode("utf-8")).hexdigest()


def _masked_texts(conn, tables: dict[str, list[str]]) -> None:
    """The stored masked copy of each searched text (:data:`MASKED_SEARCH`), made again (with its index)
    when the masking changed: adding one masks every row of the table once (a million messages: ~20 s,
    at ``store roles`` or the first open by a 店主 after an upgrade)."""
    raw = conn.raw
    mark = _masking_mark()
    for table, columns in MASKED_SEARCH.items():
        for column in columns:
            if column not in tables.get(table, ()):
                continue
            stored = column + MASKED_SUFFIX
            made = _one(
                conn,
                "SELECT col_description(a.attrelid, a.attnum) FROM pg_attribute a "
                "WHERE a.attrelid = to_regclass(%s) AND a.attname = %s AND NOT a.attisdropped",
                (f"public.{table}", stored),
            )
            if made == mark:
                continue
            raw.execute(f"ALTER TABLE public.{table} DROP COLUMN IF EXISTS {stored}")  # its index goes with it
            raw.execute(
                f"ALTER TABLE public.{table} ADD COLUMN {stored} text "
                f"GENERATED ALWAYS AS ({MASKED_SCHEMA}.mask_text({column})) STORED"
            )
            raw.execute(f"COMMENT ON COLUMN public.{table}.{stored} IS '{mark}'")


def _masked_search_indexes(conn, tables: dict[str, list[str]]) -> None:
    """Trigram indexes on the stored masked texts (:data:`MASKED_SEARCH`), made again when they changed."""
    raw = conn.raw
    if not _one(conn, "SELECT to_regprocedure('public.cxdesk_search_squash(text)') IS NOT NULL"):
        return  # a store before the search indexes (schema v6)
    mark = _masking_mark() + " stored"
    for table, columns in MASKED_SEARCH.items():
        for column in columns:
            if column not in tables.get(table, ()):
                continue
            name = f"{table}_{column}_masked_search"
            if _one(conn, "SELECT obj_description(to_regclass(%s), 'pg_class')", (f"public.{name}",)) == mark:
                continue
            raw.execute(f"DROP INDEX IF EXISTS public.{name}")
            raw.execute(
                f"CREATE INDEX {name} ON public.{table} USING gin "
                f"(public.cxdesk_search_squash({column}{MASKED_SUFFIX}) gin_trgm_ops)"
            )
            raw.execute(f"COMMENT ON INDEX public.{name} IS '{mark}'")


def _views_behind_message(role: str | None) -> str:
    return (
        f"团队数据库的客服视图需要按新的表结构重新生成，这只能由店主的账号进行（你的账号是{role or '普通账号'}）。"
        "请让店主用 cxdesk 打开一次团队数据库，或运行 python main.py store roles --db postgresql://管理员@服务器/库名。"
    )


def check_agent_views(conn) -> None:
    """Refuse a 客服 session whose views are behind the tables (a migration added columns since)."""
    if not masked_views_current(conn):
        raise StoreError(_views_behind_message(AGENT))


# --- store roles / store add-user ----------------------------------------------------------------


def setup_roles(conn) -> RolesReport:
    """Create or update the groups, the store's schema, ownership, grants and the 客服 views (idempotent).

    ``conn`` is an administrator's connection (a superuser, e.g. ``postgres``) to the team database."""
    from cxdesk.store.pg.store import prepare_schema

    raw = conn.raw
    if not _one(conn, "SELECT rolsuper FROM pg_roles WHERE rolname = session_user"):
        raise CxdeskError(
            "设置角色需要数据库管理员账号（超级用户，例如安装时的 postgres）：请用 --db postgresql://postgres@服务器/库名 运行。"
        )
    version = int(_one(conn, "SELECT current_setting('server_version_num')::int"))
    if version < MIN_SERVER_VERSION:
        raise CxdeskError("团队数据库的角色和隐藏个人信息需要 PostgreSQL 15 或更新的版本，请升级数据库服务器。")
    database = str(_one(conn, "SELECT current_database()"))
    db = _ident(database)
    for group in (OWNER_GROUP, AGENT_GROUP):
        if not _one(conn, "SELECT to_regrole(%s) IS NOT NULL", (group,)):
            raw.execute(f"CREATE ROLE {group} NOLOGIN")
        raw.execute(f"COMMENT ON ROLE {group} IS 'cxdesk {LABELS[group]}'")
    raw.execute(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
    raw.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {OWNER_GROUP}, {AGENT_GROUP}")
    raw.execute(f"GRANT CREATE ON DATABASE {db} TO {OWNER_GROUP}")  # pg_trgm (a trusted extension)
    raw.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    raw.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {OWNER_GROUP}")
    raw.execute(f"GRANT USAGE ON SCHEMA public TO {AGENT_GROUP}")
    raw.execute(f"CREATE SCHEMA IF NOT EXISTS {MASKED_SCHEMA} AUTHORIZATION {OWNER_GROUP}")
    raw.execute(f"ALTER SCHEMA {MASKED_SCHEMA} OWNER TO {OWNER_GROUP}")
    raw.execute(f"GRANT USAGE ON SCHEMA {MASKED_SCHEMA} TO {AGENT_GROUP}")
    raw.execute(f"REVOKE CREATE ON SCHEMA {MASKED_SCHEMA} FROM {AGENT_GROUP}")
    _give_to_owner_group(conn)
    raw.execute(f"SET ROLE {OWNER_GROUP}")  # what the schema gets now belongs to the group
    try:
        prepare_schema(conn, database)
    finally:
        raw.execute("RESET ROLE")
    refresh_masked_views(conn, force=True)
    report = RolesReport(database, tables=len(_base_columns(conn)))
    report.masked_tables = sorted(set(NICK_COLUMNS) | set(TEXT_COLUMNS) | set(BUYER_SENDER))
    report.members = members(conn)
    return report


def members(conn) -> dict[str, list[str]]:
    """店主 and 客服 -> the logins in each group."""
    out: dict[str, list[str]] = {OWNER: [], AGENT: []}
    rows = conn.raw.execute(
        "SELECT g.rolname, u.rolname FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid "
        "JOIN pg_roles u ON u.oid = am.member WHERE g.rolname IN (%s, %s) ORDER BY 1, 2",
        (OWNER_GROUP, AGENT_GROUP),
    ).fetchall()
    for group, user in rows:
        out[LABELS[group]].append(user)
    return out


def check_login_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.match(name):
        raise CxdeskError(
            f"账号名“{name}”不可用：请用小写英文字母、数字和下划线（以字母开头，最多 63 个字符），例如 wangfang。"
        )
    if name in (OWNER_GROUP, AGENT_GROUP, "postgres", "public") or name.startswith("pg_"):
        raise CxdeskError(f"账号名“{name}”是保留的名字，请换一个。")
    return name


def add_user(conn, name: str, label: str, password: str) -> bool:
    """Create (or update) the login ``name`` with ``password``, member of 店主 or 客服 only; True when new.

    The password reaches the server already hashed (SCRAM), so it is in no statement or server log."""
    name, group = check_login_name(name), group_of(label)
    if not roles_set_up(conn):
        raise CxdeskError(
            "团队数据库还没有设置角色：请先运行 python main.py store roles --db postgresql://管理员@服务器/库名。"
        )
    if not password:
        raise CxdeskError("密码不能为空。")
    raw = conn.raw
    row = raw.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    if row is not None and row[0]:
        raise CxdeskError(f"“{name}”是数据库管理员账号，不能设为店主或客服。")
    algorithm = str(_one(conn, "SHOW password_encryption"))
    hashed = raw.pgconn.encrypt_password(password.encode("utf-8"), name.encode("utf-8"), algorithm.encode()).decode()
    new = row is None
    verb = "CREATE" if new else "ALTER"
    raw.execute(f"{verb} ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT PASSWORD '{hashed}'")
    other = AGENT_GROUP if group == OWNER_GROUP else OWNER_GROUP
    raw.execute(f"REVOKE {other} FROM {name}")
    raw.execute(f"GRANT {group} TO {name}")
    database = _ident(str(_one(conn, "SELECT current_database()")))
    raw.execute(f"ALTER ROLE {name} IN DATABASE {database} RESET ALL")
    if group == OWNER_GROUP:
        raw.execute(f"ALTER ROLE {name} IN DATABASE {database} SET role = '{OWNER_GROUP}'")
    else:
        raw.execute(f"ALTER ROLE {name} IN DATABASE {database} SET search_path = {MASKED_SCHEMA}, public")
    return new
