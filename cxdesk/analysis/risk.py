"""The risk stage: rule-pack flags on messages and reviews; session flags; risk scores.

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
from collections.abc import Callable

from cxdesk.analysis.risk_rules import RulePack, load_pack
from cxdesk.analysis.risk_words import calm, praises
from cxdesk.analysis.session_risk import (
    FlagInfo,
    ScoreConfig,
    default_config,
    repeat_contact,
    score_review,
    score_session,
    strong_emotion,
    topics_of,
)
from cxdesk.analysis.service_time import load_config, session_flags
from cxdesk.analysis.session_course import course_of
from cxdesk.analysis.turns import buyer_turns
from cxdesk.analysis.stage import StageResult
from cxdesk.ratings import RATINGS_VERSION
from cxdesk.store import open_reader
from cxdesk.store.repos import Repos
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


def scan_chunk(task: tuple) -> list[tuple]:
    """(db path, target type, ids[, flags' version]) → flag rows for every rule hit.

    A review that praises its product (its stars and stored sentiment: :func:`praises`) gets
    no flags from the pack's ``skip_in_praise`` rules; in one not read as negative (:func:`calm`)
    a doubt (不知道是不是正品) is no 质量/假货 flag.
    """
    db_path, target_type, ids, *rest = task
    if _pack is None:
        init_risk_worker()
    assert _pack is not None
    version = rest[0] if rest else _pack.version
    conn = open_reader(db_path)
    try:
        repo = Repos(conn).flags
        rows = repo.texts(target_type, ids)
        for shop_id in {r[3] for r in rows} - set(_protected):
            _protected[shop_id] = tuple(repo.protected_phrases(shop_id))
        praise = (
            {
                rid: (praises(rating, label, cls), calm(rating, label, cls))
                for rid, rating, label, _shift, cls in Repos(conn).risk_scores.review_inputs(ids)
            }
            if target_type == "review"
            else {}
        )
    finally:
        conn.close()
    out = []
    for tid, role, text, shop_id in rows:
        praised, calm_review = praise.get(tid, (False, False))
        for hit in _pack.match(text or "", role, _protected[shop_id], praise=praised, calm=calm_review):
            evidence = json.dumps([{"start": hit.start, "end": hit.end, "text": hit.text}], ensure_ascii=False)
            out.append((target_type, tid, hit.rule_id, hit.category, hit.level, evidence, version))
    return out


# --- abusive language by the COLD classifier, confirmed by an abusive word (cxdesk.analysis.abuse) ---

_judge = None


def init_abuse_worker() -> None:
    global _judge
    from cxdesk.analysis.abuse import AbuseJudge
    from cxdesk.analysis.offensive import OffensiveModel

    _judge = AbuseJudge(load_pack(), OffensiveModel.load())
    _protected.clear()


def abuse_chunk(task: tuple[str, list[int]]) -> list[tuple]:
    """(db path, message ids) → 辱骂 flags for messages with an abusive word the classifier confirms;
    the evidence is that word's span and the score."""
    from cxdesk.analysis.abuse import ABUSE_CATEGORY, ABUSE_LEVELS

    db_path, ids = task
    if _judge is None:
        init_abuse_worker()
    assert _judge is not None
    conn = open_reader(db_path)
    try:
        repo = Repos(conn).flags
        rows = repo.texts("message", ids)
        for shop_id in {r[3] for r in rows} - set(_protected):
            _protected[shop_id] = tuple(repo.protected_phrases(shop_id))
    finally:
        conn.close()
    found = _judge.judge([(text or "", role) for _, role, text, _ in rows], [_protected[r[3]] for r in rows])
    return [
        (
            "message",
            tid,
            f"abuse.model.{role}",
            ABUSE_CATEGORY,
            ABUSE_LEVELS[role],
            json.dumps(finding.evidence(), ensure_ascii=False),
            _judge.version,
        )
        for (tid, role, _text, _shop), finding in zip(rows, found)
        if finding is not None
    ]


def run_abuse_model_stage(ctx: JobContext, store, run_chunks, workers: int | None) -> StageResult:
    """Judge buyer and agent messages not yet judged by this classifier and rule pack; flag the abusive ones."""
    from cxdesk.analysis.abuse import AbuseJudge
    from cxdesk.analysis.offensive import OffensiveModel

    started = time.perf_counter()
    version = AbuseJudge(load_pack(), OffensiveModel.load()).version
    key = f"risk.abuse_scanned_to.{version}"
    after = int(store.meta.get(key, "0") or 0)
    ids = store.flags.ids_after("message", after)
    if ids:
        tasks = [(str(store.path), list(part)) for part in chunked(ids, CHUNK_SIZE)]

        def store_rows(rows: list) -> None:
            with store.transaction():
                store.flags.upsert(rows)
            ctx.progress(0, 0, "辱骂识别（聊天消息）")

        run_chunks(
            ctx, abuse_chunk, tasks, store_rows, total_texts=len(ids), initializer=init_abuse_worker, workers=workers
        )
        with store.transaction():
            if after == 0:  # a new classifier: drop the old one's untriaged flags it no longer raises
                store.flags.prune_untouched("message", version, rule_prefix="abuse.model.")
            store.meta.set(key, str(ids[-1]))
    return StageResult("risk.abuse_model", version, len(ids), time.perf_counter() - started)


def _service_version() -> str:
    import hashlib

    from cxdesk.paths import resource_path

    return "service-" + hashlib.sha256(resource_path("rules", "service_time.json").read_bytes()).hexdigest()[:10]


def _sessions_version(pack_version: str, config: ScoreConfig) -> str:
    """What session flags and scores depend on: timing rules, score rules, rule pack, chat sentiment."""
    from cxdesk.analysis.chat_tone import default_tone
    from cxdesk.analysis.sentiment import SentimentModel

    return (
        f"{_service_version()}|{config.version}|{pack_version}|{SentimentModel.load().version}|{default_tone().version}"
    )


def _flag_infos(flags: list[tuple]) -> list[FlagInfo]:
    """(rule id, category, level, status, evidence JSON) rows → flags with the words that triggered
    them: the evidence span's text (a rule hit stores exactly the matched words), a 服务时效
    flag's wait, or the topics a 重复咨询 shares with the earlier session."""
    out = []
    for rule_id, category, level, status, evidence in flags:
        text, wait = "", None
        try:
            ev = json.loads(evidence) if evidence else None
            if isinstance(ev, list) and ev and isinstance(ev[0], dict):
                text = str(ev[0].get("text", ""))
            elif isinstance(ev, dict) and isinstance(ev.get("wait_s"), (int, float)):
                wait = float(ev["wait_s"])
            elif isinstance(ev, dict) and isinstance(ev.get("topics"), list):  # 重复咨询: the shared topics
                text = "、".join(str(t) for t in ev["topics"])
        except ValueError:
            pass
        out.append(FlagInfo(category, level, status, text, rule_id or "", wait))
    return out


def _topic_only(config: ScoreConfig) -> Callable[[str, float], bool]:
    """A buyer line negative only for naming a topic (「我要退款」): no tone in the score's course."""
    from cxdesk.analysis.chat_tone import default_tone

    tone, below = default_tone(), float(config.session["tone"]["negative_below"])
    return lambda text, score: score < below and tone.topic_only(text)


def scan_sessions(ctx: JobContext, store, pack_version: str) -> int:
    """Session flags (服务时效, 激烈情绪, 重复咨询) and risk scores of every session that gained
    messages since the last scan, or of every session when the rules or the sentiment changed."""
    config = default_config()
    version = _sessions_version(pack_version, config)
    key = f"risk.sessions_scanned_to.{version}"
    after = int(store.meta.get(key, "0") or 0)
    top = store.flags.max_message_id()
    sessions = store.flags.sessions_touched_after(after)
    timing = load_config()
    repo = store.risk_scores
    emotion_level = str(config.session["strong_emotion"].get("level", "中"))
    hours = config.repeat_window.total_seconds() / 3600
    topic = _topic_only(config)
    for n_done, part in enumerate(chunked(sessions, 5000)):
        ctx.check()
        part = list(part)
        by_session: dict[int, list] = {}
        platform: dict[int, str] = {}
        buyer: dict[int, list[tuple[int, float]]] = {}
        spoken: dict[int, list[tuple]] = {}  # (role, content, score): the course the score reads
        for sid, plat, seq, role, sender, sent_at, content, score in repo.session_rows(part):
            by_session.setdefault(sid, []).append((seq, role, sender, sent_at, content))
            spoken.setdefault(sid, []).append((role, content, score))
            platform[sid] = plat
            if role == "buyer" and score is not None:
                buyer.setdefault(sid, []).append((seq, score))
        info = repo.sessions(part)
        earlier: dict[int, list[tuple[int, str | None]]] = {}
        for sid, eid, ended in repo.earlier_sessions(part, hours):
            earlier.setdefault(sid, []).append((eid, ended))
        texts = repo.buyer_texts(sorted({e for lst in earlier.values() for e, _ in lst}))
        with store.transaction():
            families: list[tuple] = []  # this chunk's service., emotion. and repeat. flags, written at once
            for sid, msgs in by_session.items():
                flags = [
                    (
                        "session",
                        sid,
                        f.rule_id,
                        f.category,
                        f.level,
                        json.dumps(f.evidence, ensure_ascii=False),
                        version,
                    )
                    for f in session_flags(buyer_turns(msgs), platform[sid], timing)
                ]
                families += flags
                strong = strong_emotion(buyer.get(sid, []), config)
                emotion = (
                    [
                        (
                            "session",
                            sid,
                            "emotion.sentiment",
                            "激烈情绪",
                            emotion_level,
                            json.dumps({"seqs": strong}, ensure_ascii=False),
                            version,
                        )
                    ]
                    if strong
                    else []
                )
                families += emotion
                started_at = info.get(sid, (None, None, 0))[0]
                mine = topics_of((m[4] for m in msgs if m[1] == "buyer"), config)
                found = repeat_contact(
                    started_at,
                    mine,
                    [(e, ended, topics_of(texts.get(e, []), config)) for e, ended in earlier.get(sid, [])],
                    config,
                )
                repeat = (
                    [
                        (
                            "session",
                            sid,
                            "repeat.same_issue",
                            "重复咨询",
                            config.repeat_level,
                            json.dumps(found, ensure_ascii=False),
                            version,
                        )
                    ]
                    if found
                    else []
                )
                families += repeat
            store.flags.replace_sessions_flags(list(by_session), ("service.", "emotion.", "repeat."), families)
            flags_by_session = repo.session_flags(part)
            repo.upsert(
                ("session", sid, sc.score, sc.level, sc.reasons, version)
                for sid in by_session
                for sc in [
                    score_session(_flag_infos(flags_by_session.get(sid, [])), course_of(spoken[sid], topic), config)
                ]
            )
        ctx.progress((n_done + 1) * 5000, len(sessions), "会话风险")
    with store.transaction():
        store.meta.set(key, str(top))
    return len(sessions)


def score_reviews(ctx: JobContext, store, pack_version: str) -> int:
    """Risk scores of reviews that have none, or one from other rules."""
    config = default_config()
    version = f"{config.version}|{pack_version}"
    repo = store.risk_scores
    ids = repo.review_ids_to_score(version)
    for part in chunked(ids, 20_000):
        ctx.check()
        part = list(part)
        flags = repo.review_flags(part)
        with store.transaction():
            repo.upsert(
                ("review", rid, sc.score, sc.level, sc.reasons, version)
                for rid, rating, label, shift, cls in repo.review_inputs(part)
                for sc in [score_review(_flag_infos(flags.get(rid, [])), rating, label, bool(shift), config, cls)]
            )
    return len(ids)


def rescore_flagged(store, flag_ids: list[int]) -> None:
    """Recompute the scores of the sessions and reviews these flags belong to (after triage)."""
    if not flag_ids:
        return
    rows = store.risk_scores.targets_of_flags([int(i) for i in flag_ids])
    for target_type in ("session", "review"):
        ids = [tid for kind, tid in rows if kind == target_type and tid is not None]
        for part in chunked(ids, 5000):
            rescore(store, target_type, list(part))


def rescore(store, target_type: str, target_ids: list[int]) -> None:
    """Recompute the scores of these sessions or reviews now (after a person triaged their flags).

    The stored version stays: this is the same analysis with new triage, not a new one.
    """
    config = default_config()
    repo = store.risk_scores
    versions = repo.versions(target_type, target_ids)
    if target_type == "review":
        flags = repo.review_flags(target_ids)
        rows = [
            ("review", rid, sc.score, sc.level, sc.reasons, versions.get(rid, ""))
            for rid, rating, label, shift, cls in repo.review_inputs(target_ids)
            for sc in [score_review(_flag_infos(flags.get(rid, [])), rating, label, bool(shift), config, cls)]
        ]
    else:
        flags = repo.session_flags(target_ids)
        topic = _topic_only(config)
        spoken: dict[int, list[tuple]] = {}
        for sid, _p, _seq, role, _s, _t, content, score in repo.session_rows(target_ids):
            spoken.setdefault(sid, []).append((role, content, score))
        rows = [
            ("session", sid, sc.score, sc.level, sc.reasons, versions.get(sid, ""))
            for sid in target_ids
            for sc in [score_session(_flag_infos(flags.get(sid, [])), course_of(spoken.get(sid, []), topic), config)]
        ]
    with store.transaction():
        repo.upsert(rows)


def _review_sentiment_version(store) -> str:
    """A digest of the sentiment models the stored review labels come from."""
    import hashlib

    models = store.results.sentiment_models("review")
    return "sent-" + hashlib.sha256("\n".join(models).encode()).hexdigest()[:10]


def run_risk_stage(ctx: JobContext, store, run_chunks, workers: int | None) -> StageResult:
    """Scan what is new for the current rule pack; ``run_chunks`` is the engine's chunk runner."""
    started = time.perf_counter()
    pack = load_pack()  # also validates the pack (and user rules) before any work starts
    scanned = 0
    for target_type in ("message", "review"):
        # Review flags also depend on the reviews' sentiment (praise skips weak triggers): a new
        # sentiment model (a shop calibrated) is a new version and rescans the reviews.
        # RATINGS_VERSION: how ratings in words (评价等级) count as praise (cxdesk.ratings).
        version = (
            pack.version
            if target_type == "message"
            else f"{pack.version}|{_review_sentiment_version(store)}|{RATINGS_VERSION}"
        )
        key = f"risk.scanned_to.{target_type}.{version}"
        after = int(store.meta.get(key, "0") or 0)
        ids = store.flags.ids_after(target_type, after)
        if not ids:
            continue
        tasks = [(str(store.path), target_type, list(part), version) for part in chunked(ids, CHUNK_SIZE)]

        def store_rows(rows: list, label: str = TARGET_LABELS[target_type]) -> None:
            with store.transaction():
                store.flags.upsert(rows)
            ctx.progress(0, 0, f"风险规则（{label}）")

        run_chunks(
            ctx, scan_chunk, tasks, store_rows, total_texts=len(ids), initializer=init_risk_worker, workers=workers
        )
        with store.transaction():
            if after == 0:
                store.flags.prune_untouched(target_type, version)
                if target_type == "message":  # the prune also dropped the classifier's untriaged flags
                    store.meta.delete_prefix("risk.abuse_scanned_to.")
            store.meta.set(key, str(ids[-1]))
        scanned += len(ids)
    return StageResult(
        "risk.rules",
        pack.version,
        scanned,
        time.perf_counter() - started,
        warnings=tuple(p.describe() for p in pack.problems),
    )


def run_service_time_stage(ctx: JobContext, store) -> StageResult:
    """Session flags and scores, then review scores (the engine's last stage)."""
    started = time.perf_counter()
    pack = load_pack()
    n = scan_sessions(ctx, store, pack.version)
    score_reviews(ctx, store, pack.version)
    return StageResult(
        "risk.sessions",
        _sessions_version(pack.version, default_config()),
        n,
        time.perf_counter() - started,
        unit="个会话",
    )
