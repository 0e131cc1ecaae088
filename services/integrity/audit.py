"""`ledger verify` over a whole table: every account's history, every transfer's two entries
and every idempotency record, with memory independent of the table's size.

The store implements `AuditReader` (parallel Scan segments, paginated Queries, batched reads);
this module only decides what to read next and what is wrong with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from services.domain.model import Account, Direction, Entry, Transfer
from services.integrity.problems import Problem, ProblemKind, VerificationSummary
from services.integrity.transfers import check_transfer
from services.integrity.verify import AccountHead, AccountVerifier

#: Entries whose transfers are read in one batch (two keys each: the transfer, the other side).
TRANSFER_BATCH = 100
IDEMPOTENCY_BATCH = 100


@dataclass(frozen=True, slots=True)
class IdempotencyRef:
    key: str
    transfer_id: str


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry and the version its sort key files it under (they differ only if tampered)."""

    key_version: int
    entry: Entry


class AuditReader(Protocol):
    def scan(self, segment: int, segments: int) -> AsyncIterator[Account | IdempotencyRef]:
        """Account items and idempotency records of one parallel Scan segment."""
        ...

    def entries(self, account_id: str, first: int, last: int) -> AsyncIterator[StoredEntry]:
        """The account's entries with versions `first`..`last`, in version order."""
        ...

    async def transfers(self, transfer_ids: Sequence[str]) -> dict[str, Transfer]: ...

    async def entries_at(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Entry]:
        """Entries by (account id, version); missing ones are absent."""
        ...


Progress = Callable[[int], None]


