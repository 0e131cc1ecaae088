"""Notifications from the stream: one message per entry and channel, never two; outages recorded
as failed and sent again by `ledger notifications retry`."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from entrypoints.cli import app
from services.bootstrap import Services
from services.notifications import Channel, Notification, Status
from services.settings import Settings
from services.streams.processor import BatchResult
from tests.streams.support import SmsGateway, sent_mail

ALICE_PHONE = "+14155550100"


async def open_accounts(services: Services) -> None:
    ledger = services.ledger
    await ledger.create_account_with_balance(
        "alice", "100.00", email="alice@example.com", phone=ALICE_PHONE
    )
    await ledger.create_account_with_balance("bob", "0", email="bob@example.com")
    await ledger.create_account_with_balance("carol", "0")  # no contacts: never notified


async def run_worker(services: Services) -> None:
    assert services.stream_worker is not None
    assert services.notifier is not None
    await services.stream_worker.catch_up()
    await services.notifier.drain()


def capture(services: Services) -> list[Mapping[str, Any]]:
    """Every record the worker hands to process_records, for replaying later."""
    processor = services.processor
    assert processor is not None
    seen: list[Mapping[str, Any]] = []
    original = processor.process_records

    async def recording(records: Sequence[Mapping[str, Any]]) -> BatchResult:
        seen.extend(records)
        return await original(records)

    processor.process_records = recording  # type: ignore[method-assign]
    return seen


async def open_notifications(services: Services) -> list[Notification]:
    """Notifications not recorded as SENT (pending ones included)."""
    assert services.notifier is not None
    return await services.notifier._outbox.open_notifications()


def mail_to(endpoint: str, address: str) -> list[dict[str, Any]]:
    return [m for m in sent_mail(endpoint) if m["destinations"]["ToAddresses"] == [address]]


async def test_one_message_per_entry_and_channel_and_replays_send_nothing(
    services: Services, sms_gateway: SmsGateway, stream_settings: Settings
) -> None:
    endpoint = stream_settings.endpoint_url
    assert endpoint is not None
    records = capture(services)
    await open_accounts(services)
    first = await services.ledger.transfer_credits("alice", "bob", "12.50")
    await services.ledger.transfer_credits("bob", "carol", "2.50")
    await services.ledger.transfer_credits("alice", "carol", "0.01")

    await run_worker(services)

    alice_mail = mail_to(endpoint, "alice@example.com")
    bob_mail = mail_to(endpoint, "bob@example.com")
    assert len(alice_mail) == 3  # opening balance and two debits
    assert len(bob_mail) == 2  # one credit, one debit
    assert len(sent_mail(endpoint)) == 5
    assert {m["source"] for m in sent_mail(endpoint)} == {stream_settings.email_sender}
    debit = next(m for m in alice_mail if "Debit of 12.50 USD" in m["subject"])
    for fact in ("12.50 USD", "debit", "bob", "87.50 USD", first.id, " UTC"):
        assert fact in debit["body"]
    credit = next(m for m in bob_mail if "Credit" in m["subject"])
    assert "Credit of 12.50 USD from account alice" in credit["body"]

    texts = sms_gateway.texts_to(ALICE_PHONE)
    assert len(texts) == 3
    assert len(sms_gateway.received) == 3
    assert any(
        f"Debit of 12.50 USD to account bob. Balance 87.50 USD. Transfer {first.id}" in t
        for t in texts
    )
    assert {m["from"] for m in sms_gateway.received} == {stream_settings.sms_sender}

    # The same records again (a Lambda retry, a worker restarted before its checkpoint).
    assert services.processor is not None
    assert services.notifier is not None
    result = await services.processor.process_records(list(records))
    await services.notifier.drain()
    assert result.failed == []
    assert len(sent_mail(endpoint)) == 5
    assert len(sms_gateway.received) == 3
    assert await services.notifier.failed() == []
    assert await open_notifications(services) == []


async def test_a_gateway_outage_is_recorded_and_retried_by_the_cli(
    services: Services,
    sms_gateway: SmsGateway,
    stream_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await open_accounts(services)
    sms_gateway.down = True
    for _ in range(3):
        await services.ledger.transfer_credits("alice", "bob", "1.00")

    await run_worker(services)

    assert services.notifier is not None
    failed = await services.notifier.failed()
    assert [(n.channel, n.account_id) for n in failed] == [(Channel.SMS, "alice")] * 4
    assert all(n.status is Status.FAILED and "503" in (n.error or "") for n in failed)
    assert sms_gateway.rejected == 4 * stream_settings.notification_max_attempts
    endpoint = stream_settings.endpoint_url
    assert endpoint is not None
    assert len(mail_to(endpoint, "alice@example.com")) == 4  # e-mail is unaffected

    for name, value in cli_environment(stream_settings).items():
        monkeypatch.setenv(name, value)
    listed = await cli(["notifications", "failed"])
    assert listed.exit_code == 0, listed.output
    assert "4 failed notification(s)" in listed.output
    assert sum("  SMS  " in line for line in listed.output.splitlines()) == 4
    assert "attempts=2" in listed.output

    still_down = await cli(["notifications", "retry"])
    assert still_down.exit_code == 1
    assert "failed again 4" in still_down.output

    sms_gateway.down = False
    retried = await cli(["notifications", "retry"])
    assert retried.exit_code == 0, retried.output
    assert "sent 4, failed again 0" in retried.output
    assert len(sms_gateway.texts_to(ALICE_PHONE)) == 4
    assert await services.notifier.failed() == []
    assert await open_notifications(services) == []
    again = await cli(["notifications", "retry"])
    assert "sent 0" in again.output
    assert len(sms_gateway.received) == 4


async def cli(args: list[str]) -> Result:
    """Run the `ledger` command in a thread: it runs its own event loop."""
    return await asyncio.to_thread(CliRunner().invoke, app, args)


def cli_environment(settings: Settings) -> dict[str, str]:
    assert settings.endpoint_url
    assert settings.sms_gateway_url
    assert settings.sms_gateway_api_key
    return {
        "LEDGER_ENDPOINT_URL": settings.endpoint_url,
        "LEDGER_ACCESS_KEY_ID": "test",
        "LEDGER_SECRET_ACCESS_KEY": "test",
        "LEDGER_REGION": settings.region,
        "LEDGER_TABLE": settings.table_name,
        "LEDGER_EMAIL_SENDER": settings.email_sender,
        "LEDGER_SMS_PROVIDER": "gateway",
        "LEDGER_SMS_GATEWAY_URL": settings.sms_gateway_url,
        "LEDGER_SMS_GATEWAY_API_KEY": settings.sms_gateway_api_key.get_secret_value(),
        "LEDGER_NOTIFICATION_RETRY_BASE_SECONDS": "0.01",
        "LEDGER_NOTIFICATION_MAX_ATTEMPTS": "2",
        "LEDGER_AWS_MAX_ATTEMPTS": "2",
    }


async def test_stream_worker_once_from_the_cli(
    services: Services,
    sms_gateway: SmsGateway,
    stream_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await open_accounts(services)
    await services.ledger.transfer_credits("alice", "bob", "3.00")
    for name, value in cli_environment(stream_settings).items():
        monkeypatch.setenv(name, value)

    result = await cli(["stream-worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "processed" in result.output
    endpoint = stream_settings.endpoint_url
    assert endpoint is not None
    assert len(sent_mail(endpoint)) == 3  # alice's opening and debit, bob's credit
    assert len(sms_gateway.texts_to(ALICE_PHONE)) == 2
    again = await cli(["stream-worker", "--once"])  # resumes after its checkpoint
    assert again.exit_code == 0, again.output
    assert len(sent_mail(endpoint)) == 3
