"""The one hook every commit path calls with the entries it just committed.

Each use case that writes entries (accounts' opening balances, transfers, batches, reversals,
and any new one such as holds) calls `Commits.committed(entries)` once DynamoDB has answered
that its transaction committed, before it returns to its caller. Listeners (the live fast
path) see the same entries the table's stream will carry later; the stream stays the source
of truth, so a listener may miss some, and none may fail or slow the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from services.domain.model import Entry

log = logging.getLogger(__name__)


class CommitListener(Protocol):
    """Told, synchronously and without waiting, about the entries of each commit."""

    def committed(self, entries: Sequence[Entry]) -> None:
        """Must return at once (schedule any I/O); an exception is logged and ignored."""
        ...


class Commits:
    """The ledger's commit hook: a list of listeners, attached once by the composition root."""

    __slots__ = ("_listeners",)

    def __init__(self) -> None:
        self._listeners: tuple[CommitListener, ...] = ()

    def attach(self, listener: CommitListener) -> None:
        self._listeners = (*self._listeners, listener)

    def detach(self, listener: CommitListener) -> None:
        self._listeners = tuple(other for other in self._listeners if other is not listener)

    def committed(self, entries: Sequence[Entry]) -> None:
        """Announce what one transaction committed (an empty list announces nothing). Never
        raises: the commit already happened and the stream will tell it anyway."""
        if not entries:
            return
        for listener in self._listeners:
            try:
                listener.committed(entries)
            except Exception as exc:  # noqa: BLE001 - a listener never fails a commit
                log.warning("commit listener failed", extra={"error": repr(exc)})
