"""The team store: the same store on a PostgreSQL server of the shop's LAN (issue 20).

``open_store("postgresql://user@host/dbname")`` returns a :class:`PgStore`: the same
:class:`~cxdesk.store.Store` — repositories, operations, exports — over a
:class:`~cxdesk.store.pg.connection.PgConnection`, whose statements the dialect
(:mod:`cxdesk.store.pg.dialect`) rewrites from the store's one SQL form. The schema comes from the
same migrations (:mod:`cxdesk.store.pg.schema`). Passwords are not part of the address the app keeps:
:func:`connect` takes one from the OS keyring (:mod:`cxdesk.store.pg.credentials`), else libpq reads
``PGPASSWORD`` or PostgreSQL's password file (``.pgpass`` / ``pgpass.conf``) by itself. A refused
connection is a :class:`TeamDbConnectError` saying in Chinese what was refused (the password, the
user, the database, this computer) instead of libpq's English. :func:`check_team_db` is the GUI's
「测试连接」: server version and what the database holds, without opening a store.

``psycopg`` (3) is imported only when a PostgreSQL address is opened, so the desktop app with its
SQLite file never loads it.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from cxdesk.errors import StoreError

_URL = re.compile(r"^postgres(?:ql)?://", re.I)


def is_postgres_url(target: object) -> bool:
    """True when ``target`` (a ``--db`` value) names a PostgreSQL database rather than a file."""
    return isinstance(target, str) and bool(_URL.match(target.strip()))


def display_url(url: str) -> str:
    """``url`` without its password, to show and to log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


CONNECT_TIMEOUT = 10  # seconds libpq waits for a server (per address) before giving up


class TeamDbConnectError(StoreError):
    """The team database refused the connection or could not be reached; ``kind`` says which.

    ``kind``: ``"password"`` (wrong password), ``"no_password"`` (none given or kept), ``"no_role"``,
    ``"no_database"``, ``"not_allowed"`` (pg_hba.conf has no line for this computer), ``"no_login"``,
    ``"no_connect"`` (no CONNECT privilege), ``"unreachable"`` (no server answered), ``"other"``.
    """

    def __init__(self, message: str, kind: str = "other") -> None:
        super().__init__(message)
        self.kind = kind


# The server's refusals, in English and as a Chinese-language server (lc_messages zh_CN) sends them.
_REFUSALS = (
    ("password", re.compile(r'password authentication failed for user|用户 "[^"]*" Password 认证失败')),
    ("no_password", re.compile(r"no password supplied")),
    ("no_role", re.compile(r'role "[^"]*" does not exist|角色 "[^"]*" 不存在')),
    ("no_database", re.compile(r'database "[^"]*" does not exist|数据库 "[^"]*" 不存在')),
    ("not_allowed", re.compile(r"no pg_hba\.conf entry|pg_hba\.conf rejects|pg_hba\.conf 记录")),
    ("no_login", re.compile(r'is not permitted to log in|不允许角色"[^"]*" 进行登录')),
    ("no_connect", re.compile(r"permission denied for database|CONNECT privilege|CONNECT权限")),
    (
        "unreachable",
        re.compile(
            r"Connection refused|timeout expired|超时满|failed to resolve host|could not translate host name"
            r"|Network is unreachable|No route to host|could not connect to server|server closed the connection"
            r"|invalid response to SSL negotiation",
            re.I,
        ),
    ),
)


def refusal_kind(text: str) -> str:
    """Which refusal libpq's message ``text`` reports (see :class:`TeamDbConnectError`)."""
    for kind, pattern in _REFUSALS:
        if pattern.search(text):
            return kind
    return "other"


def _server_reason(text: str) -> str:
    """libpq's message without its "connection failed: connection to server at … failed:" prefix."""
    first = text.strip()
    for marker in ("FATAL:", "致命错误:", "failed:"):
        if marker in first:
            first = first.rsplit(marker, 1)[1]
            break
    return " ".join(first.split())


def _unreachable_reason(text: str) -> str:
    if re.search(r"Connection refused", text, re.I):
        return "那台电脑的这个端口上没有 PostgreSQL 在接受连接（Connection refused）"
    if re.search(r"timeout expired|超时满", text):
        return "服务器在规定时间内没有回应（timeout expired）"
    if re.search(r"failed to resolve host|could not translate host name", text):
        return "找不到这个主机名（请改用服务器的 IP 地址试试）"
    return _server_reason(text)


