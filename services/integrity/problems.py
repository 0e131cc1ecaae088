"""What verification finds: precise kinds, one value per finding, and running totals."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from services.domain.model import Direction
from services.integrity.chain import EntryFields


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
    #: An entry names a transfer record that does not exist.
    TRANSFER_MISSING = "TRANSFER_MISSING"
    #: An idempotency record points at a transfer that does not exist.
    IDEMPOTENCY_ORPHAN = "IDEMPOTENCY_ORPHAN"


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


def signed_amount(entry: EntryFields) -> Decimal | None:
    """The entry's change to its balance; None for an unknown direction."""
    if entry.direction == Direction.CREDIT:
        return entry.amount
    if entry.direction == Direction.DEBIT:
        return -entry.amount
    if entry.direction in (Direction.HOLD, Direction.RELEASE):
        return Decimal(0)  # a hold moves the pending debits, never the balance
    return None
