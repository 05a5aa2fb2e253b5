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
