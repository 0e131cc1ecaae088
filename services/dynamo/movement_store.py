"""DynamoMovementStore: a posting plan (N postings over M accounts) as one TransactWriteItems.

Every account is one Update conditioned on the version it was planned from and, for a net
debit within an overdraft limit, on the balance still covering it; every new record is a Put
that must not exist yet. The transaction's cancellation reasons become the ledger's outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.domain.model import Account, Transfer
from services.domain.movements import Batch
from services.dynamo import items as codec
from services.dynamo import movement_items, quote_items
from services.dynamo.batch import BatchReader
from services.dynamo.chain_writes import raise_account_conflicts, with_chain_head
from services.dynamo.store import CONNECTION_ERRORS, TRANSIENT_CODES, request_token
from services.ledger.ports import (
    IdempotencyKeyTaken,
    IdempotencyRecord,
    QuoteRefused,
    TransferAlreadyCommitted,
    TransientStoreError,
    VersionConflict,
)
from services.ledger.postings import MAX_TRANSACTION_ITEMS, AccountChange, PostingPlan

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class DynamoMovementStore:
    def __init__(self, client: DynamoDBClient, table_name: str, batch: BatchReader) -> None:
        self._client = client
        self._table = table_name
        self._batch = batch

    async def load_accounts(
        self, account_ids: Sequence[str], idempotency_key: str | None
    ) -> tuple[dict[str, Account], IdempotencyRecord | None]:
        """The accounts that exist among `account_ids`, and the key's record: one batched read."""
        keys = [codec.account_key(i) for i in account_ids]
        if idempotency_key is not None:
            keys.append(codec.idempotency_key(idempotency_key))
        accounts: dict[str, Account] = {}
        record: IdempotencyRecord | None = None
        for item in await self._batch.get(keys):
            if item["type"]["S"] == "ACCOUNT":
                account = codec.account_from_item(item)
                accounts[account.id] = account
            else:
                record = codec.idempotency_from_item(item)
        return accounts, record

    async def get_transfer(self, transfer_id: str) -> Transfer | None:
        found = await self._batch.get([codec.transfer_key(transfer_id)])
        return codec.transfer_from_item(found[0]) if found else None

    async def get_batch(self, batch_id: str) -> Batch | None:
        [*found] = await self._batch.get([movement_items.batch_key(batch_id)])
        if not found:
            return None
        ids = movement_items.batch_transfer_ids(found[0])
        items = await self._batch.get([codec.transfer_key(i) for i in ids])
        by_id = {t.id: t for t in (codec.transfer_from_item(item) for item in items)}
        return movement_items.batch_from_item(found[0], [by_id[i] for i in ids if i in by_id])

    async def commit_postings(self, plan: PostingPlan) -> None:
        """Write the whole plan in one TransactWriteItems, or nothing.

        Raises VersionConflict (accounts moved on, or a liquidity account to create exists: their
        current state), IdempotencyKeyTaken, TransferAlreadyCommitted (an earlier attempt of
        this plan committed), QuoteRefused (an exchange's quote is used, expired or gone) and
        TransientStoreError (safe to resend the same plan).
        """
        writes = self._writes(plan)
        if len(writes) > MAX_TRANSACTION_ITEMS:  # planning refuses these first
            raise ValueError(f"{len(writes)} items exceed one transaction")
        try:
            await self._client.transact_write_items(
                TransactItems=writes,  # type: ignore[arg-type]
                ClientRequestToken=request_token(writes),
            )
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons")
            if reasons:
                _raise_for_cancellation([dict(r) for r in reasons], plan)
            code = exc.response.get("Error", {}).get("Code", "")
            if code in TRANSIENT_CODES:
                raise TransientStoreError(code) from exc
            raise
        except CONNECTION_ERRORS as exc:
            raise TransientStoreError(str(exc)) from exc

    def _writes(self, plan: PostingPlan) -> list[dict[str, Any]]:
        writes: list[dict[str, Any]] = [self._account_write(change) for change in plan.changes]
        if plan.reverses is not None and plan.reversed_after is not None:
            writes.append({"Update": self._reverse(plan.reverses, plan.reversed_after)})
        records = [codec.entry_item(entry) for entry in plan.entries]
        records += [codec.transfer_item(transfer) for transfer in plan.batch.transfers]
        if plan.write_batch:
            records.append(movement_items.batch_item(plan.batch))
        writes += [{"Put": self._put_new(record)} for record in records]
        if plan.stored_key is not None and plan.fingerprint is not None:
            record = IdempotencyRecord(
                key=plan.stored_key,
                fingerprint=plan.fingerprint,
                transfer_id=plan.result_id,
                created_at=plan.batch.created_at,
            )
            put = self._put_new(codec.idempotency_item(record))
            put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            writes.append({"Put": put})
        if plan.quote_id is not None:
            take = quote_items.take_quote_update(
                self._table, plan.quote_id, plan.result_id, plan.batch.created_at
            )
            writes.append({"Update": take})
        return writes

    def _account_write(self, change: AccountChange) -> dict[str, Any]:
        if not change.created:
            return {"Update": self._update(change)}
        # A liquidity account the exchange opens: only if nobody opened it meanwhile (then the
        # cancellation returns it, and the plan is made again from it).
        put = self._put_new(codec.account_item(change.after))
        put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Put": put}

    def _reverse(self, before: Transfer, after: Transfer) -> dict[str, Any]:
        """Record a reversal on the original transfer, only if no other reversal did since it
        was read, and never beyond its amount."""
        condition = "attribute_exists(PK) AND #amount >= :reversed AND " + (
            "#reversed = :before" if before.reversed_amount else "attribute_not_exists(#reversed)"
        )
        values = {
            ":reversed": codec.number(after.reversed_amount),
            ":reversals": {"L": [{"S": i} for i in after.reversals]},
        }
        if before.reversed_amount:
            values[":before"] = codec.number(before.reversed_amount)
        return {
            "TableName": self._table,
            "Key": codec.transfer_key(before.id),
            "UpdateExpression": "SET #reversed = :reversed, #reversals = :reversals",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {
                "#amount": "amount",
                "#reversed": "reversed_amount",
                "#reversals": "reversals",
            },
            "ExpressionAttributeValues": values,
        }

    def _update(self, change: AccountChange) -> dict[str, Any]:
        after = change.after
        condition = "#version = :expected"
        values = {
            ":expected": codec.number(change.before.version),
            ":balance": codec.number(after.balance),
            ":version": codec.number(after.version),
        }
        if change.floor is not None:
            condition += " AND #balance >= :floor"
            values[":floor"] = codec.number(change.floor)
        update = {
            "TableName": self._table,
            "Key": codec.account_key(after.id),
            "UpdateExpression": "SET #balance = :balance, #version = :version",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#balance": "balance", "#version": "version"},
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        # The account's hash chain moves to its last entry, conditioned like the version.
        return with_chain_head(update, change.before, change.entries[-1])

    def _put_new(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(PK)",
        }


def _raise_for_cancellation(reasons: list[dict[str, Any]], plan: PostingPlan) -> None:
    codes = [reason.get("Code", "None") for reason in reasons]
    if any(code in TRANSIENT_CODES for code in codes):
        raise TransientStoreError(f"transaction cancelled: {codes}")
    accounts = len(plan.changes)
    reversal = accounts if plan.reverses is not None else None
    first_put = accounts + (1 if reversal is not None else 0)
    transfers = first_put + len(plan.entries)
    marker = transfers + len(plan.batch.transfers) if plan.write_batch else transfers
    if codes[marker] == "ConditionalCheckFailed":
        raise TransferAlreadyCommitted(plan.result_id)
    key_position = transfers + len(plan.batch.transfers) + int(plan.write_batch)
    if (
        plan.stored_key is not None
        and plan.fingerprint is not None
        and codes[key_position] == "ConditionalCheckFailed"
    ):
        item = reasons[key_position].get("Item")
        raise IdempotencyKeyTaken(codec.idempotency_from_item(item) if item else None)
    if plan.quote_id is not None and codes[-1] == "ConditionalCheckFailed":
        raise QuoteRefused(plan.quote_id)
    if reversal is not None and codes[reversal] == "ConditionalCheckFailed":
        raise VersionConflict({})  # another reversal won: re-read the original
    updates = ((position, change.before) for position, change in enumerate(plan.changes))
    raise_account_conflicts(updates, codes, reasons)
    raise RuntimeError(f"batch {plan.batch.id} cancelled for an unexpected reason: {codes}")
