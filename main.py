"""cxdesk launcher: the CLI when given a subcommand, else the desktop app."""

from __future__ import annotations

import multiprocessing
import sys


def _main() -> int:
    # Must run first: in a frozen build, spawned worker processes re-enter here.
    multiprocessing.freeze_support()
    from cxdesk.cli import prepare_streams

    prepare_streams()  # the windowed exe has no stdout/stderr; redirected output must take Chinese
    from cxdesk.caches import configure_caches

    configure_caches()  # before matplotlib or jieba load: their caches live in the app's cache folder
    from cxdesk.logs import install_excepthook

    install_excepthook()
    from cxdesk.cli import build_parser, main as cli_main

    args = build_parser().parse_args(sys.argv[1:])
    if args.command:
        return cli_main(sys.argv[1:])
    from ui.app import run

    return run(db_path=args.db)


if __name__ == "__main__":
    sys.exit(_main())
