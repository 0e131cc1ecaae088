"""The e2e fixtures (a served app on the session's endpoint), shared by the reliability tests."""

from tests.e2e.conftest import api, uid

__all__ = ["api", "uid"]
