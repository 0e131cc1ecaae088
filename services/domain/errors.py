"""The ledger's typed errors. Every business failure a caller can see is one of these."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    ACCOUNT_EXISTS = "ACCOUNT_EXISTS"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    SAME_ACCOUNT = "SAME_ACCOUNT"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    INVALID_INPUT = "INVALID_INPUT"
    #: The caller is authenticated but the ledger's policy refuses the request.
    FORBIDDEN = "FORBIDDEN"
    #: No usable credential (HTTP 401, or a websocket closed with 4403).
    UNAUTHENTICATED = "UNAUTHENTICATED"
    OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
    #: A batch needs more items than one DynamoDB transaction holds (100).
    BATCH_TOO_LARGE = "BATCH_TOO_LARGE"
    TRANSFER_NOT_FOUND = "TRANSFER_NOT_FOUND"
    #: The reversals of a transfer would give back more than it moved.
    REVERSAL_EXCEEDS_ORIGINAL = "REVERSAL_EXCEEDS_ORIGINAL"
    #: The operation would cost more than one operation may (refused before it runs).
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    #: The caller spent its budget for now; `retryAfter` seconds (HTTP 429, Retry-After).
    RATE_LIMITED = "RATE_LIMITED"
    #: Too many transfers of one account are already waiting: nothing was done; retry.
    ACCOUNT_BUSY = "ACCOUNT_BUSY"
    #: Exchange (services.fx.errors): the quote does not exist (or its TTL evicted it).
    QUOTE_NOT_FOUND = "QUOTE_NOT_FOUND"
    QUOTE_EXPIRED = "QUOTE_EXPIRED"
    #: A quote books one transfer.
    QUOTE_USED = "QUOTE_USED"
    #: The transfer's accounts or amount differ from what was quoted.
    QUOTE_MISMATCH = "QUOTE_MISMATCH"
    #: No rate for one of the currencies.
    RATE_NOT_FOUND = "RATE_NOT_FOUND"
    #: The rates provider cannot be reached and nothing fresh is cached: no quotes for now.
    RATES_UNAVAILABLE = "RATES_UNAVAILABLE"
    #: The newest rates are older than LEDGER_FX_MAX_RATE_AGE_SECONDS: no quotes for now.
    RATES_STALE = "RATES_STALE"
    #: The hold was already captured, voided or expired (or is past its expiry).
    TRANSFER_NOT_PENDING = "TRANSFER_NOT_PENDING"
    #: A capture asked for more than the hold authorized.
    AMOUNT_EXCEEDS_AUTHORIZED = "AMOUNT_EXCEEDS_AUTHORIZED"


class LedgerError(Exception):
    """A business failure: safe to show to the caller, and nothing was written (except
    OutcomeUnknown, which says the write may have happened)."""

    #: The same request may succeed later (OutcomeUnknown: with the same idempotency key).
    retryable = False

    code: ErrorCode

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, field={self.field!r})"


class AccountNotFound(LedgerError):
    code = ErrorCode.ACCOUNT_NOT_FOUND

    def __init__(self, account_id: str, *, field: str | None = "account_id") -> None:
        super().__init__(f"account {account_id!r} does not exist", field=field)
        self.account_id = account_id


class AccountExists(LedgerError):
    code = ErrorCode.ACCOUNT_EXISTS

    def __init__(self, account_id: str) -> None:
        super().__init__(f"account {account_id!r} already exists", field="account_id")
        self.account_id = account_id


class InsufficientFunds(LedgerError):
    code = ErrorCode.INSUFFICIENT_FUNDS

    def __init__(self, account_id: str) -> None:
        super().__init__(
            f"account {account_id!r} has insufficient funds for this transfer", field="amount"
        )
        self.account_id = account_id


class InvalidAmount(LedgerError):
    code = ErrorCode.INVALID_AMOUNT


class SameAccount(LedgerError):
    code = ErrorCode.SAME_ACCOUNT

    def __init__(self, account_id: str) -> None:
        super().__init__(f"cannot transfer from account {account_id!r} to itself", field="to_id")


class CurrencyMismatch(LedgerError):
    code = ErrorCode.CURRENCY_MISMATCH

    def __init__(self, source_currency: str, destination_currency: str) -> None:
        super().__init__(
            f"source account holds {source_currency} but destination holds {destination_currency}",
            field="to_id",
        )


class IdempotencyConflict(LedgerError):
    code = ErrorCode.IDEMPOTENCY_CONFLICT

    def __init__(self, key: str) -> None:
        super().__init__(
            f"idempotency key {key!r} was already used for a transfer with different parameters",
            field="idempotency_key",
        )


class InvalidInput(LedgerError):
    code = ErrorCode.INVALID_INPUT


class Forbidden(LedgerError):
    """The principal may not do this (a holder creating money, listing missing ids, ...).

    Reading or debiting someone else's account is never Forbidden: it is AccountNotFound, so
    that ids cannot be probed."""

    code = ErrorCode.FORBIDDEN

    def __init__(self, action: str, *, field: str | None = None) -> None:
        super().__init__(f"forbidden: {action}", field=field)
        self.action = action


class OutcomeUnknown(LedgerError):
    """The write may or may not have committed: its last attempts ended in ambiguous errors
    (a timeout, a lost answer). Retrying with the same idempotency key is safe: it returns the
    original if it committed, or applies it once."""

    code = ErrorCode.OUTCOME_UNKNOWN
    retryable = True

    def __init__(self, what: str = "transfer") -> None:
        super().__init__(
            f"the {what} may or may not have been applied (the store did not answer); retry "
            "with the same idempotency key: a replay returns the original or applies it once",
            field="idempotency_key",
        )


class AccountBusy(LedgerError):
    """Too many transfers of this account already wait for it in this process: refused at
    once, nothing was done. Retryable: the queue drains in milliseconds."""

    code = ErrorCode.ACCOUNT_BUSY

    def __init__(self, account_id: str, *, field: str | None = None) -> None:
        super().__init__(
            f"account {account_id!r} has too many transfers in progress; retry shortly",
            field=field,
        )
        self.account_id = account_id


class LedgerUnavailable(Exception):
    """The store could not be reached or kept failing after retries. Not a business error:
    nothing is known to have been written, and the message is not meant for clients."""


class BatchTooLarge(LedgerError):
    """A batch whose transaction would exceed DynamoDB's 100 items (services.ledger.postings)."""

    code = ErrorCode.BATCH_TOO_LARGE

    def __init__(self, legs: int, accounts: int, items: int, limit: int) -> None:
        super().__init__(
            f"a batch of {legs} transfers over {accounts} accounts writes {items} items; one "
            f"transaction holds at most {limit} (up to 19 transfers always fit)",
            field="transfers",
        )
        self.items = items


