"""Identifiers and timestamps for new ledger records."""

from __future__ import annotations

from datetime import UTC, datetime

from ulid import ULID


def new_id() -> str:
    """A ULID: unique, and sortable by creation time."""
    return str(ULID())


def utc_now() -> datetime:
    return datetime.now(UTC)
