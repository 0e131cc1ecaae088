"""Tamper-evident history as use cases: verify, prove a kept digest, balances in the past,
and the entry stream exports read. The rules are `services.integrity`'s; this adds access."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.domain.errors import InvalidInput
from services.domain.model import Account, Entry
from services.identity import policy
from services.identity.principal import SYSTEM, Principal
from services.integrity.audit import Auditor, AuditReader, Progress
from services.integrity.chain import Digest, is_hash
from services.integrity.point_in_time import BalancePoint, balance_at_time, balance_at_version
from services.integrity.problems import Problem, VerificationSummary
from services.integrity.proof import ProofResult, extends_stream
from services.ledger.accounts import AccountService

#: The most entries `verify_history` walks for one request (a client keeping digests
#: checks them more often than that).
MAX_PROOF_ENTRIES = 10_000
#: The most problems `verify_account` returns; the total is in the summary.
MAX_REPORTED_PROBLEMS = 100


class IntegrityReader(AuditReader, Protocol):
    async def entry_at(self, account_id: str, version: int) -> Entry | None: ...

    async def estimated_items(self) -> int: ...


@dataclass(frozen=True, slots=True)
class AccountVerification:
    account: Account
    #: At most MAX_REPORTED_PROBLEMS, in version order.
    problems: list[Problem]
    summary: VerificationSummary

    @property
    def ok(self) -> bool:
        return self.summary.ok


class IntegrityService:
    def __init__(self, reader: IntegrityReader, accounts: AccountService) -> None:
        self._reader = reader
        self._accounts = accounts

    def verify_table(
        self,
        summary: VerificationSummary,
        *,
        segments: int = 4,
        progress: Progress | None = None,
        principal: Principal = SYSTEM,
    ) -> AsyncIterator[Problem]:
        """Every problem in the table (`ledger verify`). Raises Forbidden for a holder."""
        policy.ensure(policy.may_verify_ledger(principal), "only operators verify the ledger")
        return Auditor(self._reader, summary, progress).table(segments)

    async def verify_account(
        self, account_id: str, *, principal: Principal = SYSTEM
    ) -> AccountVerification:
        """One account's history, head and transfers. Raises Forbidden (holders) and
        AccountNotFound."""
        policy.ensure(policy.may_verify_ledger(principal), "only operators verify accounts")
        account = await self._accounts.get_account(account_id, principal=principal)
        auditor = Auditor(self._reader)
        problems: list[Problem] = []
        async for problem in auditor.account(account):
            if len(problems) < MAX_REPORTED_PROBLEMS:
                problems.append(problem)
        return AccountVerification(account, problems, auditor.summary)

    async def verify_history(
        self, account_id: str, version: int, hash: str, *, principal: Principal = SYSTEM
    ) -> ProofResult:
        """Whether the account's current history extends the digest (`version`, `hash`) a
        client kept. Raises AccountNotFound and InvalidInput (negative version, malformed
        hash, or more than MAX_PROOF_ENTRIES entries to walk)."""
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise InvalidInput("version must be zero or more", field="version")
        if not is_hash(hash):
            raise InvalidInput("hash must be 64 lowercase hexadecimal digits", field="hash")
        account = await self._accounts.get_account(account_id, principal=principal)
        if account.head_hash is None:
            return ProofResult(False, "the account's history is not chained yet", 0)
        if account.version - version > MAX_PROOF_ENTRIES:
            raise InvalidInput(
                f"the digest is more than {MAX_PROOF_ENTRIES} versions old: check digests "
                "more often, or ask an operator to verify the account",
                field="version",
            )
        head = Digest(account.version, account.head_hash)
        entries = self._reader.entries(account.id, max(version, 1), account.version)
        return await extends_stream(
            account.id, Digest(version, hash), head, (s.entry async for s in entries)
        )

    async def balance_at(
        self,
        account_id: str,
        *,
        version: int | None = None,
        at: datetime | None = None,
        principal: Principal = SYSTEM,
    ) -> BalancePoint:
        """The balance right after `version`, or as of the moment `at` (exactly one of them):
        one read, or O(log n) reads. Raises AccountNotFound and InvalidInput."""
        if (version is None) == (at is None):
            raise InvalidInput("give exactly one of version and at", field="version")
        account = await self._accounts.get_account(account_id, principal=principal)
        reader = _AccountEntries(self._reader, account)
        if version is not None:
            if isinstance(version, bool) or not isinstance(version, int):
                raise InvalidInput("version must be an integer", field="version")
            if version > account.version:
                raise InvalidInput(f"the account is at version {account.version}", field="version")
            return await balance_at_version(reader, version)
        assert at is not None
        return await balance_at_time(reader, at)

    async def export_entries(
        self, account_id: str | None = None, since: datetime | None = None
    ) -> AsyncIterator[Entry]:
        """Entries oldest first per account (one account, or every account of the table),
        created at or after `since`. Raises AccountNotFound. For the CLI (system principal)."""
        if account_id is not None:
            accounts: AsyncIterator[Account] = _one(await self._accounts.get_account(account_id))
        else:
            accounts = _accounts_of(self._reader)
        async for account in accounts:
            async for stored in self._reader.entries(account.id, 1, account.version):
                if since is None or stored.entry.created_at >= since:
                    yield stored.entry

    async def estimated_items(self) -> int:
        return await self._reader.estimated_items()


class _AccountEntries:
    """`EntryReader` over one account, as read once for the request."""

    def __init__(self, reader: IntegrityReader, account: Account) -> None:
        self._reader = reader
        self._account = account

    async def head_version(self) -> int:
        return self._account.version

    async def entry_at(self, version: int) -> Entry:
        found = await self._reader.entry_at(self._account.id, version)
        if found is None:
            raise LookupError(version)
        return found


async def _one(account: Account) -> AsyncIterator[Account]:
    yield account


async def _accounts_of(reader: IntegrityReader) -> AsyncIterator[Account]:
    async for found in reader.scan(0, 1):
        if isinstance(found, Account):
            yield found
