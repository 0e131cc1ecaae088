"""botocore's per-call work that gives the same answer on every call of one client, done once.

Each DynamoDB call builds its User-Agent string, interprets a JMESPath expression over its
parameters to resolve the endpoint, and creates a response parser. The results depend only on
the client's fixed configuration (and, for the User-Agent, on the feature ids registered for
the call), so they are kept per client. Besides ~60 us of a transfer's CPU, this stops two
sources of cyclic garbage per call (a JMESPath interpreter and a parser each hold bound methods
of themselves): they ran the cyclic collector, whose passes also walk every request in flight.
tests/integration/test_dynamodb_client.py compares each against botocore's own answer.
"""

from __future__ import annotations

from typing import Any

import jmespath
from botocore.context import get_context
from jmespath.visitor import TreeInterpreter

#: Distinct feature-id sets one client sees are a handful (retry mode, waiter, paginator...);
#: the bound only keeps a misbehaving caller from growing the cache.
_USER_AGENTS_KEPT = 64


def trim_per_call_work(client: Any) -> None:
    build_user_agent_once(client)
    client._user_agent_creator = UserAgentPerFeatures(client._user_agent_creator)
    resolver = client._ruleset_resolver
    if resolver is not None:
        resolver._resolve_param_as_operation_context_param = OperationContextParams()
    endpoint = client._endpoint
    endpoint._response_parser_factory = ParserPerProtocol(endpoint._response_parser_factory)


def build_user_agent_once(client: Any) -> None:
    """Keep the User-Agent header botocore builds with each request, without building it a
    second time just before sending (its last `request-created` handler, there to add the
    feature ids registered in between: usage telemetry)."""
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.unregister(
        f"request-created.{service}",
        client._user_agent_creator.rebuild_and_replace_user_agent_handler,
    )


class UserAgentPerFeatures:
    """botocore's `UserAgentString`, its string built once per set of feature ids: everything
    else in it (SDK, OS, language, config, app id) is fixed when the client is created. Each
    build was ~27 us."""

    def __init__(self, creator: Any) -> None:
        self._creator = creator
        self._built: dict[frozenset[str], str] = {}

    def to_string(self) -> str:
        context = get_context()
        features = frozenset(context.features) if context is not None else frozenset()
        built = self._built.get(features)
        if built is None:
            if len(self._built) >= _USER_AGENTS_KEPT:
                self._built.clear()
            built = self._built[features] = self._creator.to_string()
        return built

    def __getattr__(self, name: str) -> Any:
        return getattr(self._creator, name)


class OperationContextParams:
    """The endpoint resolver's `_resolve_param_as_operation_context_param`, with each
    JMESPath expression compiled once and one interpreter for all calls (`jmespath.search`
    parses through a cache but builds a new interpreter, with its options and function
    table, every time). The interpreter keeps no state between searches."""

    def __init__(self) -> None:
        self._interpreter = TreeInterpreter()
        self._compiled: dict[str, Any] = {}

    def __call__(self, param_name: str, operation_model: Any, call_args: Any) -> Any:
        params = operation_model.operation_context_parameters
        if param_name not in params:
            return None
        path = params[param_name]["path"]
        parsed = self._compiled.get(path)
        if parsed is None:
            parsed = self._compiled[path] = jmespath.compile(path).parsed
        return self._interpreter.visit(parsed, call_args)


class ParserPerProtocol:
    """A response parser factory that makes one parser per protocol and hands it out again:
    botocore's parsers keep no state between responses (only what their constructor sets)."""

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._parsers: dict[str, Any] = {}

    def create_parser(self, protocol_name: str) -> Any:
        parser = self._parsers.get(protocol_name)
        if parser is None:
            parser = self._parsers[protocol_name] = self._factory.create_parser(protocol_name)
        return parser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._factory, name)
