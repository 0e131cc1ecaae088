"""Money movements made of several postings: what a caller asks for and what it gets back.

Plain data, no I/O. A batch (postTransfers) is N transfers committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from services.domain.model import Transfer


@dataclass(frozen=True, slots=True)
class TransferLeg:
    """One transfer of a batch, as the caller asks for it (checked by the batch use case)."""

    from_account_id: str
    to_account_id: str
    amount: Decimal | int | str
    memo: str | None = None
    metadata: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    """Transfers committed in one transaction: all of them, or none."""

    id: str
    transfers: tuple[Transfer, ...]
    created_at: datetime
    idempotency_key: str | None = None
    initiated_by: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
