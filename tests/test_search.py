"""Full-text search: tokenising, queries, filters, paging, and keeping the index in step with the store."""

from __future__ import annotations

from datetime import date

import pytest

from cxdesk.analysis import search_stage
from cxdesk.analysis.engine import _run_chunks
from cxdesk.analysis.search_stage import run_search_index_stage
from cxdesk.importers._batches import undo_batch
from cxdesk.search import (
    COUNT_CAP,
    SearchFilters,
    SearchIndexMissing,
    SearchQueryError,
    highlight_spans,
    index_text,
    parse_query,
    search,
    snippet,
    tokens,
)
from cxdesk.store.search_index import SearchIndexRepo
from cxdesk.tasks import TaskContext


def _session(key: str, buyer: str, day: str, lines: list[tuple[str, str]]) -> dict:
    return {
        "session_key": key,
        "buyer_nick": buyer,
        "messages": [
            {
                "msg_hash": i,
                "seq": i,
                "role": role,
                "sender": None if role == "buyer" else "店:小美",
                "sent_at": f"{day} 10:{i:02d}:00",
                "content": text,
            }
            for i, (role, text) in enumerate(lines)
        ],
    }


def build(store) -> dict[str, int]:
    """Two Taobao shops and a JD shop, each import in its own batch; returns the batch ids."""
    batches = {}
    with store.transaction():
        a = store.shops.get_or_create("taobao", "甲店")
        jd = store.shops.get_or_create("jd", "京东乙店")
        batches["a"] = store.batches.create(kind="chats", file_name="a.csv", file_sha256="a", shop_id=a.id)
        store.chats.insert_sessions(
            a.id,
            batches["a"],
            [
                _session(
                    "s1", "o***3", "2024-01-05", [("buyer", "我要退款，质量太差"), ("agent", "亲，可以申请退货退款")]
                ),
                _session("s2", "b***1", "2024-03-10", [("buyer", "发票怎么开？"), ("agent", "订单详情里申请发票")]),
                _session(
                    "s3", "c***2", "2024-03-11", [("buyer", "我的ＩＰｈｏｎｅ１３到了吗"), ("agent", "iPhone13 已发货")]
                ),
            ],
        )
        batches["jd"] = store.batches.create(kind="chats", file_name="jd.json", file_sha256="jd", shop_id=jd.id)
        store.chats.insert_sessions(
            jd.id,
            batches["jd"],
            [
                _session("j1", "jd_x***9", "2024-02-01", [("buyer", "退 款 慢"), ("agent", "退款已经处理")]),
            ],
        )
        batches["r"] = store.batches.create(kind="reviews", file_name="r.csv", file_sha256="r", shop_id=a.id)
        store.reviews.insert_many(
            a.id,
            batches["r"],
            [
                {
                    "review_key": "r1",
                    "content": "质量很好，物流快",
                    "rating": 5,
                    "buyer_nick": "o***3",
                    "created_at": "2024-01-20 08:00:00",
                    "append_content": "用了一周就坏了，要退款",
                    "append_at": "2024-01-27 08:00:00",
                },
                {
                    "review_key": "r2",
                    "content": "差",
                    "rating": 1,
                    "buyer_nick": "d***4",
                    "created_at": "2024-03-12 09:00:00",
                },
            ],
        )
    return batches


def index(store) -> int:
    return run_search_index_stage(TaskContext(), store, _run_chunks, 1).processed


@pytest.fixture
def indexed(store):
    batches = build(store)
    index(store)
    return store, batches


def texts(page) -> list[str]:
    return [h.text for h in page.hits]


# --- tokenising and queries ------------------------------------------------------------


def test_cjk_characters_and_digits_are_single_tokens_ascii_words_whole():
    assert tokens("退款iPhone13，好") == ["退", "款", "iphone", "1", "3", "好"]
    assert tokens("ＩＰｈｏｎｅ１３") == ["iphone", "1", "3"]  # full-width folded
    assert index_text(None) == ""


def test_query_is_a_phrase_per_term_and_an_ascii_last_token_is_a_prefix():
    q = parse_query(" 退款  iph ")
    assert q.terms == (("退", "款"), ("iph",))
    assert q.match == '"退 款" AND "iph"*'


@pytest.mark.parametrize("bad", ["", "   ", "，。！", "x" * 61, " ".join("退" * 9)])
def test_unsearchable_queries_raise_a_chinese_message(bad):
    with pytest.raises(SearchQueryError) as err:
        parse_query(bad)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(err.value))


