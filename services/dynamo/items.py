"""The single-table item layout and the codec between items and domain records.

    item          PK                    SK
    account       ACCOUNT#<account id>  ACCOUNT
    entry         ACCOUNT#<account id>  ENTRY#<version, 20 digits>
    transfer      TRANSFER#<transfer id> TRANSFER
    idempotency   IDEMPOTENCY#<key>     IDEMPOTENCY     (<key> is scoped: <principal scope>#<key>)
    owned account OWNER#<owner id>      ACCOUNT#<account id>

Entries share their account's partition and sort by the account's version, which grows with
every commit: a Query on the partition reads history newest first at any depth.
Numbers are written in plain fixed-point text (never exponent form) and read back as Decimal.
DynamoDB normalizes them (12.50 is stored and returned as 12.5, 100.00 as 100), so amounts are
read back with their currency's exponent: what the ledger hands on always says 12.50.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from services.domain.model import Account, ChangeKind, Direction, Entry, Transfer
from services.domain.money import currency_places
from services.dynamo.exchange_attrs import exchange_from, put_exchange
from services.ledger.ports import IdempotencyRecord
from services.observability.tracing import current_traceparent

Item = dict[str, Any]
Key = dict[str, dict[str, str]]

ACCOUNT_SK = "ACCOUNT"
ENTRY_SK_PREFIX = "ENTRY#"
OWNED_SK_PREFIX = "ACCOUNT#"
VERSION_DIGITS = 20


def account_key(account_id: str) -> Key:
    return {"PK": {"S": f"ACCOUNT#{account_id}"}, "SK": {"S": ACCOUNT_SK}}


def entry_sort_key(version: int) -> str:
    return f"{ENTRY_SK_PREFIX}{version:0{VERSION_DIGITS}d}"


def entry_key(account_id: str, version: int) -> Key:
    return {"PK": {"S": f"ACCOUNT#{account_id}"}, "SK": {"S": entry_sort_key(version)}}


def transfer_key(transfer_id: str) -> Key:
    return {"PK": {"S": f"TRANSFER#{transfer_id}"}, "SK": {"S": "TRANSFER"}}


def owned_account_key(owner_id: str, account_id: str) -> Key:
    return {"PK": {"S": f"OWNER#{owner_id}"}, "SK": {"S": f"{OWNED_SK_PREFIX}{account_id}"}}


def owned_account_item(owner_id: str, account_id: str) -> Item:
    """An owner's index entry for one account: `me.accounts` is one Query on the owner."""
    return {
        **owned_account_key(owner_id, account_id),
        "type": {"S": "OWNED_ACCOUNT"},
        "owner_id": {"S": owner_id},
        "account_id": {"S": account_id},
    }


def idempotency_key(key: str) -> Key:
    return {"PK": {"S": f"IDEMPOTENCY#{key}"}, "SK": {"S": "IDEMPOTENCY"}}


def number(value: Decimal | int) -> dict[str, str]:
    return {"N": format(value, "f") if isinstance(value, Decimal) else str(value)}


def timestamp(value: datetime) -> dict[str, str]:
    return {"S": value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")}


def _text(item: Mapping[str, Any], name: str) -> str:
    return str(item[name]["S"])


def _optional_text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value["S"])


def _decimal(item: Mapping[str, Any], name: str) -> Decimal:
    return Decimal(item[name]["N"])


def _amount(item: Mapping[str, Any], name: str) -> Decimal:
    return currency_places(_decimal(item, name), _text(item, "currency"))


def _time(item: Mapping[str, Any], name: str) -> datetime:
    return datetime.fromisoformat(_text(item, name))


def _optional_time(item: Mapping[str, Any], name: str) -> datetime | None:
    return None if name not in item else _time(item, name)


def _optional_int(item: Mapping[str, Any], name: str) -> int | None:
    return None if name not in item else int(item[name]["N"])


