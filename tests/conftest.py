"""Test session wiring: one embedded DynamoDB endpoint over HTTP on 127.0.0.1 for the whole
session, reset before every test that uses it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from embedded_dynamodb import EmbeddedDynamoDB, reset
from services.ledger import Ledger
from services.settings import Settings


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """The embedded endpoint, started once per session (or LEDGER_TEST_ENDPOINT if set)."""
    external = os.environ.get("LEDGER_TEST_ENDPOINT")
    if external:
        yield external
        return
    with EmbeddedDynamoDB() as url:
        yield url


@pytest.fixture
def settings(dynamodb_endpoint: str) -> Settings:
    """Settings for a clean endpoint: every table, mail and SMS of the last test is gone."""
    reset(dynamodb_endpoint)
    return Settings(
        endpoint_url=dynamodb_endpoint,
        access_key_id="test",
        secret_access_key="test",
        region="us-east-1",
        table_name="ledger",
        aws_max_attempts=2,
        retry_base_delay_seconds=0.005,
        retry_max_delay_seconds=0.1,
        transfer_max_attempts=30,
        # An API built from these settings acts as an operator for every request (the
        # explicit opt-out); identity has tests of its own with a real issuer.
        auth_disabled=True,
        # Tests send more than a client's budget from one principal; the limits have theirs.
        rate_limits=False,
    )


@pytest.fixture
async def ledger(settings: Settings) -> AsyncIterator[Ledger]:
    async with Ledger.connect(settings) as connected:
        yield connected
