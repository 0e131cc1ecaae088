"""Proofs for clients: does the account's current history extend a digest the client kept?

A client that stored `Digest(version, hash)` earlier asks whether today's history still contains
that exact prefix. It does when the entry at `digest.version` still has that hash and every later
entry links to its predecessor, recomputes to its stored hash, and the last is the account head.
Walks `head.version - digest.version + 1` entries and stops at the first break.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass

from services.integrity.chain import (
    ChainedEntry,
    Digest,
    NotCanonical,
    entry_hash,
    genesis_hash,
    is_hash,
)


@dataclass(frozen=True, slots=True)
class ProofResult:
    extends: bool
    #: Why the history does not extend the digest, for the client; None when it does.
    reason: str | None
    #: Entries walked, so callers can bound or bill the work.
    checked: int


class _ProofWalk:
    def __init__(self, account_id: str, digest: Digest, head: Digest) -> None:
        self.digest = digest
        self.head = head
        self.checked = 0
        self.failure: str | None = None
        self._next_version = digest.version
        self._running = ""
        if type(digest.version) is not int or digest.version < 0 or not is_hash(digest.hash):
            self.failure = "the digest is malformed"
        elif digest.version > head.version:
            self.failure = (
                f"the digest is at version {digest.version} but the account is at {head.version}"
            )
        elif digest.version == 0:
            self._running = genesis_hash(account_id)
            self._next_version = 1
            if digest.hash != self._running:
                self.failure = "the digest at version 0 is not this account's genesis"

    @property
    def needs_more(self) -> bool:
        return self.failure is None and self._next_version <= self.head.version

    def step(self, entry: ChainedEntry) -> bool:
        """Check one more entry; False once the walk has failed or is complete."""
        self.checked += 1
        version = self._next_version
        if entry.version != version:
            self.failure = f"expected version {version}, found {entry.version!r}"
            return False
        stored, previous = entry.hash, entry.previous_hash
        if stored is None or previous is None or not is_hash(stored):
            self.failure = f"version {version} has no stored hash"
            return False
        if version == self.digest.version:
            if stored != self.digest.hash:
                self.failure = f"version {version} now has hash {stored}, not {self.digest.hash}"
                return False
        elif previous != self._running:
            self.failure = f"version {version} does not link to version {version - 1}"
            return False
        try:
            recomputed = entry_hash(previous, entry)
        except NotCanonical:
            recomputed = None
        if recomputed != stored:
            self.failure = f"version {version} no longer matches its hash"
            return False
        self._running = stored
        self._next_version += 1
        return self.needs_more

    def result(self) -> ProofResult:
        if self.failure is None:
            last = self._next_version - 1
            if last != self.head.version:
                self.failure = (
                    f"history ends at version {last}, the account is at {self.head.version}"
                )
            elif self._running != self.head.hash:
                self.failure = "the account head does not match its last entry"
        return ProofResult(self.failure is None, self.failure, self.checked)


def extends(
    account_id: str, digest: Digest, head: Digest, entries: Iterable[ChainedEntry]
) -> ProofResult:
    """Whether the history with `head` extends `digest`; `entries` start at `digest.version`
    (at 1 for a version-0 digest) in version order and are read only as far as needed."""
    walk = _ProofWalk(account_id, digest, head)
    if walk.needs_more:
        for entry in entries:
            if not walk.step(entry):
                break
    return walk.result()


async def extends_stream(
    account_id: str, digest: Digest, head: Digest, entries: AsyncIterable[ChainedEntry]
) -> ProofResult:
    """`extends` over an async stream, e.g. a Query from the digest's sort key upwards."""
    walk = _ProofWalk(account_id, digest, head)
    if walk.needs_more:
        async for entry in entries:
            if not walk.step(entry):
                break
    return walk.result()