class TransferNotFound(LedgerError):
    """No such transfer, or one the caller may not see (indistinguishable)."""

    code = ErrorCode.TRANSFER_NOT_FOUND

    def __init__(self, transfer_id: str, *, field: str | None = "transfer_id") -> None:
        super().__init__(f"transfer {transfer_id!r} does not exist", field=field)
        self.transfer_id = transfer_id


class ReversalExceedsOriginal(LedgerError):
    code = ErrorCode.REVERSAL_EXCEEDS_ORIGINAL

    def __init__(self, transfer_id: str, remaining: str) -> None:
        super().__init__(
            f"transfer {transfer_id!r} has {remaining} left to reverse", field="amount"
        )
        self.transfer_id = transfer_id


class TransferNotPending(LedgerError):
    """The hold is no longer PENDING: captured, voided or expired (`status` says which)."""

    code = ErrorCode.TRANSFER_NOT_PENDING

    def __init__(self, pending_transfer_id: str, status: str) -> None:
        super().__init__(
            f"pending transfer {pending_transfer_id!r} is {status}, not PENDING",
            field="pending_transfer_id",
        )
        self.pending_transfer_id = pending_transfer_id
        self.status = status


class AmountExceedsAuthorized(LedgerError):
    code = ErrorCode.AMOUNT_EXCEEDS_AUTHORIZED

    def __init__(self, pending_transfer_id: str, authorized: str) -> None:
        super().__init__(
            f"pending transfer {pending_transfer_id!r} authorized {authorized}", field="amount"
        )
        self.pending_transfer_id = pending_transfer_id
