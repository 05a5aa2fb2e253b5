"""cxdesk.ops.faq on a small analysed store: each curation changes what it says, reports the right
changes, merge and split undo each other, and a refused or failing operation changes nothing."""

from __future__ import annotations

import pytest
from test_faq_store import ADDRESS, INVOICE, SHIP, T0, _cluster_of, _sessions, _stage

from cxdesk.errors import CxdeskError
from cxdesk.ops import ANSWERS, FAQ, run_op
from cxdesk.ops import faq as faq_ops
from cxdesk.store import Store

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)


@pytest.fixture
def faq_store(store: Store) -> Store:
    """Three topics, twelve questions each, clustered by the FAQ stage."""
    specs = [(f"b{i}", q, "亲，48小时内发货哦", "好的谢谢", T0) for i, q in enumerate(SHIP * 2)]
    specs += [(f"c{i}", q, "可以开电子发票", "好的", T0) for i, q in enumerate(INVOICE * 2)]
    specs += [(f"d{i}", q, "发货前可以改", "好", T0) for i, q in enumerate(ADDRESS * 2)]
    _sessions(store, specs, "a")
    _stage(store)
    return store


def _members(store: Store, cluster_id: int) -> set[int]:
    return {r[0] for r in store.conn.execute("SELECT message_id FROM faq_members WHERE cluster_id = ?", (cluster_id,))}


def _snapshot(store: Store) -> tuple[list, list]:
    clusters = store.conn.execute(
        "SELECT id, label, label_manual, pinned, hidden, recommended_answer, size FROM faq_clusters ORDER BY id"
    ).fetchall()
    members = store.conn.execute(
        "SELECT message_id, cluster_id, manual FROM faq_members ORDER BY message_id"
    ).fetchall()
    return clusters, members


def _topics(store: Store) -> tuple[int, int, int]:
    ids = tuple(_cluster_of(store.faq, q[0]) for q in (SHIP, INVOICE, ADDRESS))
    assert len(set(ids)) == 3
    return ids  # type: ignore[return-value]


def test_rename_pin_hide_and_answer_change_the_cluster_and_say_so(faq_store: Store) -> None:
    ship, invoice, _address = _topics(faq_store)
    changes = run_op(faq_ops.rename, faq_store, ship, "  发货时间 ")
    assert changes.kinds == {FAQ} and changes.ids_of(FAQ) == (ship,) and changes.summary == "已改名为「发货时间」"
    row = faq_store.faq.cluster(ship)
    assert row["label"] == "发货时间" and row["label_manual"] == 1

    changes = run_op(faq_ops.set_pinned, faq_store, invoice, True)
    assert changes.kinds == {FAQ} and changes.ids_of(FAQ) == (invoice,)
    assert changes.summary == f"已置顶「{faq_store.faq.cluster(invoice)['label']}」"
    assert faq_store.faq.cluster(invoice)["pinned"] == 1 and faq_store.faq.list_clusters()[0].id == invoice
    assert run_op(faq_ops.set_pinned, faq_store, invoice, False).summary == "已取消置顶"
    assert faq_store.faq.cluster(invoice)["pinned"] == 0

    changes = run_op(faq_ops.set_hidden, faq_store, ship, True)
    assert changes.kinds == {FAQ} and changes.summary == "已隐藏「发货时间」"
    assert ship not in [c.id for c in faq_store.faq.list_clusters()]
    assert run_op(faq_ops.set_hidden, faq_store, ship, False).summary == "已取消隐藏"
    assert ship in [c.id for c in faq_store.faq.list_clusters()]

    changes = run_op(faq_ops.save_answer, faq_store, ship, "现货48小时内发出。")
    assert changes.kinds == {ANSWERS} and changes.ids_of(ANSWERS) == (ship,) and changes.summary == "已保存推荐回答"
    assert faq_store.faq.cluster(ship)["recommended_answer"] == "现货48小时内发出。"
    assert run_op(faq_ops.save_answer, faq_store, ship, "  ").summary == "已清除推荐回答"
    assert faq_store.faq.cluster(ship)["recommended_answer"] is None


