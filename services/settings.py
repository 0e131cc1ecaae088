"""Configuration, read from the environment (and an optional `.env` file).

Every setting, its variable and its default is listed in the README's configuration table.
"""

from __future__ import annotations

import os

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where the standard AWS credential chain would find credentials without our help.
_AWS_CREDENTIAL_HINTS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEDGER_", env_file=".env", extra="ignore", populate_by_name=True
    )

    table_name: str = Field(
        default="ledger", validation_alias=AliasChoices("LEDGER_TABLE", "table_name")
    )
    region: str = Field(
        default="us-east-1",
        validation_alias=AliasChoices(
            "LEDGER_REGION", "AWS_REGION", "AWS_DEFAULT_REGION", "region"
        ),
    )
    endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "LEDGER_DYNAMODB_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_DYNAMODB",
            "AWS_ENDPOINT_URL",
            "endpoint_url",
        ),
    )
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None
    session_token: SecretStr | None = None
    #: None: embedded when neither an endpoint nor AWS credentials are configured.
    embedded: bool | None = None
    create_table: bool = True
    default_currency: str = "USD"
    #: botocore attempts per AWS call (standard retry mode).
    aws_max_attempts: int = Field(default=3, ge=1, le=20)
    max_pool_connections: int = Field(default=64, ge=1)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    read_timeout_seconds: float = Field(default=10.0, gt=0)
    #: Attempts for one transfer across version conflicts and transient failures.
    transfer_max_attempts: int = Field(default=10, ge=1, le=100)
    retry_base_delay_seconds: float = Field(default=0.02, ge=0)
    retry_max_delay_seconds: float = Field(default=1.0, ge=0)
    #: GraphQL protection: deepest field nesting, tokens per document, aliases per operation.
    graphql_max_depth: int = Field(default=12, ge=1)
    graphql_max_tokens: int = Field(default=2000, ge=1)
    graphql_max_aliases: int = Field(default=15, ge=1)
    #: Largest `first` of a connection and most ids in one `accounts`/`missingAccounts` call.
    graphql_max_page_size: int = Field(default=100, ge=1, le=1000)
    #: False answers introspection queries with an error (and so blanks GraphiQL's docs).
    graphql_introspection: bool = True
    #: Serve the GraphiQL page on GET /graphql to browsers.
    graphiql: bool = True

    def use_embedded(self) -> bool:
        """True when the service should run its own in-memory DynamoDB endpoint."""
        if self.embedded is not None:
            return self.embedded
        if self.endpoint_url or self.access_key_id:
            return False
        return not any(os.environ.get(name) for name in _AWS_CREDENTIAL_HINTS)
