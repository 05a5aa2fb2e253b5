"""Command-line entry point: ``python main.py <subcommand> ...``.

Each subcommand lives in its own ``cmd_*.py`` module exposing
``add_parser(subparsers)`` (which sets ``func``) and calls the same
operations (:mod:`cxdesk.ops`) the GUI calls, through :func:`run_cli_op`. Subcommand names, options and output columns are a
contract other tools rely on: extend them, never rename them.

A subcommand that only reads declares ``set_defaults(store_mode="auto")``:
every store it opens is then opened read-only when the file or folder cannot
be written (with a note on stderr) instead of being refused. A damaged
database, a full disk, a read-only or locked file end in a Chinese message
and exit code 1 (:func:`cxdesk.store.failures.user_error`), never a traceback.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import Any

from cxdesk import __version__
from cxdesk.cli import (
    cmd_analyze,
    cmd_backup,
    cmd_buyer,
    cmd_cluster,
    cmd_demo,
    cmd_export,
    cmd_import,
    cmd_lexicon,
    cmd_report,
    cmd_search,
    cmd_stats,
    cmd_store,
)
from cxdesk.errors import Cancelled, CxdeskError

_COMMAND_MODULES = [
    cmd_import,
    cmd_analyze,
    cmd_export,
    cmd_cluster,
    cmd_report,
    cmd_demo,
    cmd_stats,
    cmd_search,
    cmd_backup,
    cmd_lexicon,
    cmd_buyer,
    cmd_store,
]
log = logging.getLogger("cxdesk")
DB_HELP = "数据库文件（默认：用户数据目录下的 cxdesk.sqlite3），或团队数据库地址 postgresql://用户@主机/库名"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cxdesk",
        description="cxdesk：离线的电商评价与客服会话分析工具。不带子命令运行时打开图形界面。",
    )
    parser.add_argument("--version", action="version", version=f"cxdesk {__version__}")
    parser.add_argument("--db", metavar="PATH", help=DB_HELP)
    sub = parser.add_subparsers(dest="command", metavar="<子命令>")
    for mod in _COMMAND_MODULES:
        mod.add_parser(sub)
    return parser


def add_db_option(p: argparse.ArgumentParser) -> None:
    """Every subcommand accepts ``--db PATH`` after its name as well."""
    p.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=DB_HELP)


def run_cli_op(op: Callable[..., Any], store: Any, *args: Any, quiet: bool = False, **kwargs: Any) -> Any:
    """Run an operation (:func:`cxdesk.ops.run_op`) in the foreground with the text progress line
    on stderr (none with ``quiet``); returns its :class:`cxdesk.ops.OpChanges`."""
    from cxdesk.ops import run_op
    from cxdesk.tasks import run_cli_job

    return run_cli_job(lambda ctx: run_op(op, store, *args, ctx=ctx, **kwargs), quiet=quiet)


def prepare_streams() -> None:
    """Make printing safe wherever the program runs; call it before any output.

    The windowed Windows program has no console: ``sys.stdout`` and
    ``sys.stderr`` are ``None`` there, so they become sinks (the log file
    keeps what matters). Output redirected to a file, or a console whose
    locale cannot encode Chinese or emoji, is written as UTF-8 (no BOM) with
    unencodable characters replaced, so printing never ends a command.
    """
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the process
            continue
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        encoding = (getattr(stream, "encoding", "") or "").lower().replace("_", "-")
        try:
            if encoding not in ("utf-8", "utf8"):
                reconfigure(encoding="utf-8", errors="replace")
            elif getattr(stream, "errors", "strict") == "strict":
                reconfigure(errors="replace")
        except (ValueError, OSError, io.UnsupportedOperation):
            pass  # a stream that cannot change keeps its settings


def main(argv: Sequence[str] | None = None) -> int:
    prepare_streams()
    from cxdesk.caches import configure_caches

    configure_caches()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return _run(args)
    except Cancelled:
        print("已取消。", file=sys.stderr)
        return 130
    except CxdeskError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of the output went away (``| head``): not an error of ours. Python would also
        # complain when flushing stdout at exit, so point it at nothing first.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # no stdout to point anywhere
            pass
        return 0
    except (sqlite3.DatabaseError, OSError) as exc:
        return _report_store_failure(exc, args)


def _run(args: argparse.Namespace) -> int:
    from cxdesk.store import store_mode

    with store_mode(getattr(args, "store_mode", "rw"), on_note=lambda text: print(text, file=sys.stderr)):
        return int(args.func(args) or 0)


def _report_store_failure(exc: BaseException, args: argparse.Namespace) -> int:
    """A database or disk failure as a message (exit 1); anything else stays a bug with its traceback."""
    from cxdesk.store.failures import user_error

    found = user_error(exc, path=getattr(args, "db", None))
    if found is None:
        raise exc
    log.info("命令 %s 因数据库或磁盘问题未完成：%s", getattr(args, "command", ""), exc, exc_info=exc)
    print(f"错误：{found}", file=sys.stderr)
    return 1
