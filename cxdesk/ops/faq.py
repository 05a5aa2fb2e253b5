"""Curate 常见问题: rename a cluster, pin, hide, merge clusters, split questions out, save the recommended answer.

Every choice is kept by later analyses (the FAQ stage places new questions around
them). Each operation checks that the clusters it names still exist (another window
or an analysis may have merged them away) and refuses with a message otherwise, so a
refused operation changes nothing. ``ids={FAQ: ...}`` lists the clusters touched.
"""

from __future__ import annotations

from collections.abc import Sequence

from cxdesk.errors import CxdeskError
from cxdesk.ops import ANSWERS, FAQ, OpChanges
from cxdesk.store import Store
from cxdesk.tasks import JobContext

GONE = "这类问题已不存在（可能已被合并或重新分析），请刷新后再试"


def _cluster(store: Store, cluster_id: int) -> dict:
    """The cluster's row, or a refusal when it is gone."""
    cluster = store.faq.cluster(int(cluster_id))
    if cluster is None:
        raise CxdeskError(GONE)
    return cluster


def rename(store: Store, ctx: JobContext, cluster_id: int, label: str) -> OpChanges:
    """Give a cluster the shop's own name for it (kept by later analyses)."""
    label = label.strip()
    if not label:
        raise CxdeskError("问题的名称不能为空")
    with store.transaction():
        _cluster(store, cluster_id)
        store.faq.rename(cluster_id, label)
    return OpChanges.of("faq_rename", FAQ, ids={FAQ: [cluster_id]}, summary=f"已改名为「{label}」")


def save_answer(store: Store, ctx: JobContext, cluster_id: int, text: str | None) -> OpChanges:
    """Save (or, with an empty text, clear) a cluster's recommended answer."""
    with store.transaction():
        _cluster(store, cluster_id)
        store.faq.save_answer(cluster_id, text)
    return OpChanges.of(
        "faq_answer",
        ANSWERS,
        ids={ANSWERS: [cluster_id], FAQ: [cluster_id]},
        summary="已保存推荐回答" if (text or "").strip() else "已清除推荐回答",
    )


def set_pinned(store: Store, ctx: JobContext, cluster_id: int, pinned: bool) -> OpChanges:
    """Pin a cluster to the top of the list (or unpin it)."""
    with store.transaction():
        label = _cluster(store, cluster_id)["label"]
        store.faq.pin(cluster_id, pinned)
    return OpChanges.of(
        "faq_pin", FAQ, ids={FAQ: [cluster_id]}, summary=f"已置顶「{label}」" if pinned else "已取消置顶"
    )


def set_hidden(store: Store, ctx: JobContext, cluster_id: int, hidden: bool) -> OpChanges:
    """Hide a cluster that is not a real question (寒暄…), or show it again."""
    with store.transaction():
        label = _cluster(store, cluster_id)["label"]
        store.faq.hide(cluster_id, hidden)
    return OpChanges.of(
        "faq_hide", FAQ, ids={FAQ: [cluster_id]}, summary=f"已隐藏「{label}」" if hidden else "已取消隐藏"
    )


def merge(store: Store, ctx: JobContext, target_id: int, source_ids: Sequence[int]) -> OpChanges:
    """Merge ``source_ids`` into ``target_id``: their questions move, the sources are deleted.

    The target keeps its name and answer (it takes a source's answer when it has none) and
    stays pinned if any of them was. ``value``: the number of questions moved.
    """
    sources = [int(s) for s in dict.fromkeys(source_ids) if int(s) != int(target_id)]
    if not sources:
        return OpChanges("faq_merge", value=0)
    with store.transaction():
        label = _cluster(store, target_id)["label"]
        for source in sources:
            _cluster(store, source)
        moved = store.faq.merge(target_id, sources)
    return OpChanges.of(
        "faq_merge",
        FAQ,
        ANSWERS,
        ids={FAQ: [target_id, *sources], ANSWERS: [target_id]},
        summary=f"已把 {len(sources)} 类问题并入「{label}」",
        value=moved,
    )


def _moved(before: dict[int, int], after: dict[int, int], target: int) -> list[int]:
    """The clusters a move changed (sizes before and after), the target first; refused when nothing moved."""
    changed = {c for c in {*before, *after} if before.get(c, 0) != after.get(c, 0)}
    if not changed:
        raise CxdeskError("选中的提问已不在其他问题中，没有可移动的提问，请刷新后再试")
    return [target, *sorted(changed - {target})]


def split_to_new(store: Store, ctx: JobContext, message_ids: Sequence[int], label: str) -> OpChanges:
    """Move questions out into a new cluster named ``label``; ``value``: the new cluster's id."""
    label = label.strip()
    if not label:
        raise CxdeskError("新问题的名称不能为空")
    ids = [int(i) for i in message_ids]
    if not ids:
        raise CxdeskError("没有选中提问")
    with store.transaction():
        before = store.faq.sizes()
        new_id = store.faq.move_questions(ids, new_label=label)
        touched = _moved(before, store.faq.sizes(), new_id)
    return OpChanges.of(
        "faq_split",
        FAQ,
        ids={FAQ: touched},
        summary=f"已把 {len(ids)} 条提问拆出为「{label}」",
        value=new_id,
    )


def move_questions(store: Store, ctx: JobContext, message_ids: Sequence[int], to_cluster: int) -> OpChanges:
    """Move questions to another existing cluster; ``value``: that cluster's id."""
    ids = [int(i) for i in message_ids]
    if not ids:
        raise CxdeskError("没有选中提问")
    with store.transaction():
        label = _cluster(store, to_cluster)["label"]
        before = store.faq.sizes()
        store.faq.move_questions(ids, to_cluster=int(to_cluster))
        touched = _moved(before, store.faq.sizes(), int(to_cluster))
    return OpChanges.of(
        "faq_move",
        FAQ,
        ids={FAQ: touched},
        summary=f"已把 {len(ids)} 条提问移到「{label}」",
        value=int(to_cluster),
    )
