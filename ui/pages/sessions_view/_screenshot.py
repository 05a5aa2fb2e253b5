"""Render the 会话 documentation screenshot, offscreen.

``python -m ui.pages.sessions_view._screenshot [--db FILE] [--out PNG]`` shows
the main window at 1366×728 (a 1366×768 laptop screen minus the taskbar) on
the 会话 page, opened the way the 风险 page opens it: on a demo conversation
with a reply over the platform's time limit and a flagged buyer message,
scrolled to that message. Without ``--db`` the demo shop is built and
analysed in a temporary folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SIZE = (1366, 728)


def _settle(app: object, rounds: int = 20) -> None:
    import time

    for _ in range(rounds):
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)


def pick_session(page: object) -> tuple[int, int] | None:
    """(session, flagged message) of a short session with a slow reply and a flagged buyer message."""
    from cxdesk.store.risk_queue import FlagFilter

    repo = page.risk_repo  # type: ignore[attr-defined]
    best: tuple[tuple[int, int, int], tuple[int, int]] | None = None
    for flag in repo.page(FlagFilter(statuses=(), categories=("服务时效",)), 0, 2000):
        if flag.rule_id not in ("service.over_limit", "service.slow_reply") or flag.session_id is None:
            continue
        conv = repo.conversation(flag.session_id)
        if conv is None or not 8 <= len(conv.messages) <= 14:
            continue
        hits = [f for f in conv.flags if f.target_type == "message" and f.role == "buyer" and f.seq is not None]
        if not hits or not isinstance(flag.evidence, dict):
            continue
        # The flagged message nearest the slow reply: both fit in one screen.
        hit = min(hits, key=lambda f: abs(f.seq - int(flag.evidence.get("seq", 0))))
        near = abs(hit.seq - int(flag.evidence.get("seq", 0))) <= 3
        key = (int(near), int(flag.rule_id == "service.over_limit"), len({f.category for f in conv.flags}))
        if best is None or key > best[0]:
            best = (key, (flag.session_id, hit.target_id))
    return best[1] if best else None


def render(db_path: Path, out: Path) -> Path:
    from ui.screenshot import page_window, save_window

    with page_window(db_path, "sessions", SIZE) as (app, window, page):
        _settle(app, 40)
        target = pick_session(page)
        if target is None:
            raise SystemExit("数据库里没有同时有慢回复和风险命中的会话，无法截图。")
        window.open_session(*target)
        _settle(app, 40)
        return save_window(window, out)


def main(argv: Sequence[str] | None = None) -> int:
    from ui.screenshot import page_shot_main

    return page_shot_main(
        argv,
        description="渲染「会话」页截图（离屏）",
        default_out=ROOT / "docs" / "screenshots" / "sessions.png",
        prefix="cxdesk-sessions-shot-",
        render=lambda db, out, args: render(db, out),
    )


if __name__ == "__main__":
    raise SystemExit(main())
