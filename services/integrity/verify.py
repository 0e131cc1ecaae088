"""Streaming verification of one account's history, and of one transfer against its entries.

An account's entries are read once, in version order, with constant memory. Each entry is
checked against its stored predecessor (link, balance, time), then the account item's head is
checked against the last entry: together that is "the chain recomputes to the head hash", but a
tampered entry is named by its own version instead of every successor failing after it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from services.integrity.chain import (
    ChainedEntry,
    EntryFields,
    NotCanonical,
    entry_hash,
    genesis_hash,
    is_hash,
)
from services.model import Account, Direction, Transfer


class ProblemKind(StrEnum):
    #: Versions must run 1, 2, 3, ...: a missing version is a deleted entry.
    VERSION_GAP = "VERSION_GAP"
    #: A version repeated or out of order.
    VERSION_ORDER = "VERSION_ORDER"
    ACCOUNT_MISMATCH = "ACCOUNT_MISMATCH"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    #: Zero or negative amount: an entry always moves a positive amount.
    INVALID_AMOUNT = "INVALID_AMOUNT"
    #: The entry has no canonical encoding (excess decimals, naive time, unknown direction...).
    MALFORMED_ENTRY = "MALFORMED_ENTRY"
    MISSING_HASH = "MISSING_HASH"
    #: The entry's stored previous hash is not its predecessor's stored hash.
    PREVIOUS_HASH_MISMATCH = "PREVIOUS_HASH_MISMATCH"
    #: The entry's contents no longer hash to its stored hash.
    HASH_MISMATCH = "HASH_MISMATCH"
    #: balance_after is not the predecessor's balance_after plus this entry's change.
    BALANCE_MISMATCH = "BALANCE_MISMATCH"
    TIMESTAMP_ORDER = "TIMESTAMP_ORDER"
    HEAD_VERSION_MISMATCH = "HEAD_VERSION_MISMATCH"
    #: The account's head hash is not the last entry's hash: history was rewritten.
    HEAD_HASH_MISMATCH = "HEAD_HASH_MISMATCH"
    #: The account's balance is not the sum of its posted entries.
    HEAD_BALANCE_MISMATCH = "HEAD_BALANCE_MISMATCH"
    TRANSFER_ENTRY_MISSING = "TRANSFER_ENTRY_MISSING"
    TRANSFER_ENTRY_EXTRA = "TRANSFER_ENTRY_EXTRA"
    #: An entry disagrees with its transfer record (amount, account, currency, time, memo).
    TRANSFER_MISMATCH = "TRANSFER_MISMATCH"
    TRANSFER_UNBALANCED = "TRANSFER_UNBALANCED"


@dataclass(frozen=True, slots=True)
class Problem:
    account_id: str
    #: The entry's version; the head's version for HEAD_*; None when the entry does not exist.
    version: int | None
    kind: ProblemKind
    message: str

    def __str__(self) -> str:
        where = self.account_id if self.version is None else f"{self.account_id} v{self.version}"
        return f"{where}: {self.kind}: {self.message}"


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

        delta = _delta(entry)
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


@dataclass
class VerificationSummary:
    """Running totals over many accounts, for the progress bar and the final report."""

    accounts: int = 0
    entries: int = 0
    transfers: int = 0
    problems: Counter[ProblemKind] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: Problem) -> None:
        self.problems[problem.kind] += 1

    def render(self) -> str:
        checked = (
            f"{self.accounts} accounts, {self.entries} entries, {self.transfers} transfers checked"
        )
        if self.ok:
            return f"{checked}: no problems"
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.problems.items()))
        return f"{checked}: {self.problems.total()} problems ({kinds})"


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


def check_transfer(transfer: Transfer, entries: Sequence[EntryFields]) -> list[Problem]:
    """Problems of a transfer record against the entries that reference it.

    Expects one DEBIT on the source and one CREDIT on the destination, each naming the other as
    counterparty and repeating the transfer's amount, currency, time and memo.
    """
    problems: list[Problem] = []
    sides = (
        (Direction.DEBIT, transfer.from_account_id, transfer.to_account_id),
        (Direction.CREDIT, transfer.to_account_id, transfer.from_account_id),
    )
    matched: list[EntryFields] = []
    for direction, account_id, counterparty_id in sides:
        candidates = [e for e in entries if e.direction == direction and e.account_id == account_id]
        if not candidates:
            problems.append(
                Problem(
                    account_id,
                    None,
                    ProblemKind.TRANSFER_ENTRY_MISSING,
                    f"transfer {transfer.id} has no {direction} entry on {account_id!r}",
                )
            )
            continue
        entry = candidates[0]
        matched.append(entry)
        expected = {
            "transfer_id": transfer.id,
            "counterparty_id": counterparty_id,
            "amount": transfer.amount,
            "currency": transfer.currency,
            "created_at": transfer.created_at,
            "memo": transfer.memo,
        }
        for name, value in expected.items():
            actual = getattr(entry, name)
            if actual != value:
                problems.append(
                    Problem(
                        entry.account_id,
                        entry.version,
                        ProblemKind.TRANSFER_MISMATCH,
                        f"{name} {actual!s} but transfer {transfer.id} has {value!s}",
                    )
                )
    for entry in entries:
        if not any(entry is m for m in matched):
            problems.append(
                Problem(
                    entry.account_id,
                    entry.version,
                    ProblemKind.TRANSFER_ENTRY_EXTRA,
                    f"{entry.direction} entry {entry.id} references transfer {transfer.id}, "
                    f"which moves {transfer.from_account_id!r} to {transfer.to_account_id!r}",
                )
            )
    deltas = [_delta(entry) for entry in entries]
    total = sum((d for d in deltas if d is not None), Decimal(0))
    # With a side missing the sum is necessarily off; TRANSFER_ENTRY_MISSING already says why.
    if total != 0 and len(matched) == len(sides):
        first = entries[0]
        problems.append(
            Problem(
                first.account_id,
                first.version,
                ProblemKind.TRANSFER_UNBALANCED,
                f"entries of transfer {transfer.id} sum to {total}, not 0",
            )
        )
    return problems


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


def _delta(entry: EntryFields) -> Decimal | None:
    if entry.direction == Direction.CREDIT:
        return entry.amount
    if entry.direction == Direction.DEBIT:
        return -entry.amount
    return None


def _aware(moment: datetime) -> bool:
    return isinstance(moment, datetime) and moment.utcoffset() is not None


def _versions(missing: range) -> str:
    if len(missing) == 1:
        return f"version {missing.start}"
    return f"versions {missing.start}-{missing.stop - 1}"