def test_highlight_offsets_point_into_the_original_text():
    text = "亲，ＩＰｈｏｎｅ１３的退 款到了"
    spans = highlight_spans(text, parse_query("iphone13 退款"))
    assert [text[s:e] for s, e in spans] == ["ＩＰｈｏｎｅ１３", "退 款"]
    # An ASCII word only matches at a word start, as in the index.
    assert highlight_spans("xiphone", parse_query("iphone")) == []


def test_snippet_keeps_the_first_hit_and_shifts_spans():
    text = "前" * 100 + "退款" + "后" * 100
    cut, spans = snippet(text, [(100, 102)], width=40)
    assert cut.startswith("…") and cut.endswith("…")
    assert [cut[s:e] for s, e in spans] == ["退款"]


# --- searching -------------------------------------------------------------------------


def test_search_needs_the_index(store):
    build(store)
    with pytest.raises(SearchIndexMissing, match="分析"):
        search(store, "退")


def test_one_and_two_character_queries_match_messages_and_reviews(indexed):
    store, _ = indexed
    page = search(store, "退")
    assert page.total == 5 and page.counts == {"message": 4, "review": 1}
    kinds = sorted(h.kind for h in page.hits)
    assert kinds.count("review") == 1 and kinds.count("message") == 4
    review = next(h for h in page.hits if h.kind == "review")
    assert review.part == "append" and review.text == "用了一周就坏了，要退款"
    for hit in page.hits:
        assert all(hit.text[s:e] == "退" for s, e in hit.spans)
    assert set(texts(search(store, "发票"))) == {"发票怎么开？", "订单详情里申请发票"}


def test_phrase_matches_across_separators_and_case_and_width(indexed):
    store, _ = indexed
    assert "退 款 慢" in texts(search(store, "退款慢"))
    assert set(texts(search(store, "iphone13"))) == {"我的ＩＰｈｏｎｅ１３到了吗", "iPhone13 已发货"}
    assert texts(search(store, "差 质量")) == ["我要退款，质量太差"]
    assert search(store, "貔貅").hits == []


def test_filters_kind_role_shop_platform_and_dates(indexed):
    store, _ = indexed
    shops = {s.name: s.id for s in store.shops.all()}
    assert {h.kind for h in search(store, "退", SearchFilters(kind="review")).hits} == {"review"}
    agent = search(store, "退", SearchFilters(role="agent")).hits
    assert agent and {h.role for h in agent} == {"agent"}  # and no reviews: they are the buyer's
    buyer = search(store, "退", SearchFilters(role="buyer")).hits
    assert {h.kind for h in buyer} == {"message", "review"} and {h.role for h in buyer} == {"buyer"}
    jd = search(store, "退", SearchFilters(platform="jd")).hits
    assert {h.shop for h in jd} == {"京东乙店"} and len(jd) == 2
    a_only = search(store, "退", SearchFilters(shop_ids=(shops["甲店"],))).hits
    assert {h.shop for h in a_only} == {"甲店"}
    jan = search(store, "退", SearchFilters(date_from=date(2024, 1, 1), date_to=date(2024, 1, 31))).hits
    assert {h.at[:7] for h in jan} == {"2024-01"} and len(jan) == 3
    # date_to is inclusive: the message at 2024-02-01 10:00 is in a range ending that day.
    feb1 = search(store, "退", SearchFilters(kind="message", date_from=date(2024, 2, 1), date_to=date(2024, 2, 1)))
    assert texts(feb1) == ["退款已经处理", "退 款 慢"]
    assert search(store, "退", SearchFilters(platform="pdd")).hits == []
    with pytest.raises(SearchQueryError):
        SearchFilters(date_from=date(2024, 2, 1), date_to=date(2024, 1, 1))


def test_paging_walks_every_hit_once_newest_first(indexed):
    store, _ = indexed
    everything = search(store, "退", limit=100)
    seen, cursor, pages = [], None, 0
    while True:
        page = search(store, "退", limit=2, cursor=cursor, with_count=False)
        seen += [(h.kind, h.target_id) for h in page.hits]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted((h.kind, h.target_id) for h in everything.hits)
    assert len(seen) == len(set(seen))
    ats = [h.at for h in everything.hits]
    assert ats == sorted(ats, reverse=True)


def test_count_is_capped(store):
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "大店")
        store.chats.insert_sessions(
            shop.id,
            None,
            [_session(f"k{i}", f"b{i}", "2024-05-01", [("buyer", "你好的"), ("agent", "在的")]) for i in range(520)],
        )
    index(store)
    page = search(store, "的")
    assert page.total == COUNT_CAP and page.total_capped and len(page.hits) == 50