def connect_error(url: str, exc: BaseException, *, password_kept: str | None = None) -> TeamDbConnectError:
    """The Chinese message for a connection to ``url`` that failed with ``exc`` (libpq's text).

    ``password_kept``: where the password that was tried came from (``"keyring"``, ``"dialog"``), so the
    message can say which one to correct.
    """
    from cxdesk.store.pg.credentials import Login, keyring_name, pgpass_path

    text = str(exc)
    kind = refusal_kind(text)
    login = Login.from_url(url)
    where = f"“{login.host}:{login.port}”"
    if kind == "password":
        if password_kept == "keyring":
            source = f"（这台电脑的{keyring_name()}里保存的密码）"
        elif "password retrieved from file" in text or "从文件" in text:
            source = f"（PostgreSQL 密码文件“{pgpass_path()}”里的密码）"
        else:
            source = ""
        message = (
            f"团队数据库 {where} 拒绝了用户 {login.user} 的密码{source}。"
            "请在「设置 → 连接团队数据库…」重新输入正确的密码；忘记密码请找店主在数据库服务器上重设。"
        )
    elif kind == "no_password":
        message = (
            f"团队数据库 {where} 要求用户 {login.user} 提供密码，但这台电脑上没有保存它的密码。"
            "请在「设置 → 连接团队数据库…」输入密码并勾选「记住密码」。"
        )
    elif kind == "no_role":
        message = f"团队数据库服务器 {where} 上没有用户 {login.user}。请检查用户名，或请店主先为您建好账户。"
    elif kind == "no_database":
        message = f"团队数据库服务器 {where} 上没有名为 {login.dbname} 的数据库。请检查数据库名。"
    elif kind == "not_allowed":
        message = (
            f"团队数据库服务器 {where} 不允许这台电脑以用户 {login.user} 连接数据库 {login.dbname}"
            "（服务器的 pg_hba.conf 里没有允许它的记录）。请店主在服务器上允许本店局域网的电脑连接。"
            f"\n服务器的原话：{_server_reason(text)}"
        )
    elif kind == "no_login":
        message = f"团队数据库不允许用户 {login.user} 登录（该账户被停用）。请找店主处理。"
    elif kind == "no_connect":
        message = f"用户 {login.user} 没有连接数据库 {login.dbname} 的权限。请找店主授权。"
    elif kind == "unreachable":
        message = (
            f"连接不上团队数据库服务器 {where}：{_unreachable_reason(text)}。"
            "请检查服务器电脑是否开着、PostgreSQL 是否在运行、主机地址和端口是否正确，以及防火墙是否放行该端口。"
        )
    else:
        message = (
            f"无法连接团队数据库“{display_url(url)}”：{_server_reason(text) or type(exc).__name__}。"
            "请检查服务器地址、端口、数据库名、用户名和密码，以及服务器是否允许这台电脑连接。"
        )
    return TeamDbConnectError(message, kind)


def _has_password(url: str) -> bool:
    try:
        return urlsplit(url).password is not None
    except ValueError:
        return False


def connect(url: str, *, read_only: bool = False, password: str | None = None, connect_timeout: int = CONNECT_TIMEOUT):
    """A :class:`PgConnection` to ``url`` (errors as the store's Chinese messages).

    The password: ``password`` when given (the dialog's, not yet kept), else one in ``url`` or
    ``PGPASSWORD``, else the one kept in the OS keyring for this login; with none of those libpq looks
    in PostgreSQL's password file itself.
    """
    try:
        from cxdesk.store.pg.connection import PgConnection
        from cxdesk.store.pg.schema import primary_key
    except ImportError as exc:  # psycopg missing
        raise StoreError(
            "打开团队数据库需要 psycopg 3（PostgreSQL 驱动）。请先运行：pip install \"psycopg[binary]\""
        ) from exc
    kwargs: dict[str, object] = {}
    source = "dialog" if password is not None else None
    if password is None and not _has_password(url) and not os.environ.get("PGPASSWORD"):
        from cxdesk.store.pg.credentials import Login, load_password

        password = load_password(Login.from_url(url))
        source = "keyring" if password is not None else None
    if password is not None:
        kwargs["password"] = password
    try:
        conn = PgConnection.connect(
            url, primary_key, connect_timeout=max(2, int(connect_timeout)), application_name="cxdesk", **kwargs
        )
    except sqlite3.Error as exc:
        raise connect_error(url, exc, password_kept=source) from exc
    if read_only:
        conn.execute("PRAGMA query_only = ON")
    return conn


