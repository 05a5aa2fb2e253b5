"""The triage and session-review operations on a small analysed store: what they write and what they report."""

from __future__ import annotations


import pytest

from cxdesk.ops import FLAGS, RISK_SCORES, SESSION_NOTES, run_op, session_review, triage
from cxdesk.store import Store
from cxdesk.store.risk_queue import FlagFilter
from test_risk_queue_store import flagged, template  # noqa: F401  (fixtures: the flagged store, a copy per test)

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)


def _items(store: Store) -> dict[tuple[str, int], tuple[int, ...]]:
    """The queue's items (session or review) and their flag ids."""
    return {
        ("review", f.target_id) if f.target_type == "review" else ("session", f.session_id): f.flag_ids
        for f in store.risk_queue.item_page(FlagFilter())
    }


def _statuses(store: Store) -> dict[int, str]:
    return dict(store.conn.execute("SELECT id, status FROM risk_flags").fetchall())


def test_false_alarm_drops_the_risk_score_of_its_session(flagged: Store) -> None:
    flag_ids = _items(flagged)[("session", _session_id(flagged, "s2"))]
    sid = _session_id(flagged, "s2")
    before = flagged.risk_scores.get("session", sid)
    assert before is not None and before[0] > 0 and "退款退货纠纷" in before[2]
    changes = run_op(triage.set_status, flagged, flag_ids, "误报", handler="组长小王")
    # Its only flag no longer counts: nothing is left of the session's risk.
    assert flagged.risk_scores.get("session", sid)[:2] == (0, "无")
    assert changes.kinds == {FLAGS, RISK_SCORES} and changes.ids_of(FLAGS) == tuple(flag_ids)
    assert changes.op == "triage_flags" and "误报" in changes.summary
    flag = flagged.risk_queue.flag(flag_ids[0])
    assert (flag.status, flag.handler) == ("误报", "组长小王") and flag.handled_at


def test_false_alarm_on_a_review_drops_its_score_and_leaves_the_rest(flagged: Store) -> None:
    review_flags = _items(flagged)[("review", 1)]
    others = {i: s for i, s in _statuses(flagged).items() if i not in review_flags}
    before = flagged.risk_scores.get("review", 1)
    session_before = flagged.risk_scores.get("session", _session_id(flagged, "s1"))
    run_op(triage.set_status, flagged, review_flags, "误报")
    after = flagged.risk_scores.get("review", 1)
    assert after[0] < before[0] and "激烈情绪" not in after[2]
    assert {i: s for i, s in _statuses(flagged).items() if i not in review_flags} == others
    assert flagged.risk_scores.get("session", _session_id(flagged, "s1")) == session_before


def test_back_to_pending_clears_the_handled_time(flagged: Store) -> None:
    flag_id = _items(flagged)[("review", 1)][0]
    run_op(triage.set_status, flagged, [flag_id], "已处理", handler="小李")
    assert flagged.risk_queue.flag(flag_id).handled_at
    run_op(triage.set_status, flagged, [flag_id], "待处理")
    flag = flagged.risk_queue.flag(flag_id)
    assert (flag.status, flag.handled_at, flag.handler) == ("待处理", None, "小李")