def _with_optional(item: Item, **values: str | None) -> Item:
    for name, value in values.items():
        if value is not None:
            item[name] = {"S": value}
    return item


def account_item(account: Account) -> Item:
    item: Item = {
        **account_key(account.id),
        "type": {"S": "ACCOUNT"},
        "account_id": {"S": account.id},
        "balance": number(account.balance),
        "currency": {"S": account.currency},
        "version": number(account.version),
        "created_at": timestamp(account.created_at),
    }
    _put_overdraft(item, account.overdraft_limit)
    _put_metadata(item, account.metadata)
    if account.pending_debits:
        item["pending_debits"] = number(account.pending_debits)
    return _with_optional(
        item,
        email=account.email,
        phone=account.phone,
        owner_id=account.owner_id,
        head_hash=account.head_hash,
        head_at=None if account.head_at is None else timestamp(account.head_at)["S"],
    )


def account_from_item(item: Mapping[str, Any]) -> Account:
    return Account(
        id=_text(item, "account_id"),
        balance=_amount(item, "balance"),
        currency=_text(item, "currency"),
        created_at=_time(item, "created_at"),
        version=int(item["version"]["N"]),
        email=_optional_text(item, "email"),
        phone=_optional_text(item, "phone"),
        owner_id=_optional_text(item, "owner_id"),
        overdraft_limit=_overdraft(item),
        metadata=_metadata(item),
        head_hash=_optional_text(item, "head_hash"),
        head_at=_optional_time(item, "head_at"),
        pending_debits=_zero_or_amount(item, "pending_debits"),
    )


def _zero_or_amount(item: Mapping[str, Any], name: str) -> Decimal:
    """An optional amount written only when not zero (pending debits)."""
    return _amount(item, name) if name in item else Decimal(0)


def entry_item(entry: Entry) -> Item:
    item: Item = {
        **entry_key(entry.account_id, entry.version),
        "type": {"S": "ENTRY"},
        "entry_id": {"S": entry.id},
        "transfer_id": {"S": entry.transfer_id},
        "account_id": {"S": entry.account_id},
        "direction": {"S": entry.direction.value},
        "amount": number(entry.amount),
        "balance_after": number(entry.balance_after),
        "version": number(entry.version),
        "currency": {"S": entry.currency},
        "created_at": timestamp(entry.created_at),
    }
    put_exchange(item, entry.exchange)
    if entry.pending_after:
        item["pending_after"] = number(entry.pending_after)
    _put_metadata(item, entry.metadata)
    # The committing operation's trace, for the stream's handlers to continue (traces on only).
    return _with_optional(
        item,
        kind=None if entry.kind is None else entry.kind.value,
        counterparty_id=entry.counterparty_id,
        memo=entry.memo,
        traceparent=current_traceparent(),
        hash=entry.hash,
        previous_hash=entry.previous_hash,
    )


def traceparent_from_item(item: Mapping[str, Any]) -> str | None:
    return _optional_text(item, "traceparent")


def entry_from_item(item: Mapping[str, Any]) -> Entry:
    return Entry(
        id=_text(item, "entry_id"),
        transfer_id=_text(item, "transfer_id"),
        account_id=_text(item, "account_id"),
        counterparty_id=_optional_text(item, "counterparty_id"),
        direction=Direction(_text(item, "direction")),
        amount=_amount(item, "amount"),
        balance_after=_amount(item, "balance_after"),
        version=int(item["version"]["N"]),
        currency=_text(item, "currency"),
        created_at=_time(item, "created_at"),
        memo=_optional_text(item, "memo"),
        hash=_optional_text(item, "hash"),
        previous_hash=_optional_text(item, "previous_hash"),
        exchange=exchange_from(item),
        pending_after=_zero_or_amount(item, "pending_after"),
        kind=ChangeKind(item["kind"]["S"]) if "kind" in item else None,
        metadata=_metadata(item),
    )


