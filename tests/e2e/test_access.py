"""Who may do what, over HTTP on a real socket, with tokens from a real OIDC issuer (JWKS over
HTTP): every row of the identity table for anonymous callers, two holders and an operator.
Refused requests change nothing and reveal nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from entrypoints.app import create_app
from tests.documents import CREATE, TRANSFER
from tests.e2e.conftest import Api, e2e_settings, serving
from tests.helpers import table_items
from tests.support.oidc_issuer import AUDIENCE, OidcIssuer, running_issuer

ACCOUNT = """
query($id: ID!) {
  account(id: $id) { id balance email phone ownerId
    transactions(first: 10) { edges { node { amount transfer { id idempotencyKey
      fromAccount { id } toAccount { id } } } } } }
}
"""
ACCOUNTS = "query($ids: [ID!]!) { accounts(ids: $ids) { id } }"
MISSING = "query($ids: [ID!]!) { missingAccounts(ids: $ids) }"
TRANSFER_BY_ID = "query($id: ID!) { transfer(id: $id) { id idempotencyKey } }"
ME = (
    "query { me { subject isAdmin accounts(first: 2) { edges { cursor node { id ownerId } } "
    "pageInfo { hasNextPage endCursor } } } }"
)
ME_AFTER = (
    "query($after: String) { me { accounts(first: 2, after: $after) { edges { node { id } } } } }"
)


@dataclass(frozen=True)
class Caller:
    """One principal's view of the API: posts with its bearer token (None: anonymous)."""

    api: Api
    token: str | None

    def post(self, query: str, **variables: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        body = {"query": query, "variables": variables}
        return httpx.post(self.api.graphql, json=body, headers=headers, timeout=30)

    def data(self, query: str, **variables: Any) -> Any:
        response = self.post(query, **variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def errors(self, query: str, **variables: Any) -> list[dict[str, Any]]:
        response = self.post(query, **variables)
        assert response.status_code == 200, response.text
        errors: list[dict[str, Any]] = response.json()["errors"]
        return errors


@dataclass(frozen=True)
class World:
    api: Api
    issuer: OidcIssuer
    anonymous: Caller
    alice: Caller
    bob: Caller
    ops: Caller
    #: alice's and bob's accounts and an operators-only one, fresh per test.
    ids: dict[str, str]


@pytest.fixture(scope="module")
def issued(dynamodb_endpoint: str) -> Iterator[tuple[Api, OidcIssuer]]:
    with running_issuer() as issuer:
        settings = e2e_settings(
            dynamodb_endpoint, auth_disabled=False, auth_issuer=issuer.url, auth_audience=AUDIENCE
        )
        with serving(create_app(settings)) as url:
            yield Api(url, settings), issuer


@pytest.fixture
def world(issued: tuple[Api, OidcIssuer], uid: Callable[[str], str]) -> World:
    api, issuer = issued
    # Subjects are fresh per test too: `me` lists exactly this test's accounts.
    alice_sub, bob_sub = uid("alice-sub"), uid("bob-sub")
    ops = Caller(api, issuer.token(uid("ops"), operator=True))
    ids = {"alice": uid("alice"), "bob": uid("bob"), "vault": uid("vault")}
    for name, owner, balance in (
        ("alice", alice_sub, "100"),
        ("bob", bob_sub, "50"),
        ("vault", None, "1000"),
    ):
        extra = {"ownerId": owner} if owner else {}
        created = ops.data(
            CREATE,
            input={
                "id": ids[name],
                "initialBalance": balance,
                "email": f"{name}@example.com",
                "phone": "+14155550100",
                **extra,
            },
        )
        assert created["createAccount"]["userErrors"] == [], created
    return World(
        api,
        issuer,
        Caller(api, None),
        Caller(api, issuer.token(alice_sub)),
        Caller(api, issuer.token(bob_sub)),
        ops,
        ids,
    )


def snapshot(world: World) -> list[dict[str, Any]]:
    return asyncio.run(table_items(world.api.settings))


# --- anonymous ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [ACCOUNT, ACCOUNTS, MISSING, ME, TRANSFER_BY_ID, CREATE, TRANSFER],
    ids=["account", "accounts", "missingAccounts", "me", "transfer", "createAccount", "pay"],
)
def test_anonymous_gets_401_for_every_data_field(world: World, query: str) -> None:
    before = snapshot(world)
    variables = {
        "id": world.ids["alice"],
        "ids": [world.ids["alice"]],
        "input": {
            "fromAccountId": world.ids["alice"],
            "toAccountId": world.ids["bob"],
            "amount": "1",
        }
        if query == TRANSFER
        else {"id": "x", "initialBalance": "5"},
    }
    response = world.anonymous.post(query, **variables)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in response.json()
    assert world.ids["alice"] not in response.text  # nothing about the account leaks
    assert snapshot(world) == before


def test_public_probes_and_graphiql_page(world: World) -> None:
    url = world.api.url
    assert httpx.get(url + "/healthz").status_code == 200
    assert httpx.get(url + "/readyz").json()["auth"] == "oidc"
    page = httpx.get(url + "/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Bearer" not in page.text  # a real deployment's GraphiQL has no token in it
    assert httpx.post(url + "/auth/dev-token", json={"subject": "x"}).status_code == 404


def test_refused_tokens_get_401_with_invalid_token(world: World) -> None:
    issuer = world.issuer
    key = list(issuer.keys.values())[-1]
    hostile = {
        "alg none": issuer.unsigned_token("alice", scope="ledger:admin"),
        "hs256 with the public key": issuer.hs256_with_public_key(key),
        "tampered": issuer.tampered(issuer.token("mallory"), sub="alice", scope="ledger:admin"),
        "expired": issuer.token("alice", exp=1_000_000_000, iat=999_999_000, nbf=999_999_000),
        "wrong audience": issuer.token("alice", aud="someone-else"),
        "wrong issuer": issuer.token("alice", iss="https://evil.example.com"),
        "unknown kid": issuer.token("alice", kid="no-such-key"),
        "garbage": "not.a.token",
    }
    for kind, token in hostile.items():
        response = Caller(world.api, token).post(ME)
        assert response.status_code == 401, kind
        assert 'error="invalid_token"' in response.headers["www-authenticate"], kind
        assert token not in response.text, kind


# --- holders -----------------------------------------------------------------------------


def test_a_holder_reads_its_own_account_and_nobody_elses(world: World) -> None:
    alice, ids = world.alice, world.ids
    own = alice.data(ACCOUNT, id=ids["alice"])["account"]
    assert (own["balance"], own["email"], own["phone"]) == (
        "100.00",
        "alice@example.com",
        "+14155550100",
    )
    for other in (ids["bob"], ids["vault"], "no-such-account"):
        # Someone else's account and a missing one answer the same: ids cannot be probed.
        body = alice.post(ACCOUNT, id=other).json()
        assert (body["data"], body.get("errors")) == ({"account": None}, None)
    assert alice.data(ACCOUNTS, ids=[ids["bob"], ids["alice"], "ghost"])["accounts"] == [
        None,
        {"id": ids["alice"]},
        None,
    ]
    [refused] = alice.errors(MISSING, ids=[ids["bob"], "ghost"])
    assert refused["extensions"]["code"] == "FORBIDDEN"


def test_me_lists_the_holders_accounts_as_a_connection(world: World) -> None:
    extra = [world.ids["alice"] + suffix for suffix in ("-b", "-c")]
    for account_id in extra:
        created = world.alice.data(CREATE, input={"id": account_id})
        assert created["createAccount"]["userErrors"] == []
    me = world.alice.data(ME)["me"]
    assert me["isAdmin"] is False
    assert me["subject"].startswith("alice-sub")
    first = [edge["node"]["id"] for edge in me["accounts"]["edges"]]
    assert first == [world.ids["alice"], extra[0]]
    assert all(edge["node"]["ownerId"] == me["subject"] for edge in me["accounts"]["edges"])
    assert me["accounts"]["pageInfo"]["hasNextPage"] is True
    after = me["accounts"]["pageInfo"]["endCursor"]
    rest = world.alice.data(ME_AFTER, after=after)["me"]["accounts"]["edges"]
    assert [edge["node"]["id"] for edge in rest] == [extra[1]]
    # A cursor of alice's list is not bob's.
    [error] = world.bob.errors(ME_AFTER, after=after)
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert world.ops.data(ME)["me"]["isAdmin"] is True


def test_a_holder_opens_accounts_for_itself_with_no_money(
    world: World, uid: Callable[[str], str]
) -> None:
    new_id = uid("alice-savings")
    before = snapshot(world)
    for refused, field in (
        ({"id": new_id, "initialBalance": "10"}, "initialBalance"),
        ({"id": new_id, "ownerId": "someone-else"}, "ownerId"),
    ):
        payload = world.alice.data(CREATE, input=refused)["createAccount"]
        assert payload["account"] is None
        [error] = payload["userErrors"]
        assert (error["code"], error["field"]) == ("FORBIDDEN", ["input", field])
    assert snapshot(world) == before
    created = world.alice.data(CREATE, input={"id": new_id})["createAccount"]
    assert created["userErrors"] == []
    assert world.alice.data(ACCOUNT, id=new_id)["account"]["ownerId"] is not None


def test_a_holder_pays_from_its_own_accounts_only(world: World) -> None:
    alice, bob, ids = world.alice, world.bob, world.ids
    before = snapshot(world)
    for source in (ids["bob"], ids["vault"], "ghost"):
        payload = alice.data(
            TRANSFER,
            input={
                "fromAccountId": source,
                "toAccountId": ids["alice"],
                "amount": "1",
                "idempotencyKey": f"steal-{source}",
            },
        )["transfer"]
        assert payload["transfer"] is None
        [error] = payload["userErrors"]
        assert (error["code"], error["field"]) == (
            "ACCOUNT_NOT_FOUND",
            ["input", "fromAccountId"],
        )
        assert "balance" not in error["message"]
        # The id it names is random hex, which may hold "50" itself.
        assert "50" not in error["message"].replace(source, "")
    assert snapshot(world) == before
    paid = alice.data(
        TRANSFER,
        input={
            "fromAccountId": ids["alice"],
            "toAccountId": ids["bob"],
            "amount": "2.50",
            "idempotencyKey": "rent",
        },
    )["transfer"]
    assert paid["userErrors"] == []
    assert bob.data(ACCOUNT, id=ids["bob"])["account"]["balance"] == "52.50"


def test_what_the_recipient_sees_of_a_transfer(world: World) -> None:
    ids = world.ids
    paid = world.alice.data(
        TRANSFER,
        input={
            "fromAccountId": ids["alice"],
            "toAccountId": ids["bob"],
            "amount": "1",
            "idempotencyKey": "alice-secret-key",
        },
    )["transfer"]["transfer"]
    seen_by_bob = world.bob.data(ACCOUNT, id=ids["bob"])["account"]
    node = seen_by_bob["transactions"]["edges"][0]["node"]
    assert node["transfer"]["id"] == paid["id"]
    # Bob sees the transfer but not alice's account nor her idempotency key.
    assert node["transfer"]["idempotencyKey"] is None
    assert node["transfer"]["fromAccount"] is None
    assert node["transfer"]["toAccount"] == {"id": ids["bob"]}
    assert world.bob.data(TRANSFER_BY_ID, id=paid["id"])["transfer"]["idempotencyKey"] is None
    assert world.alice.data(TRANSFER_BY_ID, id=paid["id"])["transfer"]["idempotencyKey"] == (
        "alice-secret-key"
    )
    assert world.ops.data(TRANSFER_BY_ID, id=paid["id"])["transfer"]["idempotencyKey"] == (
        "alice-secret-key"
    )
    # A transfer between two other accounts is invisible to a third holder.
    outsider = Caller(world.api, world.issuer.token(f"outsider-{uuid.uuid4().hex[:6]}"))
    assert outsider.data(TRANSFER_BY_ID, id=paid["id"])["transfer"] is None


def test_idempotency_keys_belong_to_their_sender(world: World) -> None:
    ids = world.ids
    alice_paid = world.alice.data(
        TRANSFER,
        input={
            "fromAccountId": ids["alice"],
            "toAccountId": ids["bob"],
            "amount": "3",
            "idempotencyKey": "shared-key",
        },
    )["transfer"]
    bob_paid = world.bob.data(
        TRANSFER,
        input={
            "fromAccountId": ids["bob"],
            "toAccountId": ids["alice"],
            "amount": "4",
            "idempotencyKey": "shared-key",
        },
    )["transfer"]
    assert alice_paid["userErrors"] == []
    assert bob_paid["userErrors"] == []
    assert alice_paid["transfer"]["id"] != bob_paid["transfer"]["id"]  # neither blocked
    replay = world.alice.data(
        TRANSFER,
        input={
            "fromAccountId": ids["alice"],
            "toAccountId": ids["bob"],
            "amount": "3",
            "idempotencyKey": "shared-key",
        },
    )["transfer"]
    assert replay["transfer"]["id"] == alice_paid["transfer"]["id"]
    balances = world.ops.data(ACCOUNTS, ids=[ids["alice"], ids["bob"]])
    assert balances["accounts"] == [{"id": ids["alice"]}, {"id": ids["bob"]}]
    assert world.ops.data(ACCOUNT, id=ids["alice"])["account"]["balance"] == "101.00"


# --- operators ---------------------------------------------------------------------------


def test_an_operator_sees_and_does_everything(world: World, uid: Callable[[str], str]) -> None:
    ops, ids = world.ops, world.ids
    for account_id in ids.values():
        assert ops.data(ACCOUNT, id=account_id)["account"]["email"] is not None
    assert ops.data(MISSING, ids=[ids["bob"], "ghost"])["missingAccounts"] == ["ghost"]
    paid = ops.data(
        TRANSFER,
        input={
            "fromAccountId": ids["vault"],
            "toAccountId": ids["alice"],
            "amount": "10",
            "idempotencyKey": "fund-alice",
        },
    )["transfer"]
    assert paid["userErrors"] == []
    owned = ops.data(CREATE, input={"id": uid("carol"), "ownerId": "carol", "initialBalance": "7"})[
        "createAccount"
    ]
    assert owned["userErrors"] == []
    assert owned["account"]["balance"] == "7.00"
