"""Who may post batches and set overdraft limits, over HTTP with a real OIDC issuer: anonymous
callers get 401, a holder debits only its own accounts, operators do everything; refusals
change nothing."""

# The fixtures are test_access.py's, imported by name: parameters re-bind them on purpose.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_access import World, issued, snapshot, world  # noqa: F401
from tests.movement_documents import ACCOUNT_LIMIT, CREATE_WITH_LIMIT, POST_TRANSFERS


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
        assert "50" not in error["message"]
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
