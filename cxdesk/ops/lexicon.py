"""The review aspect lexicon (设置 → 评价方面词表, ``python main.py lexicon``): save edits, restore the shipped one.

The lexicon lives in the user's copies in ``lexicons/`` of the user's resources folder,
not in the store: these operations take the writer's store like every operation and
leave it alone. :mod:`cxdesk.analysis.aspect_lexicon_edit` checks every word and puts
the previous files back when the lexicon would not load, so a refused save changes
nothing. The aspect stage's version holds the lexicon's fingerprint: the next 分析数据
re-reads every review (nothing in the store is marked now, hence ``LEXICON`` alone).

The editor dialog changes a whole draft and saves it (:func:`save`); the CLI makes one
change at a time (:func:`set_pack`, :func:`add_word`, :func:`remove_word`), each of which
loads the lexicon, changes it and saves it through :func:`save`.
"""

from __future__ import annotations

from cxdesk.analysis.aspect_lexicon_edit import KINDS, MAIN, LexiconDraft, LexiconEditError
from cxdesk.ops import LEXICON, OpChanges, files_only
from cxdesk.store import Store
from cxdesk.tasks import JobContext

SAVED = "已保存。下次「分析数据」时会按新词表重新读取全部评价（评价多时需要几分钟）。"


@files_only
def save(store: Store | None, ctx: JobContext, draft: LexiconDraft, *, summary: str = SAVED) -> OpChanges:
    """Write the user's copies of ``draft`` (which is then marked saved); ``value``: the paths written or removed.

    Raises :class:`LexiconEditError` (files unchanged) when the draft has problems or would not load.
    """
    from cxdesk.analysis.aspect_lexicon_edit import save_draft

    touched = save_draft(draft)
    return OpChanges.of("lexicon_save", LEXICON, summary=summary, value=touched)


@files_only
def restore(store: Store | None, ctx: JobContext) -> OpChanges:
    """Delete the user's copies (the shipped lexicon again); ``value``: the paths deleted."""
    from cxdesk.analysis.aspect_lexicon_edit import restore_defaults

    removed = restore_defaults()
    if not removed:
        return OpChanges("lexicon_restore", summary="本来就在使用内置词表。", value=[])
    return OpChanges.of("lexicon_restore", LEXICON, summary="已恢复内置词表。", value=removed)


def pack_file(draft: LexiconDraft, name: str) -> str:
    """The pack file a user names by its category, file name or file stem."""
    for pack in draft.packs():
        if name in (pack.category, pack.file, pack.file.removesuffix(".json")):
            return pack.file
    known = "、".join(p.category for p in draft.packs()) or "无"
    raise LexiconEditError(f"没有类目词表「{name}」（现有：{known}）")


@files_only
def set_pack(store: Store | None, ctx: JobContext, pack: str, on: bool) -> OpChanges:
    """Turn a category pack (named by category or file) on or off, and save."""
    from cxdesk.analysis.aspect_lexicon_edit import load_draft

    draft = load_draft()
    file = pack_file(draft, pack)
    draft.set_pack(file, on)
    return save(store, ctx, draft, summary=f"「{draft.category(file)}」类目词表已{'开启' if on else '关闭'}")


@files_only
def add_word(
    store: Store | None, ctx: JobContext, aspect: str, kind: str, word: str, *, pack: str | None = None
) -> OpChanges:
    """Add ``word`` to an aspect's ``kind`` list (of the general lexicon, or of ``pack``), and save."""
    from cxdesk.analysis.aspect_lexicon_edit import load_draft

    draft = load_draft()
    file = pack_file(draft, pack) if pack else MAIN
    word = draft.add_word(file, aspect, kind, word)
    return save(store, ctx, draft, summary=f"已把「{word}」添加为「{aspect}」的{KINDS[kind]}")


@files_only
def remove_word(
    store: Store | None, ctx: JobContext, aspect: str, kind: str, word: str, *, pack: str | None = None
) -> OpChanges:
    """Remove ``word`` from an aspect's ``kind`` list (of the general lexicon, or of ``pack``), and save."""
    from cxdesk.analysis.aspect_lexicon_edit import load_draft

    draft = load_draft()
    file = pack_file(draft, pack) if pack else MAIN
    word = word.strip()
    if not draft.remove_word(file, aspect, kind, word):
        raise LexiconEditError(f"「{aspect}」的{KINDS[kind]}中没有「{word}」")
    return save(store, ctx, draft, summary=f"已从「{aspect}」的{KINDS[kind]}中删除「{word}」")