def test_merge_then_split_gives_the_clusters_back(faq_store: Store) -> None:
    ship, invoice, address = _topics(faq_store)
    ship_members, invoice_members = _members(faq_store, ship), _members(faq_store, invoice)
    run_op(faq_ops.save_answer, faq_store, invoice, "可以开电子发票")

    changes = run_op(faq_ops.merge, faq_store, ship, [invoice, ship])  # the target among the sources is ignored
    assert changes.kinds == {FAQ, ANSWERS} and changes.ids_of(FAQ) == (ship, invoice)
    assert changes.value == len(invoice_members) == 12
    assert changes.summary == f"已把 1 类问题并入「{faq_store.faq.cluster(ship)['label']}」"
    assert faq_store.faq.cluster(invoice) is None
    assert _members(faq_store, ship) == ship_members | invoice_members
    assert faq_store.faq.cluster(ship)["recommended_answer"] == "可以开电子发票"  # the target had none

    changes = run_op(faq_ops.split_to_new, faq_store, sorted(invoice_members), "开发票")
    new = changes.value
    assert changes.kinds == {FAQ} and changes.ids_of(FAQ) == (new, ship)
    assert changes.summary == "已把 12 条提问拆出为「开发票」"
    assert _members(faq_store, new) == invoice_members and _members(faq_store, ship) == ship_members
    assert faq_store.faq.cluster(new)["label"] == "开发票" and faq_store.faq.cluster(new)["size"] == 12
    assert faq_store.faq.cluster(ship)["size"] == len(ship_members)
    assert faq_store.faq.cluster(address)["size"] == 12  # untouched

    # Move two of them to the address cluster and back.
    two = sorted(invoice_members)[:2]
    changes = run_op(faq_ops.move_questions, faq_store, two, address)
    assert changes.kinds == {FAQ} and changes.ids_of(FAQ) == (address, new) and changes.value == address
    assert set(two) <= _members(faq_store, address) and faq_store.faq.cluster(new)["size"] == 10
    run_op(faq_ops.move_questions, faq_store, two, new)
    assert _members(faq_store, new) == invoice_members


def test_refused_operations_change_nothing(faq_store: Store) -> None:
    ship, invoice, _address = _topics(faq_store)
    gone = max(faq_store.faq.sizes()) + 100
    before = _snapshot(faq_store)
    refused = [
        (faq_ops.rename, (ship, "   ")),
        (faq_ops.rename, (gone, "新名字")),
        (faq_ops.set_pinned, (gone, True)),
        (faq_ops.set_hidden, (gone, True)),
        (faq_ops.save_answer, (gone, "答")),
        (faq_ops.merge, (gone, [ship])),
        (faq_ops.merge, (ship, [invoice, gone])),  # one source is gone: none is merged
        (faq_ops.split_to_new, (sorted(_members(faq_store, ship))[:2], "")),
        (faq_ops.split_to_new, ([10**9], "没有这些提问")),  # the new cluster is not left behind
        (faq_ops.move_questions, (sorted(_members(faq_store, ship))[:2], gone)),
        (faq_ops.move_questions, (sorted(_members(faq_store, ship))[:2], ship)),  # already there
        (faq_ops.move_questions, ([], invoice)),
    ]
    for op, args in refused:
        with pytest.raises(CxdeskError):
            run_op(op, faq_store, *args)
        assert _snapshot(faq_store) == before, (op.__name__, args)
    assert not faq_store.conn.in_transaction
    assert run_op(faq_ops.merge, faq_store, ship, [ship]).kinds == frozenset()  # nothing to merge


def test_a_failure_half_way_through_rolls_the_whole_operation_back(faq_store: Store, monkeypatch) -> None:
    ship, invoice, _address = _topics(faq_store)
    before = _snapshot(faq_store)

    def broken() -> None:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(faq_store.faq, "refresh_sizes", broken)  # after the members were moved
    with pytest.raises(RuntimeError):
        run_op(faq_ops.merge, faq_store, ship, [invoice])
    with pytest.raises(RuntimeError):
        run_op(faq_ops.split_to_new, faq_store, sorted(_members(faq_store, ship))[:3], "拆出")
    assert _snapshot(faq_store) == before
