"""Who may read the tamper-evident history fields, over HTTP with a real OIDC issuer: they
follow the account's visibility (holder: own accounts; operator: all), and verifyAccount is
for operators only."""

from __future__ import annotations

import pytest

from tests.e2e.test_access import Caller, World, issued, world

__all__ = ["issued", "world"]  # the fixtures, shared with the identity table's tests

DIGEST = "query($id: ID!) { account(id: $id) { digest { version hash } } }"
HASHES = (
    "query($id: ID!) { account(id: $id) { transactions(first: 5) "
    "{ edges { node { hash previousHash } } } } }"
)
PROOF = (
    "query($id: ID!, $d: DigestInput!) { account(id: $id) "
    "{ verifyHistory(fromDigest: $d) { extends reason } } }"
)
BALANCE_AT = "query($id: ID!) { account(id: $id) { balanceAt(version: 1) { version balance } } }"
VERIFY = "query($id: ID!) { verifyAccount(id: $id) { ok problems { version kind message } } }"
GENESIS = {"version": 0, "hash": "0" * 64}
QUERIES = [DIGEST, HASHES, PROOF, BALANCE_AT, VERIFY]
NAMES = ["digest", "hashes", "verifyHistory", "balanceAt", "verifyAccount"]


@pytest.mark.parametrize("query", QUERIES, ids=NAMES)
def test_anonymous_gets_401(world: World, query: str) -> None:
    response = world.anonymous.post(query, id=world.ids["alice"], d=GENESIS)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert world.ids["alice"] not in response.text


def own_fields(caller: Caller, account_id: str) -> None:
    digest = caller.data(DIGEST, id=account_id)["account"]["digest"]
    assert digest["version"] == 1
    [edge] = caller.data(HASHES, id=account_id)["account"]["transactions"]["edges"]
    assert edge["node"]["hash"] == digest["hash"]
    proof = caller.data(PROOF, id=account_id, d=digest)["account"]["verifyHistory"]
    assert proof == {"extends": True, "reason": None}
    point = caller.data(BALANCE_AT, id=account_id)["account"]["balanceAt"]
    assert point["version"] == 1


def test_a_holder_reads_its_own_history_fields(world: World) -> None:
    own_fields(world.alice, world.ids["alice"])


@pytest.mark.parametrize("query", [DIGEST, HASHES, PROOF, BALANCE_AT], ids=NAMES[:4])
def test_another_holders_account_is_null(world: World, query: str) -> None:
    for other in (world.ids["alice"], world.ids["vault"]):
        assert world.bob.data(query, id=other, d=GENESIS)["account"] is None


def test_verify_account_is_forbidden_to_holders_even_on_their_own(world: World) -> None:
    for account_id in (world.ids["bob"], world.ids["alice"], "no-such-account"):
        [error] = world.bob.errors(VERIFY, id=account_id)
        assert error["extensions"]["code"] == "FORBIDDEN"


def test_an_operator_reads_and_verifies_every_account(world: World) -> None:
    for name in ("alice", "bob", "vault"):
        own_fields(world.ops, world.ids[name])
        checked = world.ops.data(VERIFY, id=world.ids[name])["verifyAccount"]
        assert checked == {"ok": True, "problems": []}
    assert world.ops.data(VERIFY, id="no-such-account")["verifyAccount"] is None
