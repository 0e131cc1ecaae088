"""Holds over HTTP with a real OIDC issuer: anonymous callers get 401 for every hold field, a
holder authorizes, captures and voids only from its own accounts, the payee sees the hold but
may not capture it, operators do everything; every refusal is typed and changes nothing."""

# The fixtures are test_access.py's, imported by name: parameters re-bind them on purpose.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_access import World, issued, snapshot, world  # noqa: F401
from tests.movement_documents import (
    ACCOUNT_HOLDS,
    AUTHORIZE,
    CAPTURE,
    PENDING_TRANSFER,
    VOID,
)


def authorize(
    world: World, source: str, target: str, amount: str, key: str = "h-1", **extra: Any
) -> dict[str, Any]:
    ids = world.ids
    return {
        "input": {
            "fromAccountId": ids.get(source, source),
            "toAccountId": ids.get(target, target),
            "amount": amount,
            "idempotencyKey": key,
            **extra,
        }
    }


def held(world: World, amount: str = "30", **extra: Any) -> dict[str, Any]:
    payload = world.alice.data(AUTHORIZE, **authorize(world, "alice", "bob", amount, **extra))
    assert payload["authorizeTransfer"]["userErrors"] == [], payload
    hold: dict[str, Any] = payload["authorizeTransfer"]["pendingTransfer"]
    return hold


@pytest.mark.parametrize(
    "document",
    [AUTHORIZE, CAPTURE, VOID, PENDING_TRANSFER, ACCOUNT_HOLDS],
    ids=["authorize", "capture", "void", "pendingTransfer", "pendingTransfers"],
)
def test_anonymous_gets_401_for_every_hold_field(world: World, document: str) -> None:
    hold = held(world)
    before = snapshot(world)
    variables: dict[str, Any] = {"id": hold["id"]}
    if document == AUTHORIZE:
        variables = authorize(world, "alice", "bob", "1", key="anon")
    elif document == CAPTURE:
        variables = {"input": {"pendingTransferId": hold["id"], "idempotencyKey": "anon"}}
    elif document == VOID:
        variables = {"input": {"pendingTransferId": hold["id"]}}
    elif document == ACCOUNT_HOLDS:
        variables = {"id": world.ids["alice"]}
    response = world.anonymous.post(document, **variables)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert snapshot(world) == before


def test_a_holder_authorizes_captures_and_voids_its_own_holds(world: World) -> None:
    ids = world.ids
    hold = held(world, "30", memo="order 7", metadata={"order": "7"}, expiresInSeconds=600)
    assert (hold["status"], hold["amount"], hold["capturedAmount"]) == ("PENDING", "30.00", "0.00")
    assert hold["metadata"] == {"order": "7"}
    account = world.alice.data(ACCOUNT_HOLDS, id=ids["alice"])["account"]
    assert (account["balance"], account["availableBalance"], account["pendingDebits"]) == (
        "100.00",
        "70.00",
        "30.00",
    )
    assert [e["node"]["id"] for e in account["pendingTransfers"]["edges"]] == [hold["id"]]
    replay = world.alice.data(
        AUTHORIZE,
        **authorize(
            world,
            "alice",
            "bob",
            "30.0",
            memo="order 7",
            metadata={"order": "7"},
            expiresInSeconds=600,
        ),
    )
    assert replay["authorizeTransfer"]["pendingTransfer"]["id"] == hold["id"]
    capture = {"pendingTransferId": hold["id"], "amount": "12.50", "idempotencyKey": "c-1"}
    captured = world.alice.data(CAPTURE, input=capture)["captureTransfer"]
    assert captured["userErrors"] == []
    assert captured["pendingTransfer"]["status"] == "POSTED"
    assert captured["pendingTransfer"]["capturedAmount"] == "12.50"
    assert captured["transfer"]["amount"] == "12.50"
    again = world.alice.data(CAPTURE, input=capture)["captureTransfer"]
    assert again["pendingTransfer"] == captured["pendingTransfer"]
    account = world.alice.data(ACCOUNT_HOLDS, id=ids["alice"], status="PENDING")["account"]
    assert (account["balance"], account["availableBalance"]) == ("87.50", "87.50")
    assert account["pendingTransfers"]["edges"] == []
    assert world.bob.data(ACCOUNT_HOLDS, id=ids["bob"])["account"]["balance"] == "62.50"
    second = held(world, "5", key="h-2")
    voided = world.alice.data(VOID, input={"pendingTransferId": second["id"]})["voidTransfer"]
    assert (voided["userErrors"], voided["pendingTransfer"]["status"]) == ([], "VOIDED")
    again = world.alice.data(VOID, input={"pendingTransferId": second["id"]})["voidTransfer"]
    assert [e["code"] for e in again["userErrors"]] == ["TRANSFER_NOT_PENDING"]


