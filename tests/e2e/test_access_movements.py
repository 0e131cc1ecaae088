"""Who may post batches and set overdraft limits, over HTTP with a real OIDC issuer: anonymous
callers get 401, a holder debits only its own accounts, operators do everything; refusals
change nothing."""

# The fixtures are test_access.py's, imported by name: parameters re-bind them on purpose.
# ruff: noqa: F811

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.documents import TRANSFER
from tests.e2e.test_access import Caller, World, issued, snapshot, world  # noqa: F401
from tests.movement_documents import (
    ACCOUNT_LIMIT,
    CREATE_WITH_LIMIT,
    POST_TRANSFERS,
    REVERSE,
    TRANSFER_REVERSALS,
)


def batch(*legs: tuple[str, str, str], key: str = "batch-1", **extra: Any) -> dict[str, Any]:
    transfers = [{"fromAccountId": a, "toAccountId": b, "amount": amount} for a, b, amount in legs]
    return {"input": {"transfers": transfers, "idempotencyKey": key, **extra}}


def test_anonymous_gets_401_for_post_transfers(world: World) -> None:
    before = snapshot(world)
    ids = world.ids
    response = world.anonymous.post(POST_TRANSFERS, **batch((ids["alice"], ids["bob"], "1")))
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert snapshot(world) == before


def test_a_holder_batches_from_its_own_accounts_only(world: World) -> None:
    ids = world.ids
    before = snapshot(world)
    for legs in (
        [(ids["bob"], ids["alice"], "1")],
        [(ids["alice"], ids["bob"], "1"), (ids["vault"], ids["alice"], "5")],
        [("ghost", ids["alice"], "1")],
    ):
        payload = world.alice.data(POST_TRANSFERS, **batch(*legs))["postTransfers"]
        assert payload["batch"] is None
        [error] = payload["userErrors"]
        assert (error["code"], error["field"]) == ("ACCOUNT_NOT_FOUND", ["input", "transfers"])
        # No balance leaks into the refusal; the account ids it names are random hex, which
        # may hold "50" themselves.
        message = error["message"]
        for account_id in {account for leg in legs for account in leg[:2]}:
            message = message.replace(account_id, "")
        assert "50" not in message
    assert snapshot(world) == before
    paid = world.alice.data(
        POST_TRANSFERS,
        **batch((ids["alice"], ids["bob"], "2.50"), (ids["alice"], ids["bob"], "1"), key="split"),
    )["postTransfers"]
    assert paid["userErrors"] == []
    assert [t["amount"] for t in paid["batch"]["transfers"]] == ["2.50", "1.00"]
    assert world.bob.data(ACCOUNT_LIMIT, id=ids["bob"])["account"]["balance"] == "53.50"
    # Bob's equal key is his own: it neither replays nor blocks alice's.
    bobs = world.bob.data(POST_TRANSFERS, **batch((ids["bob"], ids["alice"], "1"), key="split"))
    assert bobs["postTransfers"]["userErrors"] == []
    replay = world.alice.data(
        POST_TRANSFERS,
        **batch((ids["alice"], ids["bob"], "2.5"), (ids["alice"], ids["bob"], "1.0"), key="split"),
    )["postTransfers"]
    assert replay["batch"]["id"] == paid["batch"]["id"]
    assert world.ops.data(ACCOUNT_LIMIT, id=ids["alice"])["account"]["balance"] == "97.50"


def test_an_operator_batches_from_any_account(world: World) -> None:
    ids = world.ids
    paid = world.ops.data(
        POST_TRANSFERS,
        **batch(
            (ids["vault"], ids["alice"], "10"),
            (ids["bob"], ids["alice"], "5"),
            key="payout",
            metadata={"run": "2026-11-30"},
        ),
    )["postTransfers"]
    assert paid["userErrors"] == []
    assert paid["batch"]["metadata"] == {"run": "2026-11-30"}
    assert world.alice.data(ACCOUNT_LIMIT, id=ids["alice"])["account"]["balance"] == "115.00"


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("0", "INVALID_AMOUNT"),
        ("-1", "INVALID_AMOUNT"),
        ("1000000000000.01", "INVALID_AMOUNT"),
        ("0.001", "INVALID_AMOUNT"),
        ("100.01", "INSUFFICIENT_FUNDS"),
    ],
)
def test_bad_batches_are_typed_and_change_nothing(world: World, amount: str, code: str) -> None:
    before = snapshot(world)
    payload = world.alice.data(
        POST_TRANSFERS, **batch((world.ids["alice"], world.ids["bob"], amount))
    )["postTransfers"]
    assert payload["batch"] is None
    assert [e["code"] for e in payload["userErrors"]] == [code]
    assert snapshot(world) == before


