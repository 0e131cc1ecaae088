"""The composition root of the identity commands (`ledger api-keys ...`, `ledger dev-token`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from services.dynamo.api_keys import DynamoApiKeyStore
from services.dynamo.client import make_session, open_dynamodb
from services.dynamo.table import ensure_table
from services.identity.api_keys import ApiKeyAdmin
from services.identity.dev_issuer import DevelopmentIssuer
from services.identity.errors import IdentityConfigurationError
from services.settings import Settings


@asynccontextmanager
async def open_api_key_admin(settings: Settings) -> AsyncIterator[ApiKeyAdmin]:
    """API key administration on the configured table. Raises ValueError when no DynamoDB is
    configured."""
    if settings.use_embedded():
        raise ValueError("no DynamoDB is configured (AWS_ENDPOINT_URL or AWS credentials)")
    async with AsyncExitStack() as stack:
        dynamodb = await open_dynamodb(stack, make_session(settings), settings)
        if settings.create_table:
            await ensure_table(dynamodb, settings.table_name)
        yield ApiKeyAdmin(DynamoApiKeyStore(dynamodb, settings.table_name))


def development_issuer(settings: Settings) -> DevelopmentIssuer:
    """The embedded server's development issuer, which `ledger serve` trusts only on its
    embedded endpoint and without a configured issuer. Raises IdentityConfigurationError
    otherwise: real tokens come from the identity provider."""
    if not settings.use_embedded() or settings.auth_issuer or settings.auth_disabled:
        raise IdentityConfigurationError(
            "development tokens are accepted only by `ledger serve` on its embedded endpoint "
            "with no LEDGER_AUTH_ISSUER (and authentication on)"
        )
    return DevelopmentIssuer(settings.auth_dev_key_path, admin_scope=settings.auth_admin_scope)
