"""Fixtures for stream processing: wired services, a recording SMS gateway, a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aioboto3
import pytest
from pydantic import SecretStr

from services.bootstrap import Services, bootstrap
from services.settings import Settings
from tests.streams.support import RedisServer, SmsGateway, start_gateway

SENDER = "ledger@example.com"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server for the session; fails (never skips) when it is not installed."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sms_gateway() -> Iterator[SmsGateway]:
    gateway, server = start_gateway()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def stream_settings(settings: Settings, sms_gateway: SmsGateway) -> Settings:
    return settings.model_copy(
        update={
            "notify_email": True,
            "notify_sms": True,
            "email_sender": SENDER,
            "sms_provider": "gateway",
            "sms_gateway_url": sms_gateway.url,
            "sms_gateway_api_key": SecretStr(sms_gateway.api_key),
            "notification_max_attempts": 2,
            "notification_retry_base_seconds": 0.01,
            "stream_poll_interval_seconds": 0.02,
            # The scenarios send hundreds of messages to a few test addresses; the caps have
            # their own test (test_notification_caps.py).
            "notify_max_emails_per_recipient_hour": 100_000,
            "notify_max_sms_per_recipient_hour": 100_000,
        }
    )


async def verify_sender(settings: Settings) -> None:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=settings.region
    )
    async with session.client("sesv2", endpoint_url=settings.endpoint_url) as ses:
        await ses.create_email_identity(EmailIdentity=settings.email_sender)


@pytest.fixture
async def services(stream_settings: Settings) -> AsyncIterator[Services]:
    await verify_sender(stream_settings)
    async with bootstrap(stream_settings) as wired:
        yield wired
