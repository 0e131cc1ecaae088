"""The ledger's domain, application services and AWS adapters. Knows nothing of GraphQL."""

from services.domain.errors import (
    AccountExists,
    AccountNotFound,
    AmountExceedsAuthorized,
    BatchTooLarge,
    CurrencyMismatch,
    ErrorCode,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidInput,
    LedgerError,
    LedgerUnavailable,
    OutcomeUnknown,
    ReversalExceedsOriginal,
    SameAccount,
    TransferNotFound,
    TransferNotPending,
)
from services.domain.holds import HoldStatus, PendingTransfer
from services.domain.model import Account, Direction, Entry, Page, Transfer
from services.domain.money import MAX_AMOUNT
from services.domain.movements import Batch, TransferLeg
from services.ledger import MAX_PAGE_SIZE, Ledger
from services.settings import Settings

__all__ = [
    "MAX_AMOUNT",
    "MAX_PAGE_SIZE",
    "Account",
    "AccountExists",
    "AccountNotFound",
    "AmountExceedsAuthorized",
    "Batch",
    "BatchTooLarge",
    "CurrencyMismatch",
    "Direction",
    "Entry",
    "ErrorCode",
    "HoldStatus",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidAmount",
    "InvalidInput",
    "Ledger",
    "LedgerError",
    "LedgerUnavailable",
    "OutcomeUnknown",
    "Page",
    "PendingTransfer",
    "ReversalExceedsOriginal",
    "SameAccount",
    "Settings",
    "Transfer",
    "TransferLeg",
    "TransferNotFound",
    "TransferNotPending",
]
