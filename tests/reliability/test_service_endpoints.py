"""Defect 12: each AWS service honours its own standard endpoint variable.

AWS_ENDPOINT_URL_DYNAMODB used to be the endpoint of Streams, SES and SNS too (a DynamoDB
endpoint for local development sent e-mail to it; a VPC endpoint broke the stream worker)."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from services.dynamo.client import make_session, open_client
from services.settings import Settings

SERVICES = ("dynamodb", "dynamodbstreams", "sesv2", "sns")


async def endpoints(settings: Settings) -> dict[str, str]:
    async with AsyncExitStack() as stack:
        session = make_session(settings)
        return {
            service: (await open_client(stack, session, service, settings)).meta.endpoint_url
            for service in SERVICES
        }


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith(("AWS_ENDPOINT_URL", "LEDGER_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    return monkeypatch


async def test_the_dynamodb_endpoint_is_for_dynamodb_only(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://dynamodb.local:8000")
    found = await endpoints(Settings(_env_file=None))  # type: ignore[call-arg]
    assert found == {
        "dynamodb": "http://dynamodb.local:8000",
        "dynamodbstreams": "https://streams.dynamodb.us-east-1.amazonaws.com",
        "sesv2": "https://email.us-east-1.amazonaws.com",
        "sns": "https://sns.us-east-1.amazonaws.com",
    }


async def test_each_service_variable_is_honoured(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AWS_ENDPOINT_URL", "http://everything:1")
    clean_env.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://dynamodb:2")
    clean_env.setenv("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "http://streams:3")
    clean_env.setenv("AWS_ENDPOINT_URL_SES", "http://ses:4")
    clean_env.setenv("AWS_ENDPOINT_URL_SNS", "http://sns:5")
    found = await endpoints(Settings(_env_file=None))  # type: ignore[call-arg]
    assert found == {
        "dynamodb": "http://dynamodb:2",
        "dynamodbstreams": "http://streams:3",
        "sesv2": "http://ses:4",
        "sns": "http://sns:5",
    }


async def test_the_global_endpoint_is_the_default_of_every_service(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("AWS_ENDPOINT_URL", "http://everything:1")
    clean_env.setenv("AWS_ENDPOINT_URL_SESV2", "http://ses:4")
    found = await endpoints(Settings(_env_file=None))  # type: ignore[call-arg]
    assert found == {
        "dynamodb": "http://everything:1",
        "dynamodbstreams": "http://everything:1",
        "sesv2": "http://ses:4",
        "sns": "http://everything:1",
    }
