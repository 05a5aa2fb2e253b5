"""Delete a buyer's data (a buyer asked the shop to forget them): preview, then delete in one transaction.

:func:`preview` counts what the store holds under the nick (one shop or all);
:func:`delete` removes it all (:class:`cxdesk.store.buyer_data.BuyerDataRepo`) and, in the
same transaction, what other tables keep of their texts: the full-text index rows
(removed from the contentless index with the text they were indexed with) and the
sentence-vector cache (``text_vectors``). Deleted rows are overwritten in the file, not only
unlinked (SQLite ``secure_delete``). No backup is made on purpose: a backup would
keep what the buyer asked to have deleted. Pages hear BUYERS and the kinds of rows that went.
"""

from __future__ import annotations

from collections.abc import Sequence

from cxdesk.ops import ANALYSIS, BUYERS, CHATS, FAQ, FLAGS, ORDERS, REVIEWS, RISK_SCORES, SESSION_NOTES, OpChanges
from cxdesk.store import Store
from cxdesk.store.buyer_data import BuyerDataCounts
from cxdesk.tasks import JobContext

# count field -> the kind of data a page watches
_KINDS = {
    "reviews": REVIEWS,
    "sessions": CHATS,
    "messages": CHATS,
    "orders": ORDERS,
    "flags": FLAGS,
    "risk_scores": RISK_SCORES,
    "faq_questions": FAQ,
    "session_notes": SESSION_NOTES,
}


def _nick(nick: str) -> str:
    from cxdesk.errors import CxdeskError

    text = (nick or "").strip()
    if not text:
        raise CxdeskError("请给出买家昵称。")
    return text


OWNER_ONLY = (
    "查看和删除某位买家的数据只能由店主进行：你的账号（客服）看到的买家昵称是隐藏后的，"
    "几位买家可能显示成同一个昵称。请让店主操作。"
)


def _owner_only(store: Store) -> None:
    """A 客服 on a team store reads nicks masked (several buyers may share one): refuse by name, before the
    database would refuse the delete itself."""
    from cxdesk.errors import CxdeskError

    if store.personal_data_masked:
        raise CxdeskError(OWNER_ONLY)


def preview(store: Store, ctx: JobContext, nick: str, *, shop_id: int | None = None) -> OpChanges:
    """Count what :func:`delete` would delete; changes nothing. ``value``: :class:`BuyerDataCounts`."""
    _owner_only(store)
    counts = store.buyer_data.preview(_nick(nick), shop_id)
    return OpChanges("buyer_preview", summary=counts.describe(), value=counts)


def delete(store: Store, ctx: JobContext, nick: str, *, shop_id: int | None = None) -> OpChanges:
    """Delete every row of buyer ``nick`` (in shop ``shop_id``, or in all shops) and everything derived
    from it. ``value``: the :class:`BuyerDataCounts` deleted."""
    _owner_only(store)
    nick = _nick(nick)
    repo = store.buyer_data
    ctx.progress(0, 0, f"正在删除买家“{nick}”的数据")
    with repo.overwriting_deleted(), store.transaction():
        texts = repo.texts(nick, shop_id)
        counts, ids = repo.delete(nick, shop_id)
        if not counts.is_empty:
            store.faq.refresh_sizes()
            _purge_search_index(store, "message", ids["message"])
            _purge_search_index(store, "review", ids["review"])
            store.text_vectors.delete_texts(_vector_texts(texts))
    if counts.is_empty:
        return OpChanges("buyer_delete", summary=counts.describe(), value=counts)
    kinds = {BUYERS, ANALYSIS} | {kind for field, kind in _KINDS.items() if getattr(counts, field)}
    ids_by_kind = {REVIEWS: ids["review"], CHATS: ids["session"]}
    return OpChanges.of("buyer_delete", *kinds, ids=ids_by_kind, summary=counts.describe(deleted=True), value=counts)


def _purge_search_index(store: Store, kind: str, ids: Sequence[int]) -> None:
    """Take the deleted texts out of the full-text index now (not at the next analysis): the delete
    triggers copied the indexed ones to ``search_purge``, which is what a contentless index needs."""
    from cxdesk.analysis.search_stage import tokenised
    from cxdesk.search import TOKENIZER_VERSION
    from cxdesk.store.catalog import is_postgres

    if is_postgres(store.conn):  # a team store searches the texts themselves: deleted, they are gone
        return
    repo = store.search_index
    if not ids or not repo.is_built():
        return
    state = repo.state(kind)
    if state is not None and state[1] != TOKENIZER_VERSION:
        repo.clear(kind)  # built by another tokenizer: the next analysis rebuilds it anyway
        return
    rows = store.buyer_data.purge_rows(kind, ids)
    if rows:
        repo.remove(kind, tokenised(kind, rows))
        repo.drop_purged(kind, [r[0] for r in rows])


def _vector_texts(texts: Sequence[str]) -> list[str]:
    """The texts as given and as the sentence encoder keys them (stripped, cut to its length)."""
    from cxdesk.analysis.sentence_vectors import MAX_CHARS

    out = list(texts)
    out += [t.strip()[:MAX_CHARS] for t in texts if t.strip()]
    return list(dict.fromkeys(out))


__all__ = ["BuyerDataCounts", "delete", "preview"]
