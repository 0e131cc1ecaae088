"""Accounts and transfers behind entries load in batches: DynamoDB calls are counted."""

from __future__ import annotations

from collections import Counter
from typing import Any

from services import Ledger
from tests.graph.conftest import Executor

HUB_HISTORY = """
query($id: ID!) {
  account(id: $id) {
    balance
    transactions(first: 50) {
      edges { node { amount transfer { id amount
        fromAccount { id balance } toAccount { id balance } } } }
    }
  }
}
"""


def count_calls(ledger: Ledger) -> Counter[str]:
    """Every DynamoDB API call the ledger's client makes from now on, by operation name."""
    calls: Counter[str] = Counter()

    def record(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    ledger.store._client.meta.events.register("before-call.dynamodb", record)  # type: ignore[attr-defined]
    return calls


async def test_fifty_entries_with_transfers_and_accounts_cost_four_calls(
    gql: Executor, ledger: Ledger
) -> None:
    spokes = [f"spoke-{n}" for n in range(10)]
    await ledger.create_account_with_balance("hub", "1000.00")
    for spoke in spokes:
        await ledger.create_account_with_balance(spoke, "100.00")
    for n in range(50):
        spoke = spokes[n % len(spokes)]
        if n % 2:
            await ledger.transfer_credits("hub", spoke, "1.00")
        else:
            await ledger.transfer_credits(spoke, "hub", "2.00")
    calls = count_calls(ledger)

    data = await gql.data(HUB_HISTORY, id="hub")

    edges = data["account"]["transactions"]["edges"]
    assert len(edges) == 50
    transfers = [e["node"]["transfer"] for e in edges]
    touched = {t[side]["id"] for t in transfers for side in ("fromAccount", "toAccount")}
    assert touched == {"hub", *spokes}
    # The root account, then one page of entries, then one batch of 50 transfers, then one
    # batch for the ten other accounts (the hub is already cached): not one read per entry.
    assert calls == Counter({"BatchGetItem": 3, "Query": 1})


async def test_accounts_query_is_one_batch(gql: Executor, ledger: Ledger) -> None:
    ids = [f"acct-{n}" for n in range(30)]
    for account_id in ids:
        await ledger.create_account_with_balance(account_id, "1.00")
    calls = count_calls(ledger)
    data = await gql.data(
        "query($ids: [ID!]!) { accounts(ids: $ids) { id balance } "
        'more: account(id: "acct-3") { id } }',
        ids=[*ids, "missing"],
    )
    assert len(data["accounts"]) == 31
    assert calls == Counter({"BatchGetItem": 1})


async def test_loaders_do_not_outlive_a_request(gql: Executor, ledger: Ledger) -> None:
    await ledger.create_account_with_balance("a", "10.00")
    await ledger.create_account_with_balance("b", "0")
    query = '{ account(id: "a") { balance } }'
    assert (await gql.data(query))["account"]["balance"] == "10.00"
    await ledger.transfer_credits("a", "b", "4")
    assert (await gql.data(query))["account"]["balance"] == "6.00"
