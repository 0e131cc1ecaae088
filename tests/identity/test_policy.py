"""Every row of the authorization table, for each role (holder of the account, another
holder, operator). Anonymous callers never reach the policy: the app refuses them first."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.identity import policy
from services.identity.errors import Forbidden
from services.identity.principal import SYSTEM, AuthMethod, Principal

ALICE = Principal("alice", is_operator=False, method=AuthMethod.JWT)
BOB = Principal("bob", is_operator=False, method=AuthMethod.API_KEY, api_key_id="k1")
OPERATOR = Principal("ops", is_operator=True, method=AuthMethod.JWT)

# (principal, account owner) -> allowed, for the rules that depend on ownership only.
OWNERSHIP_CASES = [
    (ALICE, "alice", True),
    (ALICE, "bob", False),
    (ALICE, None, False),  # an account without owner is operator-only
    (BOB, "alice", False),
    (OPERATOR, "alice", True),
    (OPERATOR, None, True),
    (SYSTEM, "bob", True),
]


@pytest.mark.parametrize(("principal", "owner", "allowed"), OWNERSHIP_CASES)
def test_read_account(principal: Principal, owner: str | None, allowed: bool) -> None:
    assert policy.may_read_account(principal, owner) is allowed


@pytest.mark.parametrize(("principal", "owner", "allowed"), OWNERSHIP_CASES)
def test_debit_account(principal: Principal, owner: str | None, allowed: bool) -> None:
    assert policy.may_debit_account(principal, owner) is allowed


@pytest.mark.parametrize(("principal", "owner", "allowed"), OWNERSHIP_CASES)
def test_contact_details(principal: Principal, owner: str | None, allowed: bool) -> None:
    assert policy.sees_contact_details(principal, owner) is allowed


@pytest.mark.parametrize(
    ("principal", "owner", "balance", "allowed"),
    [
        (ALICE, None, Decimal("0"), True),
        (ALICE, None, Decimal("0.00"), True),
        (ALICE, None, Decimal("10"), False),  # holders never create money
        (ALICE, "alice", Decimal("0"), False),  # no explicit owner, even its own
        (ALICE, "bob", Decimal("0"), False),
        (OPERATOR, "bob", Decimal("100"), True),
        (OPERATOR, None, Decimal("100"), True),
        (SYSTEM, "alice", Decimal("5"), True),
    ],
)
def test_create_account(
    principal: Principal, owner: str | None, balance: Decimal, allowed: bool
) -> None:
    assert policy.may_create_account(principal, owner, balance) is allowed


def test_a_holders_new_account_is_its_own() -> None:
    assert policy.owner_of_new_account(ALICE, None) == "alice"
    assert policy.owner_of_new_account(OPERATOR, "bob") == "bob"
    assert policy.owner_of_new_account(OPERATOR, None) is None


@pytest.mark.parametrize(
    ("principal", "allowed"), [(ALICE, False), (BOB, False), (OPERATOR, True), (SYSTEM, True)]
)
def test_list_missing_accounts(principal: Principal, allowed: bool) -> None:
    assert policy.may_list_missing_accounts(principal) is allowed


def test_idempotency_keys_are_scoped_per_principal() -> None:
    assert policy.idempotency_scope(ALICE) != policy.idempotency_scope(BOB)
    # the same subject is the same principal whichever way it authenticated
    alice_by_key = Principal("alice", is_operator=False, method=AuthMethod.API_KEY)
    assert policy.idempotency_scope(ALICE) == policy.idempotency_scope(alice_by_key)
    # fixed length and no separator: "a#" + "b" can never equal "a" + "#b"
    scopes = {policy.idempotency_scope(Principal(s, False, AuthMethod.JWT)) for s in ("a#", "a")}
    assert len(scopes) == 2
    assert all(len(scope) == 32 and "#" not in scope for scope in scopes)


def test_ensure_raises_forbidden_with_the_action() -> None:
    policy.ensure(True, "read account")
    with pytest.raises(Forbidden) as refused:
        policy.ensure(policy.may_read_account(ALICE, "bob"), "read account")
    assert refused.value.action == "read account"
    assert refused.value.code == "FORBIDDEN"


def test_system_is_an_operator() -> None:
    assert SYSTEM.is_operator
    assert SYSTEM.method is AuthMethod.SYSTEM
    assert SYSTEM.expires_at is None
