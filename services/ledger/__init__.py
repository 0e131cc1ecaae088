"""The ledger application service and its store port."""

from services.ledger.service import MAX_PAGE_SIZE, Ledger, LedgerConnection

__all__ = ["MAX_PAGE_SIZE", "Ledger", "LedgerConnection"]