class Auditor:
    def __init__(
        self,
        reader: AuditReader,
        summary: VerificationSummary | None = None,
        progress: Progress | None = None,
    ) -> None:
        self._reader = reader
        self.summary = summary if summary is not None else VerificationSummary()
        self._progress = progress or (lambda _count: None)

    async def table(self, segments: int = 4) -> AsyncIterator[Problem]:
        """Every problem of the table, found by `segments` Scan segments in parallel."""
        queue: asyncio.Queue[Problem | None] = asyncio.Queue(maxsize=1000)

        async def run(segment: int) -> None:
            try:
                refs: list[IdempotencyRef] = []
                async for found in self._reader.scan(segment, segments):
                    if isinstance(found, IdempotencyRef):
                        refs.append(found)
                        if len(refs) >= IDEMPOTENCY_BATCH:
                            await _put_all(queue, await self.idempotency(refs))
                            refs = []
                        continue
                    async for problem in self.account(found):
                        await queue.put(problem)
                await _put_all(queue, await self.idempotency(refs))
            finally:
                await queue.put(None)

        tasks = [asyncio.create_task(run(segment)) for segment in range(segments)]
        try:
            running = segments
            while running:
                problem = await queue.get()
                if problem is None:
                    running -= 1
                else:
                    yield problem
            await asyncio.gather(*tasks)  # raises what a segment raised
        finally:
            for task in tasks:
                task.cancel()

    async def account(self, account: Account) -> AsyncIterator[Problem]:
        """Every problem of one account's history and of the transfers it took part in."""
        verifier = AccountVerifier(account.id, account.currency)
        pending: list[Entry] = []
        async for stored in self._reader.entries(account.id, 1, account.version):
            entry = stored.entry
            self._progress(1)
            problems: list[Problem] = []
            if stored.key_version != entry.version:
                problems.append(
                    Problem(
                        account.id,
                        stored.key_version,
                        ProblemKind.VERSION_ORDER,
                        f"the item stored as version {stored.key_version} says version "
                        f"{entry.version!r}",
                    )
                )
                entry = replace(entry, version=stored.key_version)
            problems.extend(verifier.check(entry))
            self.summary.entries += 1
            for problem in self._count(problems):
                yield problem
            # Each transfer is checked once, from its DEBIT, which reads the CREDIT by key.
            if entry.direction == Direction.DEBIT:
                pending.append(entry)
                if len(pending) >= TRANSFER_BATCH:
                    for problem in self._count(await self.transfers_of(pending)):
                        yield problem
                    pending = []
        for problem in self._count(await self.transfers_of(pending)):
            yield problem
        self.summary.accounts += 1
        self._progress(1)
        for problem in self._count(self._finish(verifier, account)):
            yield problem

    async def transfers_of(self, entries: Sequence[Entry]) -> list[Problem]:
        """Each entry against its transfer record; a DEBIT also against the CREDIT it names."""
        if not entries:
            return []
        transfers = await self._reader.transfers([e.transfer_id for e in entries])
        credits = await self._reader.entries_at(
            [
                (t.to_account_id, t.credit_version)
                for e in entries
                if e.direction == Direction.DEBIT
                and (t := transfers.get(e.transfer_id)) is not None
                and t.credit_version is not None
            ]
        )
        problems: list[Problem] = []
        for entry in entries:
            transfer = transfers.get(entry.transfer_id)
            if transfer is None:
                problems.append(
                    Problem(
                        entry.account_id,
                        entry.version,
                        ProblemKind.TRANSFER_MISSING,
                        f"entry names transfer {entry.transfer_id}, which does not exist",
                    )
                )
            elif entry.direction == Direction.DEBIT:
                self.summary.transfers += 1
                problems.extend(_check_debit_side(transfer, entry, credits))
            elif transfer.to_account_id != entry.account_id or transfer.credit_version not in (
                None,
                entry.version,
            ):
                problems.append(
                    Problem(
                        entry.account_id,
                        entry.version,
                        ProblemKind.TRANSFER_ENTRY_EXTRA,
                        f"CREDIT entry {entry.id} names transfer {transfer.id}, whose credit is "
                        f"version {transfer.credit_version} of {transfer.to_account_id!r}",
                    )
                )
        return problems

    async def idempotency(self, refs: Sequence[IdempotencyRef]) -> list[Problem]:
        """Idempotency records whose transfer does not exist."""
        if not refs:
            return []
        found = await self._reader.transfers([ref.transfer_id for ref in refs])
        self._progress(len(refs))
        return self._count(
            [
                Problem(
                    f"idempotency key {ref.key!r}",
                    None,
                    ProblemKind.IDEMPOTENCY_ORPHAN,
                    f"points at transfer {ref.transfer_id}, which does not exist",
                )
                for ref in refs
                if ref.transfer_id not in found
            ]
        )

    def _finish(self, verifier: AccountVerifier, account: Account) -> list[Problem]:
        if account.head_hash is not None:
            return verifier.finish(AccountHead.of(account, account.head_hash))
        # Written before the chain: say so once, not as a rewritten history.
        unchained = Problem(
            account.id,
            account.version,
            ProblemKind.MISSING_HASH,
            "the account has no head hash (written before the hash chain): backfill it",
        )
        head = verifier.finish(AccountHead.of(account, None))
        return [unchained, *(p for p in head if p.kind is not ProblemKind.HEAD_HASH_MISMATCH)]

    def _count(self, problems: list[Problem]) -> list[Problem]:
        for problem in problems:
            self.summary.add(problem)
        return problems


def _check_debit_side(
    transfer: Transfer, debit: Entry, credits: dict[tuple[str, int], Entry]
) -> list[Problem]:
    if transfer.credit_version is None:
        # Recorded before transfers named their entries' versions: the credit cannot be
        # found by key, so only this side is compared.
        return [
            p
            for p in check_transfer(transfer, [debit])
            if p.kind is not ProblemKind.TRANSFER_ENTRY_MISSING
        ]
    credit = credits.get((transfer.to_account_id, transfer.credit_version))
    sides = [debit] if credit is None else [debit, credit]
    return check_transfer(transfer, sides)


async def _put_all(queue: asyncio.Queue[Problem | None], problems: list[Problem]) -> None:
    for problem in problems:
        await queue.put(problem)
