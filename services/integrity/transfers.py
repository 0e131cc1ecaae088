"""Transfer-level verification: a transfer record against the entries that reference it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from services.domain.model import Direction, Transfer
from services.integrity.chain import EntryFields
from services.integrity.problems import Problem, ProblemKind, signed_amount


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
    deltas = [signed_amount(entry) for entry in entries]
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
