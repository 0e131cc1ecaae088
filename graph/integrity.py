"""Tamper-evident history in the API: digests, proofs, point-in-time balances, verification.

Every field follows its account's visibility (the account resolves only for who may read it);
`verifyAccount` is for operators (FORBIDDEN otherwise).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from graph.context import Info
from graph.errors import request_error
from services import AccountNotFound, LedgerError
from services.domain import model
from services.domain.money import currency_places
from services.ledger.integrity import AccountVerification


@strawberry.type(description="An account's chain head: a version and the hash of that entry.")
class AccountDigest:
    version: int
    hash: str = strawberry.field(description="SHA-256, 64 lowercase hexadecimal digits.")

    @classmethod
    def of(cls, account: model.Account) -> AccountDigest | None:
        if account.head_hash is None:
            return None
        return cls(version=account.version, hash=account.head_hash)


@strawberry.input(description="A digest a client kept: `Account.digest` as it read it then.")
class DigestInput:
    version: int
    hash: str


@strawberry.type(description="Whether the account's current history extends a kept digest.")
class HistoryProof:
    extends: bool
    reason: str | None = strawberry.field(description="Why not; null when it does.")
    checked: int = strawberry.field(description="Entries walked to decide.")


@strawberry.type(description="The balance right after `version` (0: before the first entry).")
class BalancePoint:
    version: int
    balance: Decimal


@strawberry.type(description="One thing wrong with an account's history.")
class IntegrityProblem:
    version: int | None = strawberry.field(
        description="The entry's version (the head's for account-level problems)."
    )
    kind: str = strawberry.field(description="Such as HASH_MISMATCH or VERSION_GAP.")
    message: str


@strawberry.type(description="The result of verifying one account's whole history.")
class AccountVerificationResult:
    ok: bool
    digest: AccountDigest | None
    problems: list[IntegrityProblem] = strawberry.field(description="At most 100.")

    @classmethod
    def of(cls, checked: AccountVerification) -> AccountVerificationResult:
        return cls(
            ok=checked.ok,
            digest=AccountDigest.of(checked.account),
            problems=[
                IntegrityProblem(version=p.version, kind=str(p.kind), message=p.message)
                for p in checked.problems
            ],
        )


async def balance_at(
    root: Any, info: Info, version: int | None = None, at: datetime | None = None
) -> BalancePoint:
    try:
        point = await info.context.ledger.balance_at(str(root.id), version=version, at=at)
    except LedgerError as error:
        raise request_error(error, {"version": "version", "at": "at"}) from error
    return BalancePoint(
        version=point.version, balance=currency_places(point.balance, str(root.currency))
    )


async def verify_history(root: Any, info: Info, from_digest: DigestInput) -> HistoryProof:
    try:
        proof = await info.context.ledger.verify_history(
            str(root.id), from_digest.version, from_digest.hash
        )
    except LedgerError as error:
        raise request_error(error, {"version": "fromDigest", "hash": "fromDigest"}) from error
    return HistoryProof(extends=proof.extends, reason=proof.reason, checked=proof.checked)


async def verify_account(info: Info, id: strawberry.ID) -> AccountVerificationResult | None:
    try:
        checked = await info.context.ledger.verify_account(str(id))
    except AccountNotFound:
        return None
    except LedgerError as error:
        raise request_error(error, {"account_id": "id"}) from error
    return AccountVerificationResult.of(checked)
