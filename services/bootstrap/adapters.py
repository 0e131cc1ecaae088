"""The outward-facing pieces a role may need, each built from Settings: hub and senders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import aioboto3
import httpx

from services.dynamo.client import open_client
from services.hub import EventHub, HistorySource, InProcessHub
from services.notifications.model import Channel
from services.notifications.ports import Sender
from services.notifications.ses import SesEmailSender
from services.notifications.sms_gateway import HttpSmsGateway
from services.notifications.sns import SnsSmsSender
from services.settings import Settings


@asynccontextmanager
async def open_hub(settings: Settings, history: HistorySource) -> AsyncIterator[EventHub]:
    """Redis pub/sub when `redis_url` is set (several replicas), else in-process."""
    hub: EventHub
    if settings.redis_url:
        from services.hub.redis import RedisHub

        hub = RedisHub(settings.redis_url, history, capacity=settings.subscriber_queue_size)
    else:
        hub = InProcessHub(settings.subscriber_queue_size)
    try:
        yield hub
    finally:
        await hub.close()


async def open_senders(
    stack: AsyncExitStack, session: aioboto3.Session, settings: Settings, *, embedded: bool
) -> dict[Channel, Sender]:
    """The notification senders the settings turn on, by channel."""
    senders: dict[Channel, Sender] = {}
    if settings.notify_email:
        ses = await open_client(
            stack,
            session,
            "sesv2",
            _for_service(settings, settings.ses_endpoint_url, settings.ses_region),
        )
        if embedded:  # the embedded SES refuses unverified senders, like a new SES account
            await ses.create_email_identity(EmailIdentity=settings.email_sender)
        senders[Channel.EMAIL] = SesEmailSender(ses, settings.email_sender)
    if settings.notify_sms and settings.sms_provider == "gateway":
        if not settings.sms_gateway_url or settings.sms_gateway_api_key is None:
            raise ValueError("sms_provider=gateway needs LEDGER_SMS_GATEWAY_URL and _API_KEY")
        http = await stack.enter_async_context(
            httpx.AsyncClient(timeout=settings.notification_timeout_seconds)
        )
        senders[Channel.SMS] = HttpSmsGateway(
            http,
            settings.sms_gateway_url,
            settings.sms_gateway_api_key.get_secret_value(),
            settings.sms_sender,
        )
    elif settings.notify_sms and settings.sms_provider == "sns":
        sns = await open_client(
            stack, session, "sns", _for_service(settings, settings.sns_endpoint_url, None)
        )
        senders[Channel.SMS] = SnsSmsSender(sns, settings.sms_sender)
    return senders


def _for_service(settings: Settings, endpoint_url: str | None, region: str | None) -> Settings:
    update: dict[str, object] = {}
    if endpoint_url:
        update["endpoint_url"] = endpoint_url
    if region:
        update["region"] = region
    return settings.model_copy(update=update) if update else settings
