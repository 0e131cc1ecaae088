"""Identity: who a caller is (Principal), how it proves it (JWTs, API keys, the development
issuer) and what it may do (policy). Knows nothing of GraphQL or HTTP frameworks."""

from services.identity.authenticator import Authenticator, authorization_from_connection_params
from services.identity.errors import Forbidden, IdentityError, Unauthenticated
from services.identity.principal import DISABLED, SYSTEM, AuthMethod, Principal

__all__ = [
    "DISABLED",
    "SYSTEM",
    "AuthMethod",
    "Authenticator",
    "Forbidden",
    "IdentityError",
    "Principal",
    "Unauthenticated",
    "authorization_from_connection_params",
]
