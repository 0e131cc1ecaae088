"""One aioboto3 session and long-lived clients per process, configured from Settings."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

import aioboto3
import botocore.session
from aiobotocore.config import AioConfig

from services.dynamo.per_call import trim_per_call_work
from services.dynamo.wire import serialize_plainly
from services.settings import Settings

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


def client_config(settings: Settings, *, validate: bool = True) -> AioConfig:
    """`validate=False` skips botocore's client-side parameter validation (about a tenth of
    the service's CPU per transfer): for clients whose every call the service builds itself
    from checked values; DynamoDB still validates each request server-side."""
    return AioConfig(
        retries={"mode": "standard", "max_attempts": settings.aws_max_attempts},
        max_pool_connections=settings.max_pool_connections,
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.read_timeout_seconds,
        tcp_keepalive=True,
        parameter_validation=validate,
    )


def make_session(settings: Settings) -> aioboto3.Session:
    """Explicit credentials when configured, otherwise the standard AWS credential chain."""
    kwargs: dict[str, Any] = {"region_name": settings.region}
    if settings.access_key_id and settings.secret_access_key:
        kwargs["aws_access_key_id"] = settings.access_key_id
        kwargs["aws_secret_access_key"] = settings.secret_access_key.get_secret_value()
        if settings.session_token:
            kwargs["aws_session_token"] = settings.session_token.get_secret_value()
    return aioboto3.Session(**kwargs)


def aws_credentials_available(settings: Settings) -> bool:
    """Whether botocore's whole credential chain finds credentials: explicit settings,
    environment, shared files and profiles, SSO, web identity, container and instance roles.
    Blocking (the instance metadata lookup can take a second): call it from a thread."""
    if settings.access_key_id and settings.secret_access_key:
        return True
    return botocore.session.Session().get_credentials() is not None


async def open_client(
    stack: AsyncExitStack,
    session: aioboto3.Session,
    service: str,
    settings: Settings,
    *,
    validate: bool = True,
) -> Any:
    """A client for `service` that lives until `stack` closes (`validate`: see
    `client_config`)."""
    kwargs: dict[str, Any] = {"config": client_config(settings, validate=validate)}
    endpoint = settings.endpoint_for(service)
    if endpoint:
        kwargs["endpoint_url"] = endpoint
    return await stack.enter_async_context(session.client(service, **kwargs))  # type: ignore[call-overload]


async def open_dynamodb(
    stack: AsyncExitStack, session: aioboto3.Session, settings: Settings
) -> DynamoDBClient:
    """The process's DynamoDB client. Its calls are all the adapter's own, built by the item
    codec from validated domain values: botocore's second check of them is skipped, and what
    is plain JSON already is sent as it is (services/dynamo/wire.py)."""
    client: DynamoDBClient = await open_client(stack, session, "dynamodb", settings, validate=False)
    trim_per_call_work(client)
    serialize_plainly(client)
    return client