# --- keeping the index in step -----------------------------------------------------------


def test_new_rows_are_indexed_incrementally_and_reported_until_then(indexed):
    store, _ = indexed
    assert index(store) == 0  # nothing new
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "甲店")
        store.chats.insert_sessions(shop.id, None, [_session("s9", "z***0", "2024-04-01", [("buyer", "貔貅摆件")])])
    page = search(store, "貔貅")
    assert page.hits == [] and page.not_indexed == 1
    assert index(store) == 1
    page = search(store, "貔貅")
    assert texts(page) == ["貔貅摆件"] and page.not_indexed == 0


def _integrity(store) -> None:
    for fts in ("search_messages", "search_reviews"):
        store.conn.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 0)")


def test_undo_drops_the_rows_from_results_at_once_and_from_the_index_on_the_next_run(indexed):
    store, batches = indexed
    assert search(store, "发票").hits
    undo_batch(store, batches["a"])
    undo_batch(store, batches["r"])
    assert search(store, "发票").hits == []  # filtered by the join before any purge
    repo = SearchIndexRepo(store.conn)
    assert len(repo.purge_queue("message")) == 6 and len(repo.purge_queue("review")) == 2
    assert index(store) == 8
    assert repo.purge_queue("message") == [] and repo.purge_queue("review") == []
    # The FTS rows are really gone: a raw MATCH no longer sees them, and the index is consistent.
    raw = store.conn.execute("SELECT rowid FROM search_messages WHERE search_messages MATCH '\"发 票\"'").fetchall()
    assert raw == []
    assert (
        store.conn.execute("SELECT COUNT(*) FROM search_reviews WHERE search_reviews MATCH '\"质 量\"'").fetchone()[0]
        == 0
    )
    _integrity(store)
    assert texts(search(store, "退")) == ["退款已经处理", "退 款 慢"]


def test_an_edited_text_is_reindexed(indexed):
    store, _ = indexed
    with store.transaction():
        store.conn.execute("UPDATE chat_messages SET content='请开增值税专票' WHERE content='发票怎么开？'")
    index(store)
    assert texts(search(store, "专票")) == ["请开增值税专票"]
    assert texts(search(store, "发票")) == ["订单详情里申请发票"]
    _integrity(store)


def test_a_new_tokenizer_version_rebuilds_the_index(indexed, monkeypatch):
    store, _ = indexed
    total = store.conn.execute(
        "SELECT (SELECT COUNT(*) FROM chat_messages) + (SELECT COUNT(*) FROM reviews)"
    ).fetchone()[0]
    monkeypatch.setattr(search_stage, "TOKENIZER_VERSION", "test-2")
    assert index(store) == total
    assert SearchIndexRepo(store.conn).state("message")[1] == "test-2"
    assert len(search(store, "发票").hits) == 2  # rebuilt, not doubled
    _integrity(store)


def test_index_build_in_worker_processes_matches_in_process(store, monkeypatch):
    build(store)
    monkeypatch.setattr(search_stage, "CHUNK_IDS", 2)  # several ranges, finishing in any order
    calls = {}

    def in_pool(ctx, func, tasks, store_rows, *, total_texts, initializer, workers):
        from cxdesk.tasks import map_in_processes

        calls["tasks"] = len(tasks)
        map_in_processes(
            func, tasks, ctx, max_workers=2, initializer=initializer, on_result=lambda _i, rows: store_rows(rows)
        )

    run_search_index_stage(TaskContext(), store, in_pool, 2)
    assert calls["tasks"] >= 4
    assert len(search(store, "退").hits) == 5
    assert (
        SearchIndexRepo(store.conn).state("message")[0]
        == store.conn.execute("SELECT MAX(id) FROM chat_messages").fetchone()[0]
    )
    _integrity(store)


def test_newest_first_across_shops_imported_in_any_order(store):
    """A shop imported later (higher ids) with older texts must not come first."""
    with store.transaction():
        late = store.shops.get_or_create("taobao", "先导入的店")
        early = store.shops.get_or_create("jd", "后导入的店")
        store.chats.insert_sessions(late.id, None, [_session("n", "a", "2024-06-01", [("buyer", "六月的发票")])])
        store.chats.insert_sessions(early.id, None, [_session("o", "b", "2024-01-01", [("buyer", "一月的发票")])])
    index(store)
    assert texts(search(store, "发票")) == ["六月的发票", "一月的发票"]
    first = search(store, "发票", limit=1)
    assert texts(first) == ["六月的发票"]
    assert texts(search(store, "发票", limit=1, cursor=first.next_cursor)) == ["一月的发票"]
