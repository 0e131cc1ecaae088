"""The hash-chain part of a transfer's account updates and of reading their cancellations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from services.domain.model import Account, Entry
from services.dynamo import items as codec
from services.ledger.ports import ChainBroken, VersionConflict


def with_chain_head(update: dict[str, Any], before: Account, entry: Entry) -> dict[str, Any]:
    """`update` (an account's Update in the transfer) also moving the chain head to `entry`.

    Conditioned like the version: a head altered out of band refuses to grow rather than
    extending a forged chain, and an unchained account stays so until it is backfilled.
    """
    names = update.setdefault("ExpressionAttributeNames", {})
    values = update.setdefault("ExpressionAttributeValues", {})
    names["#head_hash"] = "head_hash"
    names["#head_at"] = "head_at"
    values[":head_at"] = codec.timestamp(entry.created_at)
    sets = ["#head_at = :head_at"]
    if before.head_hash is None:
        update["ConditionExpression"] += " AND attribute_not_exists(#head_hash)"
    else:
        update["ConditionExpression"] += " AND #head_hash = :expected_hash"
        values[":expected_hash"] = {"S": before.head_hash}
        if entry.hash is not None:
            values[":head_hash"] = {"S": entry.hash}
            sets.append("#head_hash = :head_hash")
    update["UpdateExpression"] += ", " + ", ".join(sets)
    return update


def chain_broken(before: Account, current: Mapping[str, Any] | None) -> bool:
    """True when a cancelled update found the version it expected under another head hash."""
    if current is None or before.head_hash is None:
        return False
    account = codec.account_from_item(current)
    # Same account (not one deleted and opened again under the same id, which a stale cache
    # may still hold: that is an ordinary conflict, re-read and retried) at the same version,
    # yet another head: the head was changed outside the ledger.
    return (
        account.created_at == before.created_at
        and account.version == before.version
        and account.head_hash != before.head_hash
    )


def raise_account_conflicts(
    updates: Iterable[tuple[int, Account]],
    codes: Sequence[str],
    reasons: Sequence[Mapping[str, Any]],
) -> None:
    """For a cancelled transaction whose account updates sit at the given positions (each with
    the account as planned): raise ChainBroken when one found its head changed out of band,
    else VersionConflict with every refused account as it is now; return when none refused."""
    current: dict[str, Account | None] = {}
    for position, before in updates:
        if codes[position] == "ConditionalCheckFailed":
            item = reasons[position].get("Item")
            if chain_broken(before, item):
                raise ChainBroken(before.id)
            current[before.id] = codec.account_from_item(item) if item else None
    if current:
        raise VersionConflict(current)
