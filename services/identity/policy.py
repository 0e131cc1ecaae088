"""What a principal may see and do: the ledger's authorization rules, one function per row.

    rule                        holder                                   operator
    read an account             own accounts                             any
    debit an account            own accounts (transfer source)           any
    create an account           for itself, zero balance, no owner set   anything
    set an overdraft limit      no (0 only)                              any, or unlimited
    post a batch of transfers   debit legs from own accounts only        any
    list missing accounts       no                                       yes
    contact details, idem. key  own accounts                             any

An account whose owner id is None belongs to nobody: only operators reach it. Anonymous
callers never get here: the app refuses them before calling a service.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from services.identity.errors import Forbidden
from services.identity.principal import AuthMethod, Principal


def owns(principal: Principal, owner_id: str | None) -> bool:
    return owner_id is not None and owner_id == principal.subject


def may_read_account(principal: Principal, owner_id: str | None) -> bool:
    return principal.is_operator or owns(principal, owner_id)


def may_debit_account(principal: Principal, owner_id: str | None) -> bool:
    return principal.is_operator or owns(principal, owner_id)


def may_create_account(
    principal: Principal, owner_id: str | None, initial_balance: Decimal
) -> bool:
    """A holder opens accounts for itself only: no explicit owner and a zero opening balance
    (money is created by operators alone)."""
    if principal.is_operator:
        return True
    return owner_id is None and initial_balance == 0


def may_set_overdraft_limit(principal: Principal, limit: Decimal | None) -> bool:
    """Overdrafts and external (unlimited) accounts create credit: operators alone."""
    return principal.is_operator or limit == 0


def owner_of_new_account(principal: Principal, owner_id: str | None) -> str | None:
    """The owner to record for an account `principal` may create: a holder's own subject."""
    return owner_id if principal.is_operator else principal.subject


def may_list_missing_accounts(principal: Principal) -> bool:
    return principal.is_operator


def sees_contact_details(principal: Principal, owner_id: str | None) -> bool:
    """E-mail, phone and idempotency keys: the owner's and operators' business only."""
    return principal.is_operator or owns(principal, owner_id)


def idempotency_scope(principal: Principal) -> str | None:
    """A fixed-length prefix for idempotency keys, so two principals' equal keys never meet:
    store `f"{scope}#{key}"`. A hash keeps the prefix unambiguous (no separator in it) and
    keeps subjects out of item keys. None for the system's own paths and for disabled
    authentication: their keys are stored as given (as before identity existed)."""
    if principal.method in (AuthMethod.SYSTEM, AuthMethod.DISABLED):
        return None
    return hashlib.sha256(principal.subject.encode()).hexdigest()[:32]


def scoped_idempotency_key(principal: Principal, key: str | None) -> str | None:
    """The key as stored: `<scope>#<key>`, or the key itself for unscoped principals."""
    scope = idempotency_scope(principal)
    return key if key is None or scope is None else f"{scope}#{key}"


def sees_idempotency_key(principal: Principal, initiated_by: str | None) -> bool:
    """A transfer's idempotency key: its sender's (and operators') business only."""
    return principal.is_operator or (initiated_by is not None and initiated_by == principal.subject)


def ensure(allowed: bool, action: str) -> None:
    """Raise Forbidden(action) unless `allowed`: `ensure(may_read_account(p, o), "read")`."""
    if not allowed:
        raise Forbidden(action)


def may_verify_ledger(principal: Principal) -> bool:
    """Verification reads every entry and names problems of any account: operators only."""
    return principal.is_operator


def may_see_ledger_totals(principal: Principal) -> bool:
    """Totals sum every account's balance, liquidity accounts included: operators only."""
    return principal.is_operator
