"""Settings of what the API serves and how it bounds its clients: GraphQL limits, rate limits,
HTTP and websocket transport limits, hosts and origins. A part of `services.settings.Settings`
(the same LEDGER_ variables), kept apart so each settings module stays one concern."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEDGER_", env_file=".env", extra="ignore", populate_by_name=True
    )

    graphql_max_depth: int = Field(default=12, ge=1, description="Deepest GraphQL field nesting.")
    graphql_max_tokens: int = Field(
        default=2000, ge=1, description="Most tokens in one GraphQL document."
    )
    graphql_max_aliases: int = Field(
        default=15, ge=1, description="Most aliases in one GraphQL operation."
    )
    graphql_max_page_size: int = Field(
        default=100,
        ge=1,
        le=1000,
        description="Largest `first` of a connection; most ids in `accounts`/`missingAccounts`.",
    )
    graphql_max_cost: int = Field(
        default=5000,
        ge=1,
        description="Highest cost of one GraphQL operation (fields multiplied by `first` and "
        "list lengths); costlier ones are refused before they run (QUERY_TOO_COMPLEX).",
    )
    graphql_introspection: bool = Field(
        default=True,
        description="Answer introspection queries (false also blanks GraphiQL's docs).",
    )
    graphiql: bool = Field(default=True, description="Serve GraphiQL on GET /graphql to browsers.")

    rate_limits: bool = Field(
        default=True,
        description="Enforce the rate limits below (off only for benchmarks); shared by the "
        "replicas through `LEDGER_REDIS_URL` when set, else per process.",
    )
    rate_limit_operations: str = Field(
        default="600/minute",
        description="GraphQL operations per principal (an HTTP request, or one operation over "
        "a websocket); more are refused with RATE_LIMITED (HTTP 429 and Retry-After).",
    )
    rate_limit_transfers: str = Field(
        default="120/minute",
        description="Transfers per principal, whatever the entry point; more are refused with "
        "RATE_LIMITED.",
    )
    rate_limit_unauthenticated: str = Field(
        default="60/minute",
        description="Requests refused as unauthenticated (401) per client address, which "
        "bounds token guessing; beyond it such an address gets 429.",
    )
    ws_keepalive_seconds: float = Field(
        default=15.0,
        gt=0,
        description="Seconds between the server's keep-alive messages on a GraphQL websocket "
        "(`ping` on graphql-transport-ws, `ka` on graphql-ws).",
    )
    http_max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest HTTP request body; larger gets 413."
    )
    ws_max_message_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest websocket message (`ledger serve`); larger closes the socket (1009).",
    )
    ws_max_operations_per_connection: int = Field(
        default=100,
        ge=1,
        description="Operations running at once on one websocket (subscriptions and queries); "
        "more get an error message for that operation.",
    )
    ws_connection_init_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A websocket without `connection_init` after this long is closed (4408).",
    )
    ws_max_connections_per_principal: int = Field(
        default=20,
        ge=1,
        description="Websockets one principal may hold open in one process; more are closed "
        "with 4429 after `connection_init`.",
    )
    ws_max_connections: int = Field(
        default=10_000,
        ge=1,
        description="Websockets one process holds open; more upgrades get 503 and Retry-After.",
    )
    ws_max_operation_starts: int = Field(
        default=16,
        ge=1,
        description="Operations on graphql-transport-ws websockets one process starts at once "
        "(parse, validation, a subscription's first read); more wait their turn. Bounds the "
        "burst of reads when thousands of clients reconnect at once, and keeps the memory "
        "of idle subscribers from being scattered among the setup's short-lived objects.",
    )
    max_replay_versions: int = Field(
        default=1000,
        ge=0,
        description="Most versions a subscription's `afterVersion` may be behind the account; "
        "further behind is refused (INVALID_INPUT): page through `transactions` instead.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API from other sites, comma-separated "
        "(CORS on HTTP, the Origin check on websockets); `*` allows any. Empty: same origin only.",
    )

    web_client_id: str | None = Field(
        default=None,
        description="OIDC client id of the web app at /app/ (a public client: code flow with "
        "PKCE, redirect URI `<origin>/app/callback`); used with `LEDGER_AUTH_ISSUER`.",
    )

    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names the API answers to, comma-separated (`*.example.com` allowed); "
        "any other Host header gets 400, which defeats DNS rebinding. Empty: loopback names only "
        "with the embedded DynamoDB (development), any host otherwise: set it in production.",
    )

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip().lower() for host in value.split(",") if host.strip()]
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value
