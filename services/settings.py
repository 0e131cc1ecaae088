"""Configuration, read from the environment (and an optional `.env` file).

Every setting, its variable and its default is listed in the README's configuration table.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.api_settings import ApiSettings
from services.fx.settings import FxSettingsPart
from services.identity.settings import AuthSettings


class Settings(AuthSettings, ApiSettings, FxSettingsPart):
    """Every setting of the service: authentication (`auth_*`) from AuthSettings, what the
    API serves and bounds (GraphQL, rate limits, transports, hosts) from ApiSettings, the
    currency exchange (`fx_*`) from FxSettingsPart."""

    model_config = SettingsConfigDict(
        env_prefix="LEDGER_", env_file=".env", extra="ignore", populate_by_name=True
    )

    table_name: str = Field(
        default="ledger",
        validation_alias=AliasChoices("LEDGER_TABLE", "table_name"),
        description="The ledger's DynamoDB table.",
    )
    region: str = Field(
        default="us-east-1",
        validation_alias=AliasChoices(
            "LEDGER_REGION", "AWS_REGION", "AWS_DEFAULT_REGION", "region"
        ),
        description="AWS region.",
    )
    endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("LEDGER_ENDPOINT_URL", "AWS_ENDPOINT_URL", "endpoint_url"),
        description="Endpoint of every AWS service the ledger calls unless that service has its "
        "own below; unset: AWS's.",
    )
    dynamodb_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "LEDGER_DYNAMODB_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "dynamodb_endpoint_url"
        ),
        description="DynamoDB's endpoint (for DynamoDB only); unset: `endpoint_url`.",
    )
    streams_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "LEDGER_STREAMS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
            "AWS_ENDPOINT_URL_DYNAMODBSTREAMS",
            "streams_endpoint_url",
        ),
        description="DynamoDB Streams' endpoint; unset: `endpoint_url`.",
    )
    access_key_id: str | None = Field(
        default=None, description="Explicit AWS access key; unset: the standard credential chain."
    )
    secret_access_key: SecretStr | None = Field(
        default=None, description="Explicit AWS secret key (never logged)."
    )
    session_token: SecretStr | None = Field(
        default=None, description="Explicit AWS session token (never logged)."
    )
    embedded: bool = Field(
        default=False,
        description="Run the embedded in-memory DynamoDB (`ledger serve --embedded`; a "
        "development tool: every write is lost when the process stops). Never chosen for you.",
    )
    log_level: str = Field(
        default="INFO", description="Least severe log level written (DEBUG, INFO, WARNING, ERROR)."
    )
    create_table: bool = Field(
        default=True, description="Create the table (with its stream) at startup when missing."
    )
    default_currency: str = Field(
        default="USD", description="ISO 4217 currency of accounts created without one."
    )
    aws_max_attempts: int = Field(
        default=3, ge=1, le=20, description="botocore attempts per AWS call (standard retries)."
    )
    max_pool_connections: int = Field(
        default=64, ge=1, description="HTTP connections the DynamoDB client keeps."
    )
    connect_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Connect timeout of AWS calls."
    )
    read_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Read timeout of AWS calls."
    )
    transfer_max_attempts: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="Attempts of one transfer across version conflicts and transient failures.",
    )
    transfer_max_waiting_per_account: int = Field(
        default=256,
        ge=0,
        description="Writes of one account (transfers, batches, reversals, exchanges, holds) "
        "that may wait for it in one process; more are refused at once with ACCOUNT_BUSY "
        "(retryable) instead of queuing without bound.",
    )
    account_cache_size: int = Field(
        default=10_000,
        ge=0,
        description="Accounts whose last seen state a process keeps to plan transfers without a "
        "read (stale entries cost one retried commit, never a wrong result); 0 turns it off.",
    )
    retry_base_delay_seconds: float = Field(
        default=0.02, ge=0, description="First backoff of a transfer retry (doubles, jittered)."
    )
    retry_max_delay_seconds: float = Field(
        default=1.0, ge=0, description="Longest backoff of a transfer retry."
    )
    # Stream worker, notifications and live subscriptions (issue 4).
    notify_email: bool = Field(
        default=True,
        description="Send an e-mail through SES for each entry of an account with one.",
    )
    notify_sms: bool = Field(
        default=True, description="Send an SMS for each entry of an account with a phone number."
    )
    email_sender: str = Field(
        default="ledger@example.com", description="From address of e-mails (verified in SES)."
    )
    ses_region: str | None = Field(default=None, description="SES region; unset: `region`.")
    ses_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "LEDGER_SES_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_SESV2",
            "AWS_ENDPOINT_URL_SES",
            "ses_endpoint_url",
        ),
        description="SES endpoint; unset: `endpoint_url`.",
    )
    sms_provider: Literal["gateway", "sns", "none"] = Field(
        default="none", description="Who sends SMS: an HTTP gateway, Amazon SNS, or nobody."
    )
    sms_gateway_url: str | None = Field(default=None, description="The SMS gateway's POST URL.")
    sms_gateway_api_key: SecretStr | None = Field(
        default=None, description="Bearer token for the SMS gateway."
    )
    sms_sender: str = Field(default="Ledger", description="SMS sender name or number.")
    sns_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "LEDGER_SNS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SNS", "sns_endpoint_url"
        ),
        description="SNS endpoint; unset: `endpoint_url`.",
    )
    notify_max_emails_per_recipient_hour: int = Field(
        default=20,
        ge=1,
        description="E-mails to one address per hour; more are recorded FAILED as suppressed "
        "(`ledger notifications failed` lists them) instead of sent.",
    )
    notify_max_sms_per_recipient_hour: int = Field(
        default=10,
        ge=1,
        description="SMS to one number per hour; more are recorded FAILED as suppressed.",
    )
    notification_max_attempts: int = Field(
        default=3, ge=1, le=20, description="Send attempts before a notification is FAILED."
    )
    notification_retry_base_seconds: float = Field(
        default=0.5, ge=0, description="First backoff between send attempts (doubles, jittered)."
    )
    notification_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of one call to the SMS gateway."
    )
    notification_max_in_flight: int = Field(
        default=1000, ge=1, description="Sends in progress before the stream worker waits."
    )
    notification_stale_seconds: float = Field(
        default=300.0, gt=0, description="A PENDING notification this old is retried as failed."
    )
    notification_max_age_seconds: float = Field(
        default=86_400.0,
        gt=0,
        description="Unsent notifications are retried automatically until this old; older ones "
        "stay in `ledger notifications failed` (the dead letters).",
    )
    notification_sweep_seconds: float = Field(
        default=30.0, gt=0, description="Pause between the stream worker's automatic retries."
    )
    redis_url: str | None = Field(
        default=None, description="Redis for the event hub across replicas; unset: in-process."
    )
    stream_poll_interval_seconds: float = Field(
        default=1.0, gt=0, description="Pause of the stream worker when it has caught up."
    )
    hold_sweep_interval_seconds: float = Field(
        default=1.0,
        gt=0,
        description="Pause between the stream worker's rounds releasing expired holds (each "
        "round reads the expiry index of the hours due, never scans).",
    )
    stream_delay_seconds: float = Field(
        default=0.0,
        ge=0,
        le=60,
        description="Tests and benchmarks only: the stream worker holds each page of records "
        "this long before handling it, to model DynamoDB Streams' delivery delay on AWS.",
    )
    live_fast_path: bool = Field(
        default=True,
        description="Publish each committed balance change to the event hub (and Redis) as "
        "soon as DynamoDB answers, without waiting for the stream, which still delivers "
        "whatever the fast path missed; false: live events come from the stream alone.",
    )
    stream_batch_size: int = Field(
        default=1000, ge=1, le=1000, description="Records per GetRecords call."
    )
    stream_max_record_attempts: int = Field(
        default=5,
        ge=1,
        description="Tries of an undecodable record before the worker skips it; a record "
        "whose handlers fail is never skipped (its shard retries it with backoff, logged as an "
        "error from this many tries on).",
    )
    stream_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Length of a stream worker's lease on a shard (renewed every third of it); "
        "a dead worker's shards are taken over after it.",
    )
    subscriber_queue_size: int = Field(
        default=256, ge=1, description="Changes waiting per subscriber before it is closed."
    )
    serve_stream_worker: bool | None = Field(
        default=None,
        description="`ledger serve` runs the stream worker in its process; unset: when it runs "
        "alone (no `LEDGER_REDIS_URL`), since replicas sharing Redis want one `ledger "
        "stream-worker` feeding them all.",
    )

    def runs_stream_worker_in_serve(self) -> bool:
        """Whether `ledger serve` runs the stream worker itself (see `serve_stream_worker`)."""
        if self.serve_stream_worker is not None:
            return self.serve_stream_worker
        return self.redis_url is None

    def endpoint_for(self, service: str) -> str | None:
        """The endpoint of one AWS service (a boto3 service name): its own setting (the
        standard AWS_ENDPOINT_URL_<SERVICE>), else `endpoint_url`, else None (AWS's)."""
        own = {
            "dynamodb": self.dynamodb_endpoint_url,
            "dynamodbstreams": self.streams_endpoint_url,
            "sesv2": self.ses_endpoint_url,
            "ses": self.ses_endpoint_url,
            "sns": self.sns_endpoint_url,
        }.get(service)
        return own or self.endpoint_url

    def use_embedded(self) -> bool:
        """True when the service should run its own in-memory DynamoDB endpoint: only when
        asked for. A machine whose credentials come from a file, a profile, SSO or a role must
        never fall back to memory because its environment variables say nothing."""
        return self.embedded
