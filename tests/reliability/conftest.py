"""The e2e fixtures (a served app on the session's endpoint), shared by the reliability tests."""

from tests.e2e.conftest import api, uid
from tests.graph.conftest import gql, schema

__all__ = ["api", "gql", "schema", "uid"]