def test_others_may_not_touch_a_holders_holds(world: World) -> None:
    ids = world.ids
    hold = held(world)
    before = snapshot(world)
    refused = world.bob.data(AUTHORIZE, **authorize(world, "alice", "bob", "1"))
    [error] = refused["authorizeTransfer"]["userErrors"]
    assert (error["code"], error["field"]) == ("ACCOUNT_NOT_FOUND", ["input", "fromAccountId"])
    # Bob is the payee: he sees the hold, but capturing or voiding it is alice's to do.
    assert world.bob.data(PENDING_TRANSFER, id=hold["id"])["pendingTransfer"]["id"] == hold["id"]
    for document, variables in (
        (CAPTURE, {"pendingTransferId": hold["id"], "idempotencyKey": "b"}),
        (VOID, {"pendingTransferId": hold["id"]}),
    ):
        body = world.bob.data(document, input=variables)
        [payload] = body.values()
        [error] = payload["userErrors"]
        assert (error["code"], error["field"]) == ("FORBIDDEN", ["input", "pendingTransferId"])
        assert payload["pendingTransfer"] is None
    # Bob's own account shows no hold of alice's; alice's account is not his to read.
    assert world.bob.data(ACCOUNT_HOLDS, id=ids["alice"])["account"] is None
    assert world.bob.data(ACCOUNT_HOLDS, id=ids["bob"])["account"]["pendingTransfers"] == {
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }
    assert snapshot(world) == before


def test_an_operator_holds_from_any_account(world: World) -> None:
    ids = world.ids
    payload = world.ops.data(AUTHORIZE, **authorize(world, "vault", "alice", "400", key="v"))
    hold = payload["authorizeTransfer"]["pendingTransfer"]
    assert hold["status"] == "PENDING"
    assert world.ops.data(PENDING_TRANSFER, id=hold["id"])["pendingTransfer"]["amount"] == "400.00"
    assert world.alice.data(PENDING_TRANSFER, id=hold["id"])["pendingTransfer"] is not None
    assert world.bob.data(PENDING_TRANSFER, id=hold["id"])["pendingTransfer"] is None
    alices = held(world, "10", key="a")
    captured = world.ops.data(
        CAPTURE, input={"pendingTransferId": alices["id"], "idempotencyKey": "ops"}
    )["captureTransfer"]
    assert captured["pendingTransfer"]["capturedAmount"] == "10.00"
    voided = world.ops.data(VOID, input={"pendingTransferId": hold["id"]})["voidTransfer"]
    assert voided["pendingTransfer"]["status"] == "VOIDED"
    vault = world.ops.data(ACCOUNT_HOLDS, id=ids["vault"], first=1)["account"]
    assert (vault["balance"], vault["availableBalance"]) == ("1000.00", "1000.00")
    assert vault["pendingTransfers"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("amount", "extra", "code", "field"),
    [
        ("0", {}, "INVALID_AMOUNT", "amount"),
        ("-5", {}, "INVALID_AMOUNT", "amount"),
        ("1.001", {}, "INVALID_AMOUNT", "amount"),
        ("1" + "0" * 40, {}, "INVALID_AMOUNT", "amount"),
        ("100.01", {}, "INSUFFICIENT_FUNDS", None),
        ("1", {"expiresInSeconds": 0}, "INVALID_INPUT", "expiresInSeconds"),
        ("1", {"expiresInSeconds": -1}, "INVALID_INPUT", "expiresInSeconds"),
        ("1", {"expiresInSeconds": 604801}, "INVALID_INPUT", "expiresInSeconds"),
        ("1", {"idempotencyKey": ""}, "INVALID_INPUT", "idempotencyKey"),
        ("1", {"memo": "x" * 300}, "INVALID_INPUT", "memo"),
    ],
)
def test_bad_authorizations_are_typed_and_change_nothing(
    world: World, amount: str, extra: dict[str, Any], code: str, field: str | None
) -> None:
    before = snapshot(world)
    variables = authorize(world, "alice", "bob", amount)
    variables["input"].update(extra)
    payload = world.alice.data(AUTHORIZE, **variables)["authorizeTransfer"]
    assert payload["pendingTransfer"] is None
    [error] = payload["userErrors"]
    assert error["code"] == code
    if field is not None:
        assert error["field"] == ["input", field]
    assert snapshot(world) == before


@pytest.mark.parametrize(
    ("capture", "code", "field"),
    [
        ({"amount": "30.01"}, "AMOUNT_EXCEEDS_AUTHORIZED", "amount"),
        ({"amount": "0"}, "INVALID_AMOUNT", "amount"),
        ({"amount": "-1"}, "INVALID_AMOUNT", "amount"),
        ({"amount": "1.001"}, "INVALID_AMOUNT", "amount"),
        ({"pendingTransferId": "no-such-hold"}, "TRANSFER_NOT_FOUND", "pendingTransferId"),
        ({"pendingTransferId": ""}, "TRANSFER_NOT_FOUND", "pendingTransferId"),
    ],
)
def test_bad_captures_are_typed_and_change_nothing(
    world: World, capture: dict[str, Any], code: str, field: str
) -> None:
    hold = held(world)
    before = snapshot(world)
    variables = {"pendingTransferId": hold["id"], "idempotencyKey": "c", **capture}
    payload = world.alice.data(CAPTURE, input=variables)["captureTransfer"]
    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == (code, ["input", field])
    assert snapshot(world) == before
    unknown = world.alice.data(VOID, input={"pendingTransferId": "nope"})["voidTransfer"]
    assert [e["code"] for e in unknown["userErrors"]] == ["TRANSFER_NOT_FOUND"]
    assert world.alice.data(PENDING_TRANSFER, id="nope")["pendingTransfer"] is None
