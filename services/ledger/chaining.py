"""The hash chain in the commit path: each planned entry links to its account's head.

An account written before the chain existed has no head hash. Its new entries stay unchained
(no `hash`, no `previous_hash`; `ledger verify` reports them as MISSING_HASH) until a backfill
walks its history and sets the head: chaining from the next entry would leave an unverifiable
prefix that looks like a verified one. Every account opened since the chain starts at genesis.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from services.domain.model import Account, Entry
from services.integrity.chain import entry_hash, genesis_hash
from services.integrity.point_in_time import commit_time


def chain(account: Account, entry: Entry) -> Entry:
    """`entry` linked to `account`'s head; unchanged for an unchained account."""
    if account.head_hash is None:
        return entry
    return replace(
        entry, previous_hash=account.head_hash, hash=entry_hash(account.head_hash, entry)
    )


def after(account: Account, entry: Entry) -> Account:
    """`account` once `entry` (chained by `chain`) is committed."""
    return replace(
        account,
        balance=entry.balance_after,
        version=entry.version,
        head_hash=entry.hash,
        head_at=entry.created_at,
        pending_debits=entry.pending_after,
    )


def opened(account: Account, opening: Entry | None) -> tuple[Account, Entry | None]:
    """A new account and its opening entry, chained from the account's genesis."""
    start = replace(account, head_hash=genesis_hash(account.id), head_at=account.created_at)
    if opening is None:
        return start, None
    first = chain(start, opening)
    return after(start, first), first


def stamp(now: datetime, *accounts: Account) -> datetime:
    """The time a commit writes: never before the last entry of an account it touches."""
    return commit_time(now, *(a.head_at for a in accounts if a.head_at is not None))