def test_empty_and_oversized_batches_are_refused(world: World) -> None:
    before = snapshot(world)
    ids = world.ids
    for variables, code in (
        (batch(), "INVALID_INPUT"),
        (batch(*[(ids["alice"], ids["bob"], "0.01")] * 33), "BATCH_TOO_LARGE"),
        (batch((ids["alice"], ids["bob"], "1"), metadata={"k": 7}), "INVALID_INPUT"),
    ):
        payload = world.alice.data(POST_TRANSFERS, **variables)["postTransfers"]
        assert [e["code"] for e in payload["userErrors"]] == [code]
    assert snapshot(world) == before


def test_only_operators_set_overdraft_limits(world: World) -> None:
    ids = world.ids
    before = snapshot(world)
    for limit in ("10", None):
        payload = world.alice.data(
            CREATE_WITH_LIMIT, input={"id": ids["alice"] + "-credit", "overdraftLimit": limit}
        )["createAccount"]
        [error] = payload["userErrors"]
        assert (error["code"], error["field"]) == ("FORBIDDEN", ["input", "overdraftLimit"])
    assert snapshot(world) == before
    external = world.ops.data(
        CREATE_WITH_LIMIT,
        input={"id": ids["vault"] + "-bank", "overdraftLimit": None, "metadata": {"k": "v"}},
    )["createAccount"]
    assert external["userErrors"] == []
    assert external["account"]["overdraftLimit"] is None
    assert external["account"]["metadata"] == {"k": "v"}
    plain = world.alice.data(CREATE_WITH_LIMIT, input={"id": ids["alice"] + "-plain"})
    assert plain["createAccount"]["account"]["overdraftLimit"] == "0.00"


def paid_to_bob(world: World, amount: str = "20") -> str:
    ids = world.ids
    paid = world.alice.data(
        TRANSFER,
        input={
            "fromAccountId": ids["alice"],
            "toAccountId": ids["bob"],
            "amount": amount,
            "idempotencyKey": uuid.uuid4().hex,
        },
    )["transfer"]
    assert paid["userErrors"] == []
    return str(paid["transfer"]["id"])


def reverse(transfer_id: str, amount: str | None = None, key: str = "refund") -> dict[str, Any]:
    extra = {"amount": amount} if amount is not None else {}
    return {"input": {"transferId": transfer_id, "idempotencyKey": key, **extra}}


def test_anonymous_gets_401_for_reverse_transfer(world: World) -> None:
    transfer_id = paid_to_bob(world)
    before = snapshot(world)
    response = world.anonymous.post(REVERSE, **reverse(transfer_id))
    assert response.status_code == 401
    assert snapshot(world) == before


def test_only_the_recipient_or_an_operator_reverses(world: World) -> None:
    transfer_id = paid_to_bob(world)
    outsider = Caller(world.api, world.issuer.token(f"outsider-{uuid.uuid4().hex[:6]}"))
    before = snapshot(world)
    for caller, code in ((world.alice, "FORBIDDEN"), (outsider, "TRANSFER_NOT_FOUND")):
        payload = caller.data(REVERSE, **reverse(transfer_id))["reverseTransfer"]
        assert payload["transfer"] is None
        [error] = payload["userErrors"]
        assert (error["code"], error["field"]) == (code, ["input", "transferId"])
    assert snapshot(world) == before
    refund = world.bob.data(REVERSE, **reverse(transfer_id, "5"))["reverseTransfer"]
    assert refund["userErrors"] == []
    assert refund["transfer"]["reversalOf"] == transfer_id
    assert refund["transfer"]["fromAccountId"] == world.ids["bob"]
    replay = world.bob.data(REVERSE, **reverse(transfer_id, "5.00"))["reverseTransfer"]
    assert replay["transfer"]["id"] == refund["transfer"]["id"]
    rest = world.ops.data(REVERSE, **reverse(transfer_id, key="ops-refund"))["reverseTransfer"]
    assert rest["transfer"]["amount"] == "15.00"
    seen = world.alice.data(TRANSFER_REVERSALS, id=transfer_id)["transfer"]
    assert seen["reversedAmount"] == "20.00"
    assert [r["amount"] for r in seen["reversals"]] == ["5.00", "15.00"]
    assert world.ops.data(ACCOUNT_LIMIT, id=world.ids["alice"])["account"]["balance"] == "100.00"


@pytest.mark.parametrize(
    ("amount", "code", "field"),
    [
        ("0", "INVALID_AMOUNT", "amount"),
        ("-1", "INVALID_AMOUNT", "amount"),
        ("0.001", "INVALID_AMOUNT", "amount"),
        ("1000000000000.01", "INVALID_AMOUNT", "amount"),
        ("20.01", "REVERSAL_EXCEEDS_ORIGINAL", "amount"),
        (None, "TRANSFER_NOT_FOUND", "transferId"),
    ],
)
def test_bad_reversals_are_typed_and_change_nothing(
    world: World, amount: str | None, code: str, field: str
) -> None:
    transfer_id = paid_to_bob(world) if amount is not None else "no-such-transfer"
    before = snapshot(world)
    payload = world.bob.data(REVERSE, **reverse(transfer_id, amount))["reverseTransfer"]
    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == (code, ["input", field])
    assert snapshot(world) == before
