"""The e2e fixtures (a served app on the session's endpoint), shared by the reliability tests."""

from tests.e2e.conftest import api, uid
from tests.graph.conftest import gql, schema
from tests.streams.conftest import redis_server, services, sms_gateway, stream_settings

__all__ = [
    "api",
    "gql",
    "redis_server",
    "schema",
    "services",
    "sms_gateway",
    "stream_settings",
    "uid",
]