def transfer_item(transfer: Transfer) -> Item:
    item: Item = {
        **transfer_key(transfer.id),
        "type": {"S": "TRANSFER"},
        "transfer_id": {"S": transfer.id},
        "from_account_id": {"S": transfer.from_account_id},
        "to_account_id": {"S": transfer.to_account_id},
        "amount": number(transfer.amount),
        "currency": {"S": transfer.currency},
        "created_at": timestamp(transfer.created_at),
    }
    _put_metadata(item, transfer.metadata)
    put_exchange(item, transfer.exchange)
    if transfer.reversed_amount:
        item["reversed_amount"] = number(transfer.reversed_amount)
    if transfer.reversals:
        item["reversals"] = {"L": [{"S": i} for i in transfer.reversals]}
    for name in ("debit_version", "credit_version"):
        version = getattr(transfer, name)
        if version is not None:
            item[name] = number(version)
    return _with_optional(
        item,
        memo=transfer.memo,
        idempotency_key=transfer.idempotency_key,
        initiated_by=transfer.initiated_by,
        batch_id=transfer.batch_id,
        reversal_of=transfer.reversal_of,
    )


def transfer_from_item(item: Mapping[str, Any]) -> Transfer:
    return Transfer(
        id=_text(item, "transfer_id"),
        from_account_id=_text(item, "from_account_id"),
        to_account_id=_text(item, "to_account_id"),
        amount=_amount(item, "amount"),
        currency=_text(item, "currency"),
        created_at=_time(item, "created_at"),
        memo=_optional_text(item, "memo"),
        idempotency_key=_optional_text(item, "idempotency_key"),
        initiated_by=_optional_text(item, "initiated_by"),
        batch_id=_optional_text(item, "batch_id"),
        metadata=_metadata(item),
        reversal_of=_optional_text(item, "reversal_of"),
        reversed_amount=_decimal(item, "reversed_amount")
        if "reversed_amount" in item
        else Decimal(0),
        reversals=tuple(str(v["S"]) for v in item.get("reversals", {}).get("L", [])),
        debit_version=_optional_int(item, "debit_version"),
        credit_version=_optional_int(item, "credit_version"),
        exchange=exchange_from(item),
    )


def idempotency_item(record: IdempotencyRecord) -> Item:
    return {
        **idempotency_key(record.key),
        "type": {"S": "IDEMPOTENCY"},
        "idempotency_key": {"S": record.key},
        "fingerprint": {"S": record.fingerprint},
        "transfer_id": {"S": record.transfer_id},
        "created_at": timestamp(record.created_at),
    }


def idempotency_from_item(item: Mapping[str, Any]) -> IdempotencyRecord:
    return IdempotencyRecord(
        key=_text(item, "idempotency_key"),
        fingerprint=_text(item, "fingerprint"),
        transfer_id=_text(item, "transfer_id"),
        created_at=_time(item, "created_at"),
    )


#: An account without a limit: `overdraft` = UNLIMITED. Without the attributes (accounts
#: written before overdraft limits existed) the limit is 0.
UNLIMITED = "UNLIMITED"


def _put_overdraft(item: Item, limit: Decimal | None) -> None:
    if limit is None:
        item["overdraft"] = {"S": UNLIMITED}
    elif limit:
        item["overdraft_limit"] = number(limit)


def _overdraft(item: Mapping[str, Any]) -> Decimal | None:
    if item.get("overdraft", {}).get("S") == UNLIMITED:
        return None
    return _decimal(item, "overdraft_limit") if "overdraft_limit" in item else Decimal(0)


def _put_metadata(item: Item, metadata: Mapping[str, str]) -> None:
    if metadata:
        item["metadata"] = {"M": {key: {"S": value} for key, value in metadata.items()}}


def _metadata(item: Mapping[str, Any]) -> dict[str, str]:
    stored = item.get("metadata", {}).get("M", {})
    return {key: str(value["S"]) for key, value in stored.items()}
