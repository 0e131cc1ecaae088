"""The tamper-evident history fields through the schema, as an operator: digests, hashes,
proofs, balances in the past and verifyAccount, and every argument's bad values."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import boto3
import pytest

from services import Ledger
from services.dynamo import items as codec
from services.settings import Settings
from tests.graph.conftest import Executor

DIGEST = "query($id: ID!) { account(id: $id) { digest { version hash } } }"
ENTRIES = """query($id: ID!) { account(id: $id) { transactions(first: 10) {
  edges { node { hash previousHash } } } } }"""
PROOF = """query($id: ID!, $d: DigestInput!) { account(id: $id) {
  verifyHistory(fromDigest: $d) { extends reason checked } } }"""
AT_VERSION = (
    "query($id: ID!, $v: Int) { account(id: $id) { balanceAt(version: $v) { version balance } } }"
)
AT_TIME = (
    "query($id: ID!, $at: DateTime) { account(id: $id) { balanceAt(at: $at) { version balance } } }"
)
VERIFY = """query($id: ID!) { verifyAccount(id: $id) { ok digest { version hash }
  problems { version kind message } } }"""


@pytest.fixture
async def paid(ledger: Ledger) -> Ledger:
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    for amount in ("10.00", "20.00", "30.00"):
        await ledger.transfer_credits("alice", "bob", amount)
    return ledger


def code(result: Any) -> str:
    [error] = result.errors
    return str(error.extensions["code"])


async def test_digest_and_entry_hashes_form_the_chain(gql: Executor, paid: Ledger) -> None:
    digest = (await gql.data(DIGEST, id="alice"))["account"]["digest"]
    edges = (await gql.data(ENTRIES, id="alice"))["account"]["transactions"]["edges"]
    nodes = [edge["node"] for edge in edges]  # newest first
    assert digest == {"version": 4, "hash": nodes[0]["hash"]}
    assert all(n["previousHash"] == older["hash"] for n, older in pairwise(nodes))


async def test_verify_history_extends_old_digests_and_refuses_strangers(
    gql: Executor, paid: Ledger
) -> None:
    kept = (await gql.data(DIGEST, id="alice"))["account"]["digest"]
    await paid.transfer_credits("alice", "bob", "1.00")
    proof = (await gql.data(PROOF, id="alice", d=kept))["account"]["verifyHistory"]
    assert proof == {"extends": True, "reason": None, "checked": 2}
    forged = {"version": kept["version"], "hash": "0" * 64}
    proof = (await gql.data(PROOF, id="alice", d=forged))["account"]["verifyHistory"]
    assert proof["extends"] is False
    assert "now has hash" in proof["reason"]
    ahead = {"version": 99, "hash": kept["hash"]}
    proof = (await gql.data(PROOF, id="alice", d=ahead))["account"]["verifyHistory"]
    assert proof["extends"] is False
    bob = (await gql.data(DIGEST, id="bob"))["account"]["digest"]
    proof = (await gql.data(PROOF, id="alice", d=bob))["account"]["verifyHistory"]
    assert proof["extends"] is False


@pytest.mark.parametrize(
    "digest",
    [
        {"version": -1, "hash": "a" * 64},
        {"version": 1, "hash": "not-a-hash"},
        {"version": 1, "hash": "A" * 64},
        {"version": 1, "hash": "a" * 65},
    ],
)
async def test_verify_history_refuses_malformed_digests(
    gql: Executor, paid: Ledger, digest: dict[str, Any]
) -> None:
    assert code(await gql(PROOF, id="alice", d=digest)) == "INVALID_INPUT"


async def test_verify_history_refuses_a_huge_version_int(gql: Executor, paid: Ledger) -> None:
    result = await gql(PROOF, id="alice", d={"version": 2**40, "hash": "a" * 64})
    assert result.errors  # not a GraphQL Int: refused before any resolver runs


async def test_balance_at_a_version(gql: Executor, paid: Ledger) -> None:
    async def at(version: int) -> Any:
        return (await gql.data(AT_VERSION, id="alice", v=version))["account"]["balanceAt"]

    assert await at(0) == {"version": 0, "balance": "0.00"}
    assert await at(1) == {"version": 1, "balance": "100.00"}
    assert await at(3) == {"version": 3, "balance": "70.00"}
    assert await at(4) == {"version": 4, "balance": "40.00"}
    for bad in (-1, 5, 2**31 - 1):
        assert code(await gql(AT_VERSION, id="alice", v=bad)) == "INVALID_INPUT", bad
    assert (await gql(AT_VERSION, id="alice", v=2**40)).errors


async def test_balance_at_a_moment(gql: Executor, paid: Ledger) -> None:
    page = await paid.get_transactions("alice", 10)
    times = {e.version: e.created_at for e in page.entries}

    async def at(moment: datetime) -> Any:
        return (await gql.data(AT_TIME, id="alice", at=moment.isoformat()))["account"]["balanceAt"]

    assert await at(times[1] - timedelta(days=1)) == {"version": 0, "balance": "0.00"}
    assert (await at(times[2]))["balance"] == "90.00"
    assert (await at(times[4] + timedelta(days=1))) == {"version": 4, "balance": "40.00"}
    assert (await gql(AT_TIME, id="alice", at="2024-01-01T00:00:00")).errors  # no zone
    both = 'query { account(id: "alice") { balanceAt(version: 1, at: "2024-01-01T00:00:00Z") '
    assert code(await gql(both + "{ balance } } }")) == "INVALID_INPUT"
    neither = 'query { account(id: "alice") { balanceAt { balance } } }'
    assert code(await gql(neither)) == "INVALID_INPUT"


async def test_unknown_accounts_are_null(gql: Executor, paid: Ledger) -> None:
    assert (await gql.data(DIGEST, id="nobody"))["account"] is None
    assert (await gql.data(VERIFY, id="nobody"))["verifyAccount"] is None
    assert (await gql.data(AT_VERSION, id="nobody", v=1))["account"] is None


async def test_verify_account_names_what_is_wrong(
    gql: Executor, paid: Ledger, settings: Settings
) -> None:
    clean = (await gql.data(VERIFY, id="alice"))["verifyAccount"]
    assert clean["ok"] is True
    assert clean["problems"] == []
    assert clean["digest"]["version"] == 4
    raw = boto3.client(
        "dynamodb",
        endpoint_url=settings.endpoint_url,
        region_name=settings.region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    item = raw.get_item(TableName=settings.table_name, Key=codec.entry_key("alice", 2))["Item"]
    item["memo"] = {"S": "edited"}
    raw.put_item(TableName=settings.table_name, Item=item)
    tampered = (await gql.data(VERIFY, id="alice"))["verifyAccount"]
    assert tampered["ok"] is False
    assert {(p["version"], p["kind"]) for p in tampered["problems"]} == {
        (2, "HASH_MISMATCH"),
        (2, "TRANSFER_MISMATCH"),
    }
