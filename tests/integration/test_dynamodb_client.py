"""The service's DynamoDB client over HTTP, with botocore's per-call work kept per client
(services/dynamo/per_call.py): every answer kept is checked against the one botocore builds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import jmespath
import pytest
from botocore.context import start_as_current_context
from botocore.exceptions import ClientError
from botocore.useragent import UserAgentString, register_feature_id

from services.dynamo.client import make_session, open_dynamodb
from services.dynamo.per_call import OperationContextParams
from services.settings import Settings


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Any]:
    async with AsyncExitStack() as stack:
        yield await open_dynamodb(stack, make_session(settings), settings)


def sent_user_agents(client: Any) -> list[str]:
    sent: list[str] = []

    def capture(request: Any, **_: Any) -> None:
        sent.append(request.headers["User-Agent"].decode())

    client.meta.events.register("before-send.dynamodb", capture)
    return sent


async def test_requests_carry_botocores_user_agent_built_once(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[str] = []
    original = UserAgentString.to_string

    def counted(self: UserAgentString) -> str:
        built: str = original(self)
        builds.append(built)
        return built

    monkeypatch.setattr(UserAgentString, "to_string", counted)
    sent = sent_user_agents(client)
    await client.list_tables()
    assert len(builds) == 1  # built once, for this set of feature ids...
    for _ in range(3):
        await client.list_tables()
    assert len(builds) == 1  # ...and not again: not twice per request, not once per request
    assert len(sent) == 4
    assert set(sent) == {builds[0]}
    assert "botocore/" in builds[0].lower()
    assert " m/" in builds[0]


async def test_the_user_agent_follows_the_calls_feature_ids(client: Any) -> None:
    creator = client._user_agent_creator._creator
    plain = client._user_agent_creator.to_string()
    with start_as_current_context():
        register_feature_id("WAITER")
        waiting = client._user_agent_creator.to_string()
        assert waiting == creator.to_string()  # botocore's own build, same features
    assert waiting != plain
    assert client._user_agent_creator.to_string() == plain == creator.to_string()


PARAMETERS: list[tuple[str, dict[str, Any]]] = [
    (
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Update": {"TableName": "ledger", "Key": {}}},
                {"Put": {"TableName": "ledger", "Item": {}}},
                {"ConditionCheck": {"TableName": "other", "Key": {}}},
                {"Delete": {"TableName": "ledger", "Key": {}}},
                {"Put": {"TableName": "ledger"}, "Update": {"TableName": "twice"}},
                {},
            ]
        },
    ),
    ("TransactWriteItems", {"TransactItems": []}),
    ("TransactWriteItems", {}),
    ("TransactGetItems", {"TransactItems": [{"Get": {"TableName": "ledger"}}, {"Get": {}}]}),
    ("BatchGetItem", {"RequestItems": {"ledger": {"Keys": []}, "other": {"Keys": []}}}),
    ("BatchWriteItem", {"RequestItems": {"ledger": []}}),
    ("ImportTable", {"TableCreationParameters": {"TableName": "imported"}}),
    ("ImportTable", {"TableCreationParameters": None}),
    ("GetItem", {"TableName": "ledger", "Key": {}}),
]


@pytest.mark.parametrize(("operation", "parameters"), PARAMETERS)
async def test_endpoint_context_params_are_jmespaths_answers(
    client: Any, operation: str, parameters: dict[str, Any]
) -> None:
    model = client.meta.service_model.operation_model(operation)
    resolve = OperationContextParams()
    names = [*model.operation_context_parameters, "ResourceArn", "Region"]
    for _ in range(2):  # the second time from the compiled expression
        for name in names:
            expected = None
            if name in model.operation_context_parameters:
                path = model.operation_context_parameters[name]["path"]
                expected = jmespath.search(path, parameters)
            assert resolve(name, model, parameters) == expected


async def test_the_client_resolves_its_endpoint_as_botocore_does(
    client: Any, settings: Settings
) -> None:
    operation, parameters = PARAMETERS[0]
    model = client.meta.service_model.operation_model(operation)
    resolver = client._ruleset_resolver
    ours = await resolver._get_provider_params(model, parameters, {})
    del resolver._resolve_param_as_operation_context_param  # botocore's method again
    assert await resolver._get_provider_params(model, parameters, {}) == ours
    assert ours["ResourceArnList"] == ["ledger", "ledger", "other", "ledger", "ledger", "twice"]
    assert ours["Endpoint"] == settings.endpoint_url


async def test_one_parser_answers_successes_and_errors(client: Any, settings: Settings) -> None:
    factory = client._endpoint._response_parser_factory
    tables = await client.list_tables()
    assert "ResponseMetadata" in tables
    parser = factory.create_parser("json")
    with pytest.raises(ClientError) as refused:
        await client.describe_table(TableName="no-such-table")
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    again = await client.list_tables()
    assert again["TableNames"] == tables["TableNames"]
    assert factory.create_parser("json") is parser
    assert len(factory._parsers) == 1
