"""DynamoHoldStore: each change of a hold as one TransactWriteItems, and the holds' reads.

Every account is one Update conditioned on the version it was planned from (which pins its
balance and pending debits: every change of either bumps the version) and on its chain head;
the hold record is a Put that must not exist (authorize) or must still be PENDING (capture,
void, expiry: exactly one of them commits). The due item is written with a new hold and
deleted with the change that ends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.domain.holds import HoldStatus, PendingTransfer, PendingTransferPage
from services.domain.model import Account
from services.dynamo import hold_items
from services.dynamo import items as codec
from services.dynamo.batch import BatchReader
from services.dynamo.chain_writes import raise_account_conflicts, with_chain_head
from services.dynamo.movement_store import DynamoMovementStore
from services.dynamo.store import CONNECTION_ERRORS, TRANSIENT_CODES, request_token
from services.ledger.hold_planning import HoldPlan
from services.ledger.hold_ports import HoldChanged
from services.ledger.ports import (
    IdempotencyKeyTaken,
    IdempotencyRecord,
    TransferAlreadyCommitted,
    TransientStoreError,
)
from services.ledger.postings import AccountChange

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

#: Hold copies one `Account.pendingTransfers` request reads at most, and per Query.
MAX_SCANNED = 1000
QUERY_PAGE = 100
#: What each write of a transaction is, to read its cancellation reason.
ACCOUNT, ENTRY, MARKER, HOLD, OTHER, KEY = "account", "entry", "marker", "hold", "other", "key"


class DynamoHoldStore:
    def __init__(self, client: DynamoDBClient, table_name: str, batch: BatchReader) -> None:
        self._client = client
        self._table = table_name
        self._batch = batch
        self._accounts = DynamoMovementStore(client, table_name, batch)

    async def load_accounts(
        self, account_ids: Sequence[str], idempotency_key: str | None
    ) -> tuple[dict[str, Account], IdempotencyRecord | None]:
        return await self._accounts.load_accounts(account_ids, idempotency_key)

    async def get_hold(self, hold_id: str) -> PendingTransfer | None:
        found = await self._batch.get([hold_items.hold_key(hold_id)])
        return hold_items.hold_from_item(found[0]) if found else None

    async def holds_of(
        self, account_id: str, limit: int, after: str | None, status: HoldStatus | None
    ) -> PendingTransferPage:
        """Newest first; with `status`, only those. One request reads at most MAX_SCANNED
        holds: a page of a rare status may come back short, with a cursor to read on."""
        pk = codec.account_key(account_id)["PK"]
        upper = f"{hold_items.COPY_SK_PREFIX}{after}" if after else hold_items.COPY_SK_PREFIX + "~"
        holds: list[PendingTransfer] = []
        start: dict[str, Any] | None = None
        scanned, last = 0, after
        while len(holds) <= limit and scanned < MAX_SCANNED:
            query: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lower AND :upper",
                "ExpressionAttributeValues": {
                    ":pk": pk,
                    ":lower": {"S": hold_items.COPY_SK_PREFIX},
                    ":upper": {"S": upper},
                },
                "ScanIndexForward": False,
                "Limit": limit + 2 if status is None else QUERY_PAGE,
                "ConsistentRead": True,
            }
            if start is not None:
                query["ExclusiveStartKey"] = start
            response = await self._client.query(**query)
            for item in response.get("Items", []):
                hold = hold_items.hold_from_item(item)
                if hold.id == after or len(holds) > limit:
                    continue
                scanned, last = scanned + 1, hold.id
                if status is None or hold.status is status:
                    holds.append(hold)
            start = response.get("LastEvaluatedKey")
            if start is None:
                break
        page = holds[:limit]
        if len(holds) > limit:
            next_cursor: str | None = page[-1].id
        elif start is not None and last is not None:
            next_cursor = last  # the scan budget ran out: read on after the last hold read
        else:
            next_cursor = None
        return PendingTransferPage(page, [h.id for h in page], next_cursor)

    async def commit_hold(
        self, plan: HoldPlan, stored_key: str | None, fingerprint: str | None
    ) -> None:
        writes, roles = self._writes(plan, stored_key, fingerprint)
        try:
            await self._client.transact_write_items(
                TransactItems=writes,  # type: ignore[arg-type]
                ClientRequestToken=request_token(writes),
            )
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons")
            if reasons:
                _raise_for_cancellation([dict(r) for r in reasons], roles, plan)
            code = exc.response.get("Error", {}).get("Code", "")
            if code in TRANSIENT_CODES:
                raise TransientStoreError(code) from exc
            raise
        except CONNECTION_ERRORS as exc:
            raise TransientStoreError(str(exc)) from exc

    def _writes(
        self, plan: HoldPlan, stored_key: str | None, fingerprint: str | None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        writes: list[dict[str, Any]] = []
        roles: list[str] = []
        for change in plan.changes:
            writes.append({"Update": self._update(change)})
            roles.append(ACCOUNT)
        news = [(codec.entry_item(entry), ENTRY) for entry in plan.entries]
        if plan.transfer is not None:
            # A capture's transfer is new by id: finding it means an earlier send committed.
            news.append((codec.transfer_item(plan.transfer), MARKER))
        for item, role in news:
            writes.append({"Put": self._put(item, "attribute_not_exists(PK)")})
            roles.append(role)
        hold = hold_items.hold_item(plan.after)
        if plan.before is None:
            writes.append({"Put": self._put(hold, "attribute_not_exists(PK)")})
        else:
            put = self._put(hold, "#status = :pending")
            put["ExpressionAttributeNames"] = {"#status": "status"}
            put["ExpressionAttributeValues"] = {":pending": {"S": HoldStatus.PENDING.value}}
            put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            writes.append({"Put": put})
        roles.append(HOLD)
        copy = hold_items.hold_item(plan.after, copy=True)
        writes.append({"Put": {"TableName": self._table, "Item": copy}})
        roles.append(OTHER)
        if plan.before is None:
            writes.append({"Put": self._put(hold_items.due_item(plan.after), None)})
        else:
            key = hold_items.due_key(plan.before)
            writes.append({"Delete": {"TableName": self._table, "Key": key}})
        roles.append(OTHER)
        if stored_key is not None and fingerprint is not None:
            record = IdempotencyRecord(
                stored_key, fingerprint, plan.after.id, plan.after.created_at
            )
            put = self._put(codec.idempotency_item(record), "attribute_not_exists(PK)")
            put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            writes.append({"Put": put})
            roles.append(KEY)
        return writes, roles

    def _update(self, change: AccountChange) -> dict[str, Any]:
        after = change.after
        update = {
            "TableName": self._table,
            "Key": codec.account_key(after.id),
            "UpdateExpression": "SET #balance = :balance, #version = :version, #pending = :pending",
            "ConditionExpression": "#version = :expected",
            "ExpressionAttributeNames": {
                "#balance": "balance",
                "#version": "version",
                "#pending": "pending_debits",
            },
            "ExpressionAttributeValues": {
                ":expected": codec.number(change.before.version),
                ":balance": codec.number(after.balance),
                ":version": codec.number(after.version),
                ":pending": codec.number(after.pending_debits),
            },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        _condition_pending(update, change)
        return with_chain_head(update, change.before, change.entries[-1])

    def _put(self, item: dict[str, Any], condition: str | None) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if condition is not None:
            put["ConditionExpression"] = condition
        return put


def _condition_pending(update: dict[str, Any], change: AccountChange) -> None:
    """Spell the hold invariants out in the condition, beside the version that already pins
    them: the pending debits are those planned from, and a reservation keeps
    balance - pending_debits >= -overdraftLimit (as balance >= pending_after - limit:
    DynamoDB conditions compare, they do no arithmetic)."""
    before, after = change.before, change.after
    values = update["ExpressionAttributeValues"]
    values[":pending_before"] = codec.number(before.pending_debits)
    if before.pending_debits:
        update["ConditionExpression"] += " AND #pending = :pending_before"
    else:  # accounts written before holds have no attribute
        update["ConditionExpression"] += (
            " AND (attribute_not_exists(#pending) OR #pending = :pending_before)"
        )
    limit = before.overdraft_limit
    if limit is not None and after.pending_debits > before.pending_debits:
        update["ConditionExpression"] += " AND #balance >= :floor"
        values[":floor"] = codec.number(after.pending_debits - limit)


def _raise_for_cancellation(
    reasons: list[dict[str, Any]], roles: list[str], plan: HoldPlan
) -> None:
    codes = [reason.get("Code", "None") for reason in reasons]
    if any(code in TRANSIENT_CODES for code in codes):
        raise TransientStoreError(f"transaction cancelled: {codes}")
    failed = [i for i, code in enumerate(codes) if code == "ConditionalCheckFailed"]
    for position in failed:
        item = reasons[position].get("Item")
        role = roles[position]
        if role == MARKER or (role == HOLD and plan.before is None):
            raise TransferAlreadyCommitted(plan.after.id)
        if role == HOLD:
            current = hold_items.hold_from_item(item) if item else None
            if current == plan.after:  # an earlier send of this very change committed
                raise TransferAlreadyCommitted(plan.after.id)
            raise HoldChanged(current)
        if roles[position] == KEY:
            raise IdempotencyKeyTaken(codec.idempotency_from_item(item) if item else None)
    updates = ((position, change.before) for position, change in enumerate(plan.changes))
    raise_account_conflicts(updates, codes, reasons)
    raise RuntimeError(f"hold {plan.after.id} cancelled for an unexpected reason: {codes}")
