"""Editing the aspect lexicon and its category packs (设置 → 评价方面词表).

The lexicon read by :class:`cxdesk.analysis.aspects.AspectLexicon` is
``lexicons/aspects.json`` plus the category packs its ``packs`` names
(``aspects_food.json`` …). A shop edits it through a :class:`LexiconDraft`:

- :func:`load_draft` reads the effective files (the user's copy in the data
  folder's ``resources/lexicons/`` when there is one, else the bundled file)
  and every pack file found in either folder, on or off;
- the draft lists aspects with their words (:meth:`LexiconDraft.aspects`) and
  packs (:meth:`LexiconDraft.packs`); it adds and removes words, adds aspects
  and turns packs on or off, refusing a bad word at once with a message for
  the user (:class:`LexiconEditError`);
- :func:`save_draft` checks the draft again, writes the user's copies
  (``.part`` then rename; the bundled files are never written), checks that
  the lexicon still loads (else puts the previous files back) and returns
  the written paths. A file equal to the bundled one is not copied (an old
  copy is removed). The aspect stage's version contains the lexicon's
  fingerprint, so the next analysis re-reads every review;
- :func:`restore_defaults` deletes the user's copies the editor can write.

A copy written here records what the user changed against the bundled file
(``editor_changes``: words added and removed per aspect, packs turned on or
off, and a hash of the bundled file it was made from). When a newer cxdesk
ships a different bundled file, :func:`load_draft` applies those changes to
the new bundled file (:attr:`LexiconDraft.rebased` names the files), so the
shop keeps its words without freezing the old lexicon; saving writes the
result. A copy the user made by hand (no ``editor_changes``) is edited as it
is and never re-based.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from cxdesk.analysis.aspects import ASPECTS_FILE, AspectLexicon
from cxdesk.errors import CxdeskError
from cxdesk.outpaths import write_text_atomic
from cxdesk.paths import resources_dir, user_resources_dir
from cxdesk.textprep import fold

MAIN = ASPECTS_FILE[1]  # aspects.json
PACK_GLOB = "aspects_*.json"
KINDS = {"triggers": "提示词", "positive": "好评说法", "negative": "差评说法"}
GENERAL = "通用"  # the category label of the aspects of aspects.json
CHANGES_KEY = "editor_changes"
MAX_WORD = 12  # characters; the bundled words have at most 8
MAX_NAME = 12
_WORD_OK = re.compile(r"[0-9a-zA-Z\u3400-\u4dbf\u4e00-\u9fff]+")


class LexiconEditError(CxdeskError):
    """An edit or a save the editor refuses; the message is for the user."""


@dataclass(frozen=True)
class AspectInfo:
    name: str
    file: str  # aspects.json or the pack file it belongs to
    category: str  # 通用 or the pack's category (餐饮/食品)
    words: dict[str, tuple[str, ...]]  # kind (triggers/positive/negative) → words
    added: frozenset[str]  # words not in the bundled file (the shop's own)
    user_made: bool  # an aspect the bundled file does not have


@dataclass(frozen=True)
class PackInfo:
    file: str
    category: str
    on: bool
    cues: tuple[str, ...]  # a review containing one of them is read with the pack
    aspects: tuple[str, ...]
    bundled: bool  # shipped with cxdesk (else a file the user added)


def user_lexicon_dir() -> Path:
    return user_resources_dir() / ASPECTS_FILE[0]


def bundled_lexicon_dir() -> Path:
    return resources_dir() / ASPECTS_FILE[0]


def _read(path: Path) -> tuple[bytes, dict]:
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8-sig"))
    except OSError as exc:
        raise LexiconEditError(f"读不了词表文件“{path}”（{exc.strerror or exc}）") from None
    except ValueError as exc:
        raise LexiconEditError(f"词表文件“{path}”不是有效的 JSON（{str(exc)[:60]}）") from None
    if not isinstance(data, dict) or not isinstance(data.get("aspects", []), list):
        raise LexiconEditError(f"词表文件“{path}”格式不对：应有 aspects 列表")
    return raw, data


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def _texts(value: object) -> list[str]:
    return [str(x) for x in value] if isinstance(value, list) else []


def _aspect_words(aspect: dict) -> dict[str, list[str]]:
    return {kind: _texts(aspect.get(kind)) for kind in KINDS}


def _by_name(data: dict) -> dict[str, dict]:
    return {str(a.get("name", "")).strip(): a for a in data.get("aspects", []) if isinstance(a, dict)}


def changes_between(data: dict, base: dict) -> dict:
    """What ``data`` adds to and removes from ``base``: words per aspect, and packs turned on/off."""
    added: dict[str, dict[str, list[str]]] = {}
    removed: dict[str, dict[str, list[str]]] = {}
    base_aspects = _by_name(base)
    for name, aspect in _by_name(data).items():
        old = _aspect_words(base_aspects.get(name, {}))
        for kind, words in _aspect_words(aspect).items():
            more = [w for w in words if w not in old[kind]]
            less = [w for w in old[kind] if w not in words]
            if more or name not in base_aspects:
                added.setdefault(name, {})[kind] = more
            if less:
                removed.setdefault(name, {})[kind] = less
    out: dict = {"added": added, "removed": removed}
    if "packs" in base or "packs" in data:
        now, before = _texts(data.get("packs")), _texts(base.get("packs"))
        out["packs_on"] = [p for p in now if p not in before]
        out["packs_off"] = [p for p in before if p not in now]
    cues_now, cues_before = _texts(data.get("cues")), _texts(base.get("cues"))
    if cues_now != cues_before:
        out["cues_added"] = [w for w in cues_now if w not in cues_before]
        out["cues_removed"] = [w for w in cues_before if w not in cues_now]
    return out


def apply_changes(base: dict, changes: dict) -> dict:
    """``base`` with ``changes`` (as :func:`changes_between` makes them) applied; ``base`` is not modified."""
    data = copy.deepcopy(base)
    data.pop(CHANGES_KEY, None)
    aspects = data.setdefault("aspects", [])
    names = _by_name(data)
    for name, kinds in (changes.get("added") or {}).items():
        if name not in names:
            names[name] = {"name": name, **{kind: [] for kind in KINDS}}
            aspects.append(names[name])
        for kind, words in (kinds or {}).items():
            if kind in KINDS:
                have = names[name].setdefault(kind, [])
                have += [w for w in _texts(words) if w not in have]
    for name, kinds in (changes.get("removed") or {}).items():
        if name in names:
            for kind, words in (kinds or {}).items():
                if kind in KINDS and kind in names[name]:
                    names[name][kind] = [w for w in _texts(names[name][kind]) if w not in _texts(words)]
    if "packs_on" in changes or "packs_off" in changes:
        packs = [p for p in _texts(data.get("packs")) if p not in _texts(changes.get("packs_off"))]
        data["packs"] = packs + [p for p in _texts(changes.get("packs_on")) if p not in packs]
    if "cues_added" in changes or "cues_removed" in changes:
        cues = [w for w in _texts(data.get("cues")) if w not in _texts(changes.get("cues_removed"))]
        data["cues"] = cues + [w for w in _texts(changes.get("cues_added")) if w not in cues]
    return data


class LexiconDraft:
    """The lexicon files being edited (effective contents), with the bundled ones to compare."""

    def __init__(
        self,
        files: dict[str, dict],
        bundled: dict[str, tuple[bytes, dict] | None],
        hand_made: set[str],
        rebased: list[str],
        notes: list[str],
    ) -> None:
        self.files = files  # file name → effective data (aspects.json first)
        self.bundled = bundled  # file name → (bytes, data) of the bundled file, None for the user's own pack
        self.hand_made = hand_made  # user copies without editor_changes: edited as they are
        self.rebased = rebased  # copies whose changes were applied to a newer bundled file (save to keep)
        self.notes = notes  # files that could not be read (the bundled one is shown instead)
        self._saved = self._state()

    # --- reading ----------------------------------------------------------------------------

    def _state(self) -> str:
        return json.dumps(self.files, ensure_ascii=False, sort_keys=True)

    def modified(self) -> bool:
        """Whether anything changed since the draft was loaded or saved."""
        return self._state() != self._saved

    def mark_saved(self) -> None:
        self._saved = self._state()

    def pack_files(self) -> list[str]:
        return [name for name in self.files if name != MAIN]

    def packs_on(self) -> list[str]:
        return [p for p in _texts(self.files[MAIN].get("packs")) if p in self.files]

    def category(self, file: str) -> str:
        return GENERAL if file == MAIN else str(self.files[file].get("category") or file)

    def packs(self) -> list[PackInfo]:
        on = set(self.packs_on())
        return [
            PackInfo(
                name,
                self.category(name),
                name in on,
                tuple(_texts(data.get("cues"))),
                tuple(_by_name(data)),
                self.bundled.get(name) is not None,
            )
            for name, data in self.files.items()
            if name != MAIN
        ]

    def aspects(self) -> list[AspectInfo]:
        """The aspects of aspects.json, then those of each pack (on or off), in file order."""
        out = []
        for name in [MAIN] + self.pack_files():
            for aspect_name in _by_name(self.files[name]):
                out.append(self.aspect(aspect_name, name))
        return out

    def aspect(self, name: str, file: str = MAIN) -> AspectInfo:
        aspect = self._aspect(name, file)
        base = self.bundled.get(file)
        base_aspect = _by_name(base[1]).get(name) if base else None
        words = {kind: tuple(w) for kind, w in _aspect_words(aspect).items()}
        old = {fold(w) for ws in _aspect_words(base_aspect or {}).values() for w in ws}
        added = frozenset(w for ws in words.values() for w in ws if fold(w) not in old)
        return AspectInfo(name, file, self.category(file), words, added, base_aspect is None)

    def _aspect(self, name: str, file: str) -> dict:
        if file not in self.files:
            raise LexiconEditError(f"没有词表文件 {file}")
        aspect = _by_name(self.files[file]).get(name)
        if aspect is None:
            raise LexiconEditError(f"「{self.category(file)}」词表中没有方面「{name}」")
        return aspect

    # --- editing ----------------------------------------------------------------------------

    def check_word(self, file: str, aspect: str, kind: str, word: str) -> str:
        """The word as it will be stored (spaces at either end dropped), or LexiconEditError saying why not."""
        if kind not in KINDS:
            raise LexiconEditError(f"未知的词类「{kind}」")
        word = word.strip()
        label = KINDS[kind]
        if not word:
            raise LexiconEditError(f"{label}不能为空")
        if len(word) > MAX_WORD:
            raise LexiconEditError(f"「{word}」太长：一个词最多 {MAX_WORD} 个字，请写评价里常见的短说法")
        if not _WORD_OK.fullmatch(word):
            raise LexiconEditError(f"「{word}」只能包含汉字、字母和数字（不要标点和空格；几个词请分开添加）")
        if len(word) < 2:
            raise LexiconEditError(
                f"「{word}」只有一个字：单字会出现在太多词里（如「假」在「暑假」里），请至少写两个字"
            )
        key = fold(word)
        data = self.files[file]
        own = _aspect_words(self._aspect(aspect, file))
        if key in {fold(w) for w in own[kind]}:
            raise LexiconEditError(f"「{word}」已经是「{aspect}」的{label}")
        for other_kind, words in own.items():
            if key in {fold(w) for w in words}:
                if {kind, other_kind} == {"positive", "negative"}:
                    raise LexiconEditError(
                        f"「{word}」已经是「{aspect}」的{KINDS[other_kind]}，"
                        f"不能同时是{label}：同一个说法不能既是好评又是差评"
                    )
                raise LexiconEditError(f"「{word}」已经是「{aspect}」的{KINDS[other_kind]}，请先删除再添加")
        for name, other in _by_name(data).items():
            if name == aspect:
                continue
            for other_kind, words in _aspect_words(other).items():
                if key in {fold(w) for w in words}:
                    where = "" if file == MAIN else f"（{self.category(file)}）"
                    raise LexiconEditError(
                        f"「{word}」已经是「{name}」{where}的{KINDS[other_kind]}：一个词只能属于一个方面"
                    )
        general = self.files[MAIN]
        for polarity, words in (general.get("opinions") or {}).items():
            if key in {fold(w) for w in _texts(words)}:
                raise LexiconEditError(
                    f"「{word}」是通用评价词（{polarity}，不指明方面，如「很好」「失望」），"
                    "不能放进某个方面；请写带方面的说法，如「发货快」"
                )
        if key in {fold(w) for w in _texts(general.get("negators"))}:
            raise LexiconEditError(f"「{word}」是否定词（用来翻转好坏，如「不太满意」），不能放进某个方面")
        if key in {fold(w) for w in _texts(general.get("ignore"))}:
            raise LexiconEditError(f"「{word}」在词表中被设为忽略的词（如「特别」「差不多」），不能放进某个方面")
        return word

    def add_word(self, file: str, aspect: str, kind: str, word: str) -> str:
        """Add ``word`` to ``aspect``'s list ``kind`` (see :data:`KINDS`); returns the stored word."""
        word = self.check_word(file, aspect, kind, word)
        self._aspect(aspect, file).setdefault(kind, []).append(word)
        return word

    def remove_word(self, file: str, aspect: str, kind: str, word: str) -> bool:
        entry = self._aspect(aspect, file)
        words = _texts(entry.get(kind))
        if word not in words:
            return False
        entry[kind] = [w for w in words if w != word]
        return True

    def add_aspect(self, name: str, file: str = MAIN) -> str:
        """A new, empty aspect in ``file`` (aspects.json: every review; a pack: that category's reviews)."""
        name = name.strip()
        if not name:
            raise LexiconEditError("请填写方面名称，如「售后」")
        if len(name) > MAX_NAME:
            raise LexiconEditError(f"方面名称最多 {MAX_NAME} 个字")
        if not re.fullmatch(r"[0-9a-zA-Z\u3400-\u4dbf\u4e00-\u9fff/]+", name):
            raise LexiconEditError("方面名称只能用汉字、字母、数字和「/」")
        if file not in self.files:
            raise LexiconEditError(f"没有词表文件 {file}")
        if name == str(self.files[MAIN].get("overall", "整体")):
            raise LexiconEditError(f"「{name}」是没有指明方面的评价所用的名称，请换一个")
        if name in _by_name(self.files[file]):
            raise LexiconEditError(f"已经有方面「{name}」")
        self.files[file].setdefault("aspects", []).append({"name": name, **{kind: [] for kind in KINDS}})
        return name

    def remove_aspect(self, name: str, file: str = MAIN) -> None:
        """Delete an aspect the shop added (the bundled ones stay: remove their words instead)."""
        if not self.aspect(name, file).user_made:
            raise LexiconEditError(f"「{name}」是内置方面，不能删除；可以删除它的词")
        data = self.files[file]
        data["aspects"] = [a for a in data.get("aspects", []) if not (isinstance(a, dict) and a.get("name") == name)]

    def set_pack(self, file: str, on: bool) -> None:
        """Use the category pack ``file`` for this shop's reviews (on) or never (off)."""
        if file not in self.files or file == MAIN:
            raise LexiconEditError(f"没有类目词表 {file}")
        packs = _texts(self.files[MAIN].get("packs"))
        if on and file not in packs:
            # The first pack whose cues a review holds reads it: keep the shipped order.
            shipped = _texts(self.bundled[MAIN][1].get("packs")) if self.bundled.get(MAIN) else []
            rank = {name: i for i, name in enumerate(shipped)}
            packs = sorted(packs + [file], key=lambda p: rank.get(p, len(rank)))
        elif not on:
            packs = [p for p in packs if p != file]
        self.files[MAIN]["packs"] = packs

    # --- checking ---------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """What keeps the draft from being saved: new aspects without words, and any word the shop
        added that :meth:`check_word` would refuse now (the bundled words are not judged)."""
        out = []
        for file in [MAIN] + self.pack_files():
            for info in [self.aspect(n, file) for n in _by_name(self.files[file])]:
                if info.user_made and not any(info.words.values()):
                    out.append(f"新方面「{info.name}」还没有词：请至少添加一个提示词或好评/差评说法，或删除这个方面")
                for kind, words in info.words.items():
                    for word in words:
                        if word not in info.added:
                            continue
                        entry = self._aspect(info.name, file)
                        entry[kind] = [w for w in _texts(entry.get(kind)) if w != word]  # check it as if new
                        try:
                            self.check_word(file, info.name, kind, word)
                        except LexiconEditError as exc:
                            out.append(str(exc))
                        finally:
                            entry[kind] = list(words)
        return list(dict.fromkeys(out))


def load_draft() -> LexiconDraft:
    """The effective lexicon files (user copies over bundled), every pack file of both folders included."""
    names = [MAIN] + sorted(
        {
            p.name
            for folder in (bundled_lexicon_dir(), user_lexicon_dir())
            for p in folder.glob(PACK_GLOB)
            if p.is_file()
        }
    )
    files: dict[str, dict] = {}
    bundled: dict[str, tuple[bytes, dict] | None] = {}
    hand_made: set[str] = set()
    rebased: list[str] = []
    notes: list[str] = []
    for name in names:
        bundled_path, user_path = bundled_lexicon_dir() / name, user_lexicon_dir() / name
        bundled[name] = _read(bundled_path) if bundled_path.exists() else None
        data = None
        if user_path.exists():
            try:
                data = _read(user_path)[1]
            except LexiconEditError as exc:
                if bundled[name] is None:
                    notes.append(f"{exc}；这个类目词表没有列出")
                    continue
                notes.append(f"{exc}；这里显示内置版本，保存时会替换这个文件")
        if data is not None and bundled[name] is not None:
            changes = data.get(CHANGES_KEY)
            if not isinstance(changes, dict) or not changes.get("based_on"):
                hand_made.add(name)
            elif changes["based_on"] != _digest(bundled[name][0]):
                data = apply_changes(bundled[name][1], changes)
                rebased.append(name)
        if data is None:
            data = copy.deepcopy(bundled[name][1]) if bundled[name] is not None else None
        if data is None:
            continue
        data.pop(CHANGES_KEY, None)
        files[name] = data
    return LexiconDraft(files, bundled, hand_made, rebased, notes)


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def save_draft(draft: LexiconDraft) -> list[Path]:
    """Write the user's copies of the draft's files; the paths written (or removed as equal to bundled).

    Raises :class:`LexiconEditError` (nothing written, or the previous files put back) when the draft
    has problems or the lexicon would not load.
    """
    problems = draft.problems()
    if problems:
        raise LexiconEditError("还不能保存：\n" + "\n".join(problems))
    previous: dict[Path, bytes | None] = {}
    touched: list[Path] = []
    try:
        for name, data in draft.files.items():
            path = user_lexicon_dir() / name
            base = draft.bundled.get(name)
            previous[path] = path.read_bytes() if path.exists() else None
            if (
                base is not None
                and name not in draft.hand_made
                and data == {k: v for k, v in base[1].items() if k != CHANGES_KEY}
            ):
                if path.exists():  # the same as shipped: no copy, so a newer cxdesk's file is used as it is
                    path.unlink()
                    touched.append(path)
                continue
            if base is None or name in draft.hand_made:  # written as it is (no re-basing)
                try:
                    unchanged = previous[path] is not None and _read(path)[1] == data
                except LexiconEditError:
                    unchanged = False
                if unchanged:
                    continue
                out = data
            else:
                changes = changes_between(data, base[1])
                changes = {
                    "note": "由 cxdesk 设置 → 评价方面词表 写入：相对内置词表的修改（升级后套用到新版本）；"
                    "删除本文件即恢复内置词表",
                    "based_on": _digest(base[0]),
                    **changes,
                }
                out = {**data, CHANGES_KEY: changes}
            _write(path, out)
            touched.append(path)
        AspectLexicon.load()  # the analysis must still be able to read it
    except (OSError, CxdeskError) as exc:
        for path, raw in previous.items():
            try:
                if raw is None:
                    path.unlink(missing_ok=True)
                elif not path.exists() or path.read_bytes() != raw:
                    path.write_bytes(raw)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise LexiconEditError(f"无法保存词表（{exc.strerror or exc}），文件没有改动") from None
        raise LexiconEditError(f"保存后词表无法读取，已恢复原来的文件：{exc}") from None
    draft.rebased = []
    draft.mark_saved()
    return touched


def user_copies() -> list[Path]:
    """The user's copies of the bundled lexicon files (what :func:`restore_defaults` deletes)."""
    names = [MAIN] + sorted(p.name for p in bundled_lexicon_dir().glob(PACK_GLOB))
    return [user_lexicon_dir() / n for n in names if (user_lexicon_dir() / n).is_file()]


def restore_defaults() -> list[Path]:
    """Delete the user's copies of aspects.json and of the bundled packs; the deleted paths.

    A pack file the user added (no bundled file of that name) is kept, but it is off again
    (the bundled aspects.json does not name it).
    """
    removed = []
    for path in user_copies():
        try:
            path.unlink()
        except OSError as exc:
            raise LexiconEditError(f"无法删除“{path}”（{exc.strerror or exc}）") from None
        removed.append(path)
    return removed


def summary(draft: LexiconDraft | None = None) -> str:
    """One or two lines for the 设置 page: aspects, packs on/off, whether the shop changed it."""
    try:
        draft = draft or load_draft()
    except LexiconEditError as exc:
        return str(exc)
    general = len(_by_name(draft.files[MAIN]))
    packs = "；".join(f"{p.category}（{'已开启' if p.on else '未开启'}）" for p in draft.packs()) or "无"
    copies = user_copies()
    mine = f"已按本店修改（保存在 {user_lexicon_dir()}）" if copies else "使用内置词表"
    added = sum(len(a.added) for a in draft.aspects())
    if added:
        mine += f"，本店添加了 {added} 个词"
    return f"通用方面 {general} 个；类目词表：{packs}。{mine}。"
