"""Typed errors whose message is shown to the user (in Chinese).

The CLI prints ``str(err)`` and exits non-zero; the GUI shows it inline or in
a dialog. ``Cancelled`` is not an error to report: callers swallow it.
"""

from __future__ import annotations


class CxdeskError(Exception):
    """Base for every expected failure; ``str()`` is a user-facing message."""


class Cancelled(Exception):
    """The user cancelled a running job. Not a failure: never show a dialog."""


class StoreError(CxdeskError):
    """The database cannot be opened or used."""


class NotADatabaseError(StoreError):
    """The file given as database is not a cxdesk SQLite database."""


class NewerSchemaError(StoreError):
    """The database was written by a newer cxdesk; refuse rather than alter it."""


class ReadOnlyStoreError(StoreError):
    """The database or its folder cannot be written."""


class ImportFormatError(CxdeskError):
    """A file cannot be read as the kind of export it was offered as."""


class TriageConflictError(CxdeskError):
    """Someone else changed a risk flag after the user's screen read it (optimistic locking, see
    ``risk_flags.version``): nothing of the triage was saved. ``flag_ids``: the flags changed (or
    gone) meanwhile; the message says who changed the first of them, when, and to what."""

    def __init__(self, message: str, flag_ids: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.flag_ids = tuple(flag_ids)

    def __reduce__(self) -> tuple:  # keeps flag_ids across a process boundary (pickling)
        return (type(self), (str(self), self.flag_ids))
