"""``lexicon``: the review aspect lexicon and its category packs (the same as 设置 → 评价方面词表).

``list`` shows the category packs (on/off) and the aspects with their word
counts and the shop's own words; ``pack``, ``add``, ``remove`` change the
user's copy in the data folder through the same operations as the 设置
editor (:mod:`cxdesk.ops.lexicon`, checked and saved by
:mod:`cxdesk.analysis.aspect_lexicon_edit`); ``restore`` deletes it. The
next ``analyze`` re-reads every review.
"""

from __future__ import annotations

import argparse

from cxdesk.errors import CxdeskError

_AFTER_SAVE = "下次 analyze（或「分析数据」）时按新词表重新读取全部评价。"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lexicon", help="查看或修改评价方面词表：类目词表开关、添加/删除词、恢复内置词表（同 设置 → 评价方面词表）"
    )
    p.add_argument(
        "action",
        choices=["list", "pack", "add", "remove", "restore"],
        help="list（列出）、pack（开关类目词表）、add / remove（添加/删除词）或 restore（恢复内置词表）",
    )
    p.add_argument(
        "values",
        nargs="*",
        metavar="ARG",
        help="pack：类目 on|off（如 餐饮/食品 off）；add / remove：方面 词类 词"
        "（词类为 triggers 提示词、positive 好评说法、negative 差评说法）",
    )
    p.add_argument(
        "--category",
        metavar="类目",
        default=None,
        help="add / remove：方面所在的类目词表（默认：通用词表 aspects.json）",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Each change is one of :mod:`cxdesk.ops.lexicon` (the editor's operations); the lexicon lives in
    the user's resources folder, so no store is opened."""
    from cxdesk.analysis import aspect_lexicon_edit as edit
    from cxdesk.ops import lexicon, run_op

    if args.action == "list":
        return _list(edit.load_draft())
    if args.action == "restore":
        removed = run_op(lexicon.restore, None).value
        print(
            ("已删除 " + "、".join(str(p) for p in removed) + "，恢复内置词表。" + _AFTER_SAVE)
            if removed
            else "本来就在使用内置词表。"
        )
        return 0
    if args.action == "pack":
        if len(args.values) != 2 or args.values[1] not in ("on", "off"):
            raise CxdeskError("用法：python main.py lexicon pack 类目 on|off，例如 lexicon pack 餐饮/食品 off")
        changes = run_op(lexicon.set_pack, None, args.values[0], args.values[1] == "on")
    else:
        if len(args.values) != 3 or args.values[1] not in edit.KINDS:
            raise CxdeskError(
                f"用法：python main.py lexicon {args.action} 方面 词类 词 [--category 类目]，"
                "词类为 triggers、positive 或 negative，例如 lexicon add 物流/快递 negative 送餐太慢"
            )
        op = lexicon.add_word if args.action == "add" else lexicon.remove_word
        changes = run_op(op, None, *args.values, pack=args.category)
    print(f"{changes.summary}，已保存到 {edit.user_lexicon_dir()}。{_AFTER_SAVE}")
    return 0


def _list(draft) -> int:
    from cxdesk.analysis.aspect_lexicon_edit import MAIN

    on = set(draft.packs_on())
    print("类目词表（评价里出现识别词时按该类目的词来读）：")
    for pack in draft.packs():
        print(
            f"  {pack.category}（{pack.file}）：{'开启' if pack.file in on else '关闭'}；"
            f"识别词 {'、'.join(pack.cues[:6])}{'…' if len(pack.cues) > 6 else ''}"
        )
    print("方面（提示词 / 好评说法 / 差评说法 的个数；本店添加的词）：")
    for info in draft.aspects():
        where = "" if info.file == MAIN else f"［{info.category}］"
        counts = " / ".join(str(len(info.words[k])) for k in ("triggers", "positive", "negative"))
        mine = f"；本店添加：{'、'.join(sorted(info.added))}" if info.added else ""
        print(f"  {info.name}{where}：{counts}{mine}")
    for note in draft.notes:
        print(f"注意：{note}")
    return 0