@dataclass(frozen=True)
class TeamDbCheck:
    """What 「测试连接」 found on the server (:func:`check_team_db`)."""

    server_version: str  # "15.18"
    state: str  # "empty", "store", "foreign"
    schema_version: int = 0
    messages: int | None = None  # None: could not be counted (no privilege)
    reviews: int | None = None
    can_create: bool = True  # may create the cxdesk tables in an empty database
    # Whether the database's character type counts Chinese characters as letters: pg_trgm indexes only
    # letters, so without it search reads every text (right answers, slowly). docs/team_database.md.
    cjk_letters: bool = True

    def describe(self) -> str:
        """One or two Chinese sentences for the dialog."""
        from cxdesk.store.migrations import CURRENT_VERSION

        head = f"连接成功：PostgreSQL {self.server_version}。"
        if self.state == "foreign":
            return head + "但这个数据库里已有别的表，不是 cxdesk 的团队数据库；请新建一个空数据库给 cxdesk 使用。"
        if self.state == "empty":
            if not self.can_create:
                return head + "这是一个空数据库，但这个用户没有在其中建表的权限；请店主先用数据库所有者连接一次。"
            return head + "这是一个空数据库：连接后将在其中建立 cxdesk 的表。" + self.ctype_note()
        if self.messages is None:
            counted = "（这个用户无权统计条数）"
        else:
            counted = f"，已有聊天消息 {self.messages:,} 条、评价 {self.reviews or 0:,} 条"
        text = head + f"这是 cxdesk 团队数据库（结构版本 {self.schema_version}）{counted}。"
        if self.schema_version < CURRENT_VERSION:
            text += f"连接后将升级到结构版本 {CURRENT_VERSION}。"
        elif self.schema_version > CURRENT_VERSION:
            text += "它由更新版本的 cxdesk 创建，请先升级本程序。"
        return text + self.ctype_note()

    def ctype_note(self) -> str:
        if self.cjk_letters:
            return ""
        return (
            "\n注意：这个数据库的字符类型（LC_CTYPE）不把汉字当作文字，搜索能用但会很慢。"
            "建议按 docs/team_database.md 用 UTF-8 的字符类型新建数据库，再用「store copy」把数据搬过去。"
        )


def check_team_db(url: str, password: str | None = None, connect_timeout: int = 5) -> TeamDbCheck:
    """Connect to ``url`` read-only and say what is there (raises :class:`TeamDbConnectError`)."""
    from cxdesk.store.pg import schema

    conn = connect(url, read_only=True, password=password, connect_timeout=connect_timeout)
    try:
        version = conn.raw.info.server_version  # e.g. 150018
        major, minor = divmod(int(version), 10000)
        server = f"{major}.{minor}" if major >= 10 else f"{major}.{minor // 100}.{minor % 100}"
        if schema.is_foreign(conn):
            return TeamDbCheck(server, "foreign")
        letters = bool(conn.raw.execute("SELECT '退' ~ '^[[:alpha:]]$'").fetchone()[0])  # the ctype's view of 汉字
        found = schema.schema_version(conn)
        if found == 0:
            can = conn.raw.execute("SELECT has_schema_privilege(current_schema(), 'CREATE')").fetchone()[0]
            return TeamDbCheck(server, "empty", can_create=bool(can), cjk_letters=letters)
        try:
            messages = conn.execute("SELECT COUNT(*) FROM chat_messages").fetchone()[0]
            reviews = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        except sqlite3.Error:  # a role without SELECT on them (issue 20.4's roles)
            messages = reviews = None
        return TeamDbCheck(server, "store", found, messages, reviews, cjk_letters=letters)
    finally:
        conn.close()
