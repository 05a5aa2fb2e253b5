"""User-facing operations: one module per thing a user does, each returning what it changed.

An operation is a plain function ``op(store, ctx, *args, **kwargs) -> OpChanges``:

- ``store`` is the writer's :class:`cxdesk.store.Store` (the only connection that writes);
- ``ctx`` is a :class:`cxdesk.tasks.JobContext` (progress, cancel);
- the other arguments are plain data (ids, texts, paths), never widgets;
- it runs its writes in one place (``with store.transaction():``) and returns an
  :class:`OpChanges` that names the kinds of data it touched, the ids where that is
  useful, a one-line Chinese summary for the status bar and, in ``value``, whatever the
  caller shows (an import summary, an export's path, a report...).

The CLI calls operations directly (:func:`run_op`); the GUI queues them on its one
writer (``ui.operations.OpRunner``), which runs them one at a time off the GUI thread
and then tells every page what changed, so each page reloads only when its data did
(anki's ``OpChanges`` and ``operation_did_execute``, STYLE practice 5).

On a team store the other PCs hear what an operation changed: :func:`announce_changes` sends its
kinds and ids (:func:`cxdesk.store.changes.announce`, a PostgreSQL notification) once it has
written. :func:`run_op` does so itself; the GUI's window announces the operations of its writer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cxdesk.tasks import JobContext, NullContext

__all__ = [
    "ALL_KINDS",
    "ANALYSIS",
    "ANSWERS",
    "BATCHES",
    "BUYERS",
    "CHATS",
    "FAQ",
    "FLAGS",
    "LEXICON",
    "ORDERS",
    "REVIEWS",
    "RISK_SCORES",
    "RULES",
    "SESSION_NOTES",
    "SHOPS",
    "WEIGHTS",
    "OpChanges",
    "announce_changes",
    "files_only",
    "run_op",
]

# --- what can change ---------------------------------------------------------------------------
# A page lists the kinds it shows (``BasePage.watches``) and reloads when an operation touched one.
SHOPS = "shops"  # shops and their platforms
BATCHES = "batches"  # import batches (history, undo)
REVIEWS = "reviews"  # reviews and their texts/ratings
CHATS = "chats"  # chat sessions and messages
ORDERS = "orders"  # orders
ANALYSIS = "analysis"  # derived results: sentiment, aspects, agent KPIs, search index...
FLAGS = "flags"  # risk flags: status, note, handler
RISK_SCORES = "risk_scores"  # session/review risk scores and levels
SESSION_NOTES = "session_notes"  # a session's note and reviewed mark
FAQ = "faq"  # FAQ clusters: labels, pins, hidden, merges, splits
ANSWERS = "answers"  # a FAQ cluster's recommended answer
RULES = "rules"  # risk rules (user rules, rule pack)
WEIGHTS = "weights"  # capability / KPI weights
LEXICON = "lexicon"  # aspect lexicon edits
BUYERS = "buyers"  # a buyer's personal data was deleted
ALL_KINDS = frozenset(
    {
        SHOPS, BATCHES, REVIEWS, CHATS, ORDERS, ANALYSIS, FLAGS, RISK_SCORES,
        SESSION_NOTES, FAQ, ANSWERS, RULES, WEIGHTS, LEXICON, BUYERS,
    }
)  # fmt: skip


@dataclass(frozen=True)
class OpChanges:
    """What one operation changed.

    ``kinds`` are names from this module (``FLAGS``, ``FAQ``...); ``ids`` maps a kind to the
    ids it touched when the operation knows them (``{"flags": (3, 4)}``), so a page can
    update rows in place instead of reloading; ``summary`` is one Chinese sentence for the
    status bar; ``value`` is the operation's own result for its caller. An operation that
    changed nothing returns ``OpChanges(op)`` with no kinds.
    """

    op: str
    kinds: frozenset[str] = frozenset()
    ids: Mapping[str, tuple[int, ...]] = field(default_factory=lambda: MappingProxyType({}))
    summary: str = ""
    value: Any = None

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - ALL_KINDS
        if unknown:
            raise ValueError(f"unknown change kinds: {sorted(unknown)}")
        object.__setattr__(self, "kinds", frozenset(self.kinds))
        object.__setattr__(self, "ids", MappingProxyType({k: tuple(int(i) for i in v) for k, v in self.ids.items()}))

    @classmethod
    def of(
        cls,
        op: str,
        *kinds: str,
        ids: Mapping[str, Iterable[int]] | None = None,
        summary: str = "",
        value: Any = None,
    ) -> OpChanges:
        """``OpChanges.of("triage_flags", FLAGS, RISK_SCORES, ids={FLAGS: ids}, summary=...)``."""
        return cls(op, frozenset(kinds), {k: tuple(v) for k, v in (ids or {}).items()}, summary, value)

    def touches(self, *kinds: str | Iterable[str]) -> bool:
        """True when this operation changed any of ``kinds`` (names or collections of names)."""
        wanted: set[str] = set()
        for k in kinds:
            wanted.update((k,) if isinstance(k, str) else k)
        return bool(self.kinds & wanted)

    def ids_of(self, kind: str) -> tuple[int, ...]:
        """The ids of ``kind`` the operation touched; empty when it does not know or did not touch it."""
        return self.ids.get(kind, ())

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def files_only(op: Callable[..., OpChanges]) -> Callable[..., OpChanges]:
    """Mark an operation that changes only files in the user's resources folder, never the store
    (rules, weights, the aspect lexicon): it is called with ``store=None`` and the GUI runs it at
    once beside the writer instead of queueing it behind a long import."""
    op.files_only = True  # type: ignore[attr-defined]
    return op


def announce_changes(store: Any, changes: OpChanges) -> bool:
    """Tell the other PCs on a team store what ``changes`` touched; whether a notice went out (never on
    SQLite, whose watchers see the file change). A notice that cannot be sent is logged, not raised:
    the operation itself has succeeded."""
    if store is None or not changes.changed:
        return False
    from cxdesk.store.changes import announce

    try:
        return announce(store, changes.op, changes.kinds, changes.ids)
    except Exception as exc:  # noqa: BLE001 - the others only miss one refresh
        logging.getLogger("cxdesk").warning("无法通知其他电脑数据已更新：%s", exc)
        return False


def run_op(
    op: Callable[..., OpChanges], store: Any, *args: Any, ctx: JobContext | None = None, **kwargs: Any
) -> OpChanges:
    """Run one operation where no GUI is involved (CLI, tests, scripts); on a team store the other
    PCs then hear what it changed (:func:`announce_changes`)."""
    changes = op(store, ctx or NullContext(), *args, **kwargs)
    if isinstance(changes, OpChanges) and not getattr(op, "files_only", False):
        announce_changes(store, changes)
    return changes