def test_a_failed_rescore_leaves_the_status_unchanged(flagged: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import cxdesk.analysis.risk as risk

    def broken(store, ids):
        raise RuntimeError("rescoring failed")

    monkeypatch.setattr(risk, "rescore_flagged", broken)
    flag_ids = _items(flagged)[("review", 1)]
    with pytest.raises(RuntimeError):
        run_op(triage.set_status, flagged, flag_ids, "误报")
    assert {_statuses(flagged)[i] for i in flag_ids} == {"待处理"}  # one transaction: nothing half-done


def test_nothing_to_mark_changes_nothing(flagged: Store) -> None:
    before = _statuses(flagged)
    changes = run_op(triage.set_status, flagged, [], "已处理")
    assert not changes.changed and changes.ids_of(FLAGS) == () and _statuses(flagged) == before
    with pytest.raises(ValueError):
        run_op(triage.set_status, flagged, [1], "不存在的状态")
    assert _statuses(flagged) == before


def test_set_status_matching_marks_exactly_the_filtered_flags(flagged: Store) -> None:
    flt = FlagFilter(categories=("投诉/监管威胁", "服务时效"))
    picked = set(flagged.risk_queue.ids(flt))
    before = _statuses(flagged)
    assert picked and set(before) - picked  # the filter leaves some flags out
    changes = run_op(triage.set_status_matching, flagged, flt, "已处理", handler="组长小王")
    after = _statuses(flagged)
    assert {i for i, s in after.items() if s != before[i]} == picked
    assert {after[i] for i in picked} == {"已处理"}
    assert set(changes.ids_of(FLAGS)) == picked and changes.kinds == {FLAGS, RISK_SCORES}
    assert f"{len(picked):,} 条" in changes.summary
    # The filter shows 待处理/处理中 only: nothing is left to match.
    assert flagged.risk_queue.count(flt) == 0
    assert not run_op(triage.set_status_matching, flagged, flt, "误报").changed


def test_note_goes_to_every_flag_of_the_item_and_keeps_the_status(flagged: Store) -> None:
    item = _items(flagged)[("session", _session_id(flagged, "s1"))]
    assert len(item) > 1
    run_op(triage.set_status, flagged, item[:1], "处理中")
    scores = flagged.conn.execute("SELECT * FROM risk_scores ORDER BY target_type, target_id").fetchall()
    changes = run_op(triage.set_note, flagged, item, "  已电话安抚，补发一件 ", handler="小王")
    flags = [flagged.risk_queue.flag(i) for i in item]
    assert {f.note for f in flags} == {"已电话安抚，补发一件"} and {f.handler for f in flags} == {"小王"}
    assert [f.status for f in flags] == ["处理中"] + ["待处理"] * (len(item) - 1)
    others = flagged.conn.execute(
        "SELECT COUNT(*) FROM risk_flags WHERE note IS NOT NULL AND id NOT IN (SELECT value FROM json_each(?))",
        (str(list(item)),),
    ).fetchone()[0]
    assert others == 0
    assert changes.kinds == {FLAGS} and changes.ids_of(FLAGS) == tuple(item)  # a note does not re-score
    assert flagged.conn.execute("SELECT * FROM risk_scores ORDER BY target_type, target_id").fetchall() == scores
    run_op(triage.set_note, flagged, item, "")
    assert {flagged.risk_queue.flag(i).note for i in item} == {None}  # an empty note clears it


def test_session_reviewed_and_note(flagged: Store) -> None:
    sid = _session_id(flagged, "s1")
    changes = run_op(session_review.set_reviewed, flagged, sid, True, reviewer="组长小王")
    assert changes.kinds == {SESSION_NOTES} and changes.ids_of(SESSION_NOTES) == (sid,)
    state = flagged.sessions_browse.review_state(sid)
    assert state.reviewed and state.reviewer == "组长小王" and state.reviewed_at and changes.value == state
    changes = run_op(session_review.set_note, flagged, sid, " 已回访，买家满意 ")
    state = flagged.sessions_browse.review_state(sid)
    assert (state.note, state.reviewed) == ("已回访，买家满意", True)  # the mark is kept
    assert changes.value == state and changes.ids_of(SESSION_NOTES) == (sid,) and changes.summary == "备注已保存"
    changes = run_op(session_review.set_reviewed, flagged, sid, False)
    state = flagged.sessions_browse.review_state(sid)
    assert (state.reviewed, state.reviewed_at, state.note) == (False, None, "已回访，买家满意")
    assert "取消" in changes.summary
    other = _session_id(flagged, "s2")
    assert flagged.sessions_browse.review_state(other).note is None


def _session_id(store: Store, key: str) -> int:
    return store.conn.execute("SELECT id FROM chat_sessions WHERE session_key = ?", (key,)).fetchone()[0]
