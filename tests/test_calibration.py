"""Shop calibration inside the engine: fitted on rated reviews, used for unrated texts."""

from __future__ import annotations

from pathlib import Path

from cxdesk.analysis.calibration import model_status
from cxdesk.analysis.engine import analyze, message_version
from cxdesk.analysis.sentiment import SentimentModel
from cxdesk.store import open_store
from cxdesk.tasks import TaskContext


def _versions(store, sql: str) -> set[str]:
    return {r[0] for r in store.conn.execute(sql)}


def test_demo_shops_get_calibrated_models_used_for_unrated_texts(demo_analysed, analysed_demo_db: Path) -> None:
    """The demo shop as the run's first analysis of it left it (tests/_demo_cache.py), then analysed again."""
    db_path, first = analysed_demo_db, demo_analysed.analysis
    base = SentimentModel.load().version
    with open_store(db_path) as store:
        infos = store.shop_models.all_info()
        assert len(infos) == 2
        for info in infos:
            assert info.base_version == base and info.n_neg >= 30 and info.n_pos >= 30
            assert 0.7 <= info.heldout_accuracy <= 1.0 and info.heldout_n > 0
            shop_msgs = _versions(
                store,
                f"SELECT DISTINCT s.model FROM sentiment s JOIN chat_messages m "
                f"ON s.target_type='message' AND s.target_id=m.id WHERE m.shop_id={info.shop_id}",
            )
            assert shop_msgs == {message_version(info.version)}
        rated = _versions(
            store,
            "SELECT DISTINCT s.model FROM sentiment s JOIN reviews r "
            "ON s.target_type='review' AND s.target_id=r.id WHERE r.rating IS NOT NULL",
        )
        assert rated == {base}
        status = model_status(store, base)
    assert [s.calibrated for s in status] == [True, True]
    assert any(s.stage == "calibration" and s.processed == 2 for s in first.stages)
    again = analyze(TaskContext(), db_path)
    assert again.processed == 0  # no refit, nothing rescored


def test_too_few_rated_reviews_means_no_shop_model(db_path: Path) -> None:
    with open_store(db_path) as store:
        shop = store.shops.get_or_create("pdd", "小店")
        with store.transaction():
            store.reviews.insert_many(
                shop.id,
                None,
                [
                    {"review_key": f"k{i}", "content": "很好用" if i % 2 else "太差了", "rating": 5 if i % 2 else 1}
                    for i in range(20)
                ],
            )
    analyze(TaskContext(), db_path)
    with open_store(db_path) as store:
        assert store.shop_models.all_info() == []
        status = model_status(store, "base-v")
    assert status[0].calibrated is False and status[0].version == "base-v"


def test_cap_per_class_keeps_a_fixed_sample() -> None:
    from cxdesk.analysis.calibration import _cap_per_class

    labels = [1] * 50 + [0] * 8 + [None] * 3
    capped = _cap_per_class(labels, 10, seed=1)
    assert capped.count(1) == 10 and capped.count(0) == 8 and capped.count(None) == 43
    assert capped == _cap_per_class(labels, 10, seed=1)
