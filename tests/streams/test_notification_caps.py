"""Notification caps per recipient: beyond N e-mails and N SMS to one address per hour the
rest are recorded FAILED as suppressed, listed by `ledger notifications failed`, never sent
and never silently dropped. Many accounts sharing one address share its budget."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.bootstrap import Services, bootstrap
from services.notifications import Channel, Status
from services.settings import Settings
from tests.streams.conftest import verify_sender
from tests.streams.support import SmsGateway, sent_mail
from tests.streams.test_notifications import cli, cli_environment, run_worker

VICTIM_MAIL = "victim@example.com"
VICTIM_PHONE = "+14155550199"
EMAILS, SMS = 3, 2


@pytest.fixture
async def capped(stream_settings: Settings) -> AsyncIterator[Services]:
    settings = stream_settings.model_copy(
        update={
            "notify_max_emails_per_recipient_hour": EMAILS,
            "notify_max_sms_per_recipient_hour": SMS,
        }
    )
    await verify_sender(settings)
    async with bootstrap(settings) as wired:
        yield wired


async def test_notifications_over_a_recipients_cap_are_suppressed_and_listed(
    capped: Services,
    sms_gateway: SmsGateway,
    stream_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger = capped.ledger
    await ledger.create_account_with_balance("pump", "100.00")
    for n in range(3):  # three accounts, one victim's address and number
        await ledger.create_account_with_balance(
            f"decoy-{n}", "0", email=VICTIM_MAIL, phone=VICTIM_PHONE
        )
    for n in range(6):
        await ledger.transfer_credits("pump", f"decoy-{n % 3}", "0.01")

    await run_worker(capped)

    endpoint = stream_settings.endpoint_url
    assert endpoint is not None
    mails = [m for m in sent_mail(endpoint) if m["destinations"]["ToAddresses"] == [VICTIM_MAIL]]
    assert len(mails) == EMAILS
    assert len(sms_gateway.texts_to(VICTIM_PHONE)) == SMS
    assert capped.notifier is not None
    suppressed = await capped.notifier.failed()
    by_channel = {channel: [n for n in suppressed if n.channel is channel] for channel in Channel}
    assert len(by_channel[Channel.EMAIL]) == 6 - EMAILS
    assert len(by_channel[Channel.SMS]) == 6 - SMS
    assert all(n.status is Status.FAILED for n in suppressed)
    assert all((n.error or "").startswith("suppressed: more than") for n in suppressed)

    for name, value in cli_environment(stream_settings).items():
        monkeypatch.setenv(name, value)
    listed = await cli(["notifications", "failed"])
    assert listed.exit_code == 0, listed.output
    assert f"{12 - EMAILS - SMS} failed notification(s)" in listed.output
    assert "suppressed: more than 2 SMS to this recipient in one hour" in listed.output
