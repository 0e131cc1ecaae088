"""The ledger use cases (accounts, transfers, history) behind one `Ledger`, and their store port."""

from services.ledger.facade import Ledger
from services.ledger.history import MAX_PAGE_SIZE

__all__ = ["MAX_PAGE_SIZE", "Ledger"]
