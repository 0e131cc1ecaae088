"""The ledger's domain, application services and AWS adapters. Knows nothing of GraphQL."""

from services.domain.errors import (
    AccountExists,
    AccountNotFound,
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
)
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
    "Batch",
    "BatchTooLarge",
    "CurrencyMismatch",
    "Direction",
    "Entry",
    "ErrorCode",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidAmount",
    "InvalidInput",
    "Ledger",
    "LedgerError",
    "LedgerUnavailable",
    "OutcomeUnknown",
    "Page",
    "ReversalExceedsOriginal",
    "SameAccount",
    "Settings",
    "Transfer",
    "TransferLeg",
    "TransferNotFound",
]
