"""Streaming verification of one account's history against its account item's head.

An account's entries are read once, in version order, with constant memory. Each entry is
checked against its stored predecessor (link, balance, time), then the account item's head is
checked against the last entry: together that is "the chain recomputes to the head hash", but a
tampered entry is named by its own version instead of every successor failing after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from services.domain.model import Account
from services.integrity.chain import (
    ChainedEntry,
    NotCanonical,
    entry_hash,
    genesis_hash,
    is_hash,
)
from services.integrity.problems import (
    Problem,
    ProblemKind,
    VerificationSummary,
    signed_amount,
)


@dataclass(frozen=True, slots=True)
class AccountHead:
    """What the account item says its history is."""

    account_id: str
    version: int
    balance: Decimal
    currency: str
    #: None when the item has no head hash (written before the chain existed, or stripped).
    hash: str | None

    @classmethod
    def of(cls, account: Account, hash: str | None) -> AccountHead:
        return cls(account.id, account.version, account.balance, account.currency, hash)


class AccountVerifier:
    """Checks one account's entries fed in version order; O(1) memory however long the history."""

    def __init__(self, account_id: str, currency: str | None = None) -> None:
        self.account_id = account_id
        self.currency = currency
        self.entries = 0
        self._next_version = 1
        self._link = genesis_hash(account_id)  # the predecessor's stored hash
        self._balance = Decimal(0)  # the predecessor's stored balance_after
        self._posted = Decimal(0)  # the sum of every entry's change
        self._last_at: datetime | None = None

    def check(self, entry: ChainedEntry) -> list[Problem]:
        """Problems of this entry, given the entries fed before it."""
        self.entries += 1
        version = entry.version
        problems: list[Problem] = []

        def problem(kind: ProblemKind, message: str, at: int | None = version) -> None:
            problems.append(Problem(self.account_id, at, kind, message))

        if type(version) is not int or version < self._next_version:
            problem(
                ProblemKind.VERSION_ORDER, f"version {version!r} after {self._next_version - 1}"
            )
            return problems  # a replayed or misplaced entry must not move the running state
        # After a gap the predecessor is unknown: compare links only with a real predecessor.
        linked = version == self._next_version
        if not linked:
            missing = range(self._next_version, version)
            problem(
                ProblemKind.VERSION_GAP,
                f"{_versions(missing)} missing: version {version} follows {missing.start - 1}",
                at=missing.start,
            )
        if entry.account_id != self.account_id:
            problem(ProblemKind.ACCOUNT_MISMATCH, f"entry belongs to account {entry.account_id!r}")
        if self.currency is not None and entry.currency != self.currency:
            problem(
                ProblemKind.CURRENCY_MISMATCH,
                f"entry in {entry.currency!r} on an account in {self.currency}",
            )
        if not entry.amount > 0:
            problem(ProblemKind.INVALID_AMOUNT, f"amount {entry.amount} is not positive")

        previous = self._link
        if entry.previous_hash is None or not is_hash(entry.previous_hash):
            problem(ProblemKind.MISSING_HASH, f"previous_hash is {entry.previous_hash!r}")
        else:
            previous = entry.previous_hash
            if linked and previous != self._link:
                problem(
                    ProblemKind.PREVIOUS_HASH_MISMATCH,
                    f"previous_hash {previous} but version {version - 1} hashes to {self._link}",
                )
        try:
            recomputed: str | None = entry_hash(previous, entry)
        except NotCanonical as error:
            problem(ProblemKind.MALFORMED_ENTRY, str(error))
            recomputed = None
        stored = entry.hash
        if stored is None or not is_hash(stored):
            problem(ProblemKind.MISSING_HASH, f"hash is {stored!r}")
            # Carry on from what the chain should have been, so successors are still checked.
            self._link = recomputed or previous
        else:
            if recomputed is not None and stored != recomputed:
                problem(
                    ProblemKind.HASH_MISMATCH,
                    f"stored hash {stored} but contents hash to {recomputed}",
                )
            self._link = stored

        delta = signed_amount(entry)
        if delta is not None:
            self._posted += delta
            if linked and entry.balance_after != self._balance + delta:
                problem(
                    ProblemKind.BALANCE_MISMATCH,
                    f"balance_after {entry.balance_after} but {self._balance} "
                    f"{'+' if delta >= 0 else '-'} {abs(delta)} = {self._balance + delta}",
                )
        self._balance = entry.balance_after

        at = entry.created_at
        if self._last_at is not None and _aware(at) and at < self._last_at:
            problem(
                ProblemKind.TIMESTAMP_ORDER,
                f"created_at {at.isoformat()} is before version {version - 1}'s "
                f"{self._last_at.isoformat()}",
            )
        if _aware(at):
            self._last_at = at
        self._next_version = version + 1
        return problems

    def finish(self, head: AccountHead) -> list[Problem]:
        """Problems of the account item's head against the entries fed."""
        problems: list[Problem] = []
        last = self._next_version - 1
        if head.version != last:
            problems.append(
                Problem(
                    self.account_id,
                    head.version,
                    ProblemKind.HEAD_VERSION_MISMATCH,
                    f"account is at version {head.version} but its last entry is version {last}",
                )
            )
        elif head.hash != self._link:
            problems.append(
                Problem(
                    self.account_id,
                    head.version,
                    ProblemKind.HEAD_HASH_MISMATCH,
                    f"account head hash {head.hash} but version {last} hashes to {self._link}: "
                    f"history up to version {last} was rewritten",
                )
            )
        if head.balance != self._posted:
            problems.append(
                Problem(
                    self.account_id,
                    head.version,
                    ProblemKind.HEAD_BALANCE_MISMATCH,
                    f"account balance {head.balance} but its entries sum to {self._posted}",
                )
            )
        return problems


def verify_entries(
    head: AccountHead,
    entries: Iterable[ChainedEntry],
    summary: VerificationSummary | None = None,
) -> Iterator[Problem]:
    """Every problem of one account whose entries arrive in version order."""
    verifier = AccountVerifier(head.account_id, head.currency)
    for entry in entries:
        yield from _counted(summary, verifier.check(entry), entry=True)
    yield from _counted(summary, verifier.finish(head), account=True)


async def verify_account(
    head: AccountHead,
    entries: AsyncIterable[ChainedEntry],
    summary: VerificationSummary | None = None,
) -> AsyncIterator[Problem]:
    """`verify_entries` over an async stream, e.g. a paginated Query on the account partition."""
    verifier = AccountVerifier(head.account_id, head.currency)
    async for entry in entries:
        for problem in _counted(summary, verifier.check(entry), entry=True):
            yield problem
    for problem in _counted(summary, verifier.finish(head), account=True):
        yield problem


def _counted(
    summary: VerificationSummary | None,
    problems: list[Problem],
    *,
    entry: bool = False,
    account: bool = False,
) -> list[Problem]:
    if summary is not None:
        summary.entries += entry
        summary.accounts += account
        for problem in problems:
            summary.add(problem)
    return problems


def _aware(moment: datetime) -> bool:
    return isinstance(moment, datetime) and moment.utcoffset() is not None


def _versions(missing: range) -> str:
    if len(missing) == 1:
        return f"version {missing.start}"
    return f"versions {missing.start}-{missing.stop - 1}"
