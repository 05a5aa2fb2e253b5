"""The risk stage: rule-pack flags on messages and reviews, 服务时效 flags on sessions.

Texts are scanned once per rule-pack version: the stage remembers the
highest id it scanned per target and version (ids are AUTOINCREMENT, never
reused), so a run with nothing new reads two integers. A changed pack (an
edited or added rule) rescans everything; flags the new pack no longer
raises are dropped only if nobody triaged them.

Workers load the pack once and read their chunk of texts through a
read-only connection, like the sentiment stage; the job thread writes.
"""
from __future__ import annotations

import json
import time

from cxdesk.analysis.risk_rules import RulePack, load_pack
from cxdesk.analysis.service_time import load_config, session_flags
from cxdesk.analysis.turns import buyer_turns
from cxdesk.analysis.stage import StageResult
from cxdesk.store import open_reader
from cxdesk.store.flags import FlagsRepo
from cxdesk.tasks import JobContext, chunked

CHUNK_SIZE = 50_000
TARGET_LABELS = {"message": "聊天消息", "review": "评价"}

_pack: RulePack | None = None
_protected: dict[int, tuple[str, ...]] = {}


def init_risk_worker() -> None:
    """Pool initializer: compile the rule pack once per process."""
    global _pack
    _pack = load_pack()
    _protected.clear()


def scan_chunk(task: tuple[str, str, list[int]]) -> list[tuple]:
    """(db path, target type, ids) → flag rows for every rule hit."""
    db_path, target_type, ids = task
    if _pack is None:
        init_risk_worker()
    assert _pack is not None
    conn = open_reader(db_path)
    try:
        repo = FlagsRepo(conn)
        rows = repo.texts(target_type, ids)
        for shop_id in {r[3] for r in rows} - set(_protected):
            _protected[shop_id] = tuple(repo.protected_phrases(shop_id))
    finally:
        conn.close()
    out = []
    for tid, role, text, shop_id in rows:
        for hit in _pack.match(text or "", role, _protected[shop_id]):
            evidence = json.dumps([{"start": hit.start, "end": hit.end, "text": hit.text}], ensure_ascii=False)
            out.append((target_type, tid, hit.rule_id, hit.category, hit.level, evidence, _pack.version))
    return out


def _service_version() -> str:
    import hashlib

    from cxdesk.paths import resource_path

    return "service-" + hashlib.sha256(resource_path("rules", "service_time.json").read_bytes()).hexdigest()[:10]


def scan_session_timing(ctx: JobContext, store) -> int:
    """服务时效 flags for every session that gained messages since the last scan."""
    version = _service_version()
    key = f"risk.sessions_scanned_to.{version}"
    after = int(store.meta.get(key, "0") or 0)
    top = store.flags.max_message_id()
    sessions = store.flags.sessions_touched_after(after)
    config = load_config()
    for part in chunked(sessions, 5000):
        ctx.check()
        by_session: dict[int, list] = {}
        platform: dict[int, str] = {}
        for sid, plat, seq, role, sender, sent_at, content in store.flags.session_messages(list(part)):
            by_session.setdefault(sid, []).append((seq, role, sender, sent_at, content))
            platform[sid] = plat
        with store.transaction():
            for sid, msgs in by_session.items():
                flags = session_flags(buyer_turns(msgs), platform[sid], config)
                store.flags.replace_session_flags(sid, "service.", [
                    ("session", sid, f.rule_id, f.category, f.level, json.dumps(f.evidence, ensure_ascii=False),
                     version) for f in flags])
        ctx.progress(0, 0, "服务时效")
    with store.transaction():
        store.meta.set(key, str(top))
    return len(sessions)


def run_risk_stage(ctx: JobContext, store, run_chunks, workers: int | None) -> StageResult:
    """Scan what is new for the current rule pack; ``run_chunks`` is the engine's chunk runner."""
    started = time.perf_counter()
    pack = load_pack()  # also validates the pack (and user rules) before any work starts
    scanned = 0
    for target_type in ("message", "review"):
        key = f"risk.scanned_to.{target_type}.{pack.version}"
        after = int(store.meta.get(key, "0") or 0)
        ids = store.flags.ids_after(target_type, after)
        if not ids:
            continue
        tasks = [(str(store.path), target_type, list(part)) for part in chunked(ids, CHUNK_SIZE)]

        def store_rows(rows: list, label: str = TARGET_LABELS[target_type]) -> None:
            with store.transaction():
                store.flags.upsert(rows)
            ctx.progress(0, 0, f"风险规则（{label}）")

        run_chunks(ctx, scan_chunk, tasks, store_rows, total_texts=len(ids),
                   initializer=init_risk_worker, workers=workers)
        with store.transaction():
            if after == 0:
                store.flags.prune_untouched(target_type, pack.version)
            store.meta.set(key, str(ids[-1]))
        scanned += len(ids)
    return StageResult("risk.rules", pack.version, scanned, time.perf_counter() - started)


def run_service_time_stage(ctx: JobContext, store) -> StageResult:
    started = time.perf_counter()
    n = scan_session_timing(ctx, store)
    return StageResult("risk.service_time", _service_version(), n, time.perf_counter() - started, unit="个会话")
