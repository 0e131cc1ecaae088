"""The development issuer: its key file, its tokens, and that nothing else trusts them."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.identity.dev_issuer import (
    DevelopmentIssuer,
    default_key_path,
)
from services.identity.errors import IdentityConfigurationError, Unauthenticated
from services.identity.jwks import StaticKeySource
from services.identity.jwt_verifier import JwtVerifier
from services.identity.principal import AuthMethod
from tests.support.oidc_issuer import AUDIENCE, OidcIssuer


def test_the_key_is_made_once_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "ledger" / "dev-issuer-key.pem"
    first = DevelopmentIssuer(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert DevelopmentIssuer(path).kid == first.kid
    assert [p.name for p in path.parent.iterdir()] == ["dev-issuer-key.pem"]  # no temp left


def test_a_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    DevelopmentIssuer(path)
    path.chmod(0o644)
    with pytest.raises(IdentityConfigurationError, match="chmod 600"):
        DevelopmentIssuer(path)


def test_the_default_key_lives_outside_the_repository(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_key_path() == tmp_path / "ledger" / "dev-issuer-key.pem"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_key_path() == Path.home() / ".local/share/ledger/dev-issuer-key.pem"
    assert not default_key_path().is_relative_to(Path(__file__).parents[2])


async def test_tokens_for_holders_and_operators(tmp_path: Path) -> None:
    issuer = DevelopmentIssuer(tmp_path / "key.pem")
    verifier = issuer.verifier()
    holder = await verifier.verify(issuer.mint("alice"))
    assert (holder.subject, holder.is_operator, holder.method) == (
        "alice",
        False,
        AuthMethod.DEVELOPMENT,
    )
    assert holder.expires_at is not None
    assert holder.expires_at - datetime.now(UTC) > timedelta(hours=7)
    assert (await verifier.verify(issuer.mint("ops", operator=True))).is_operator


async def test_expired_development_tokens_are_refused(tmp_path: Path) -> None:
    issuer = DevelopmentIssuer(tmp_path / "key.pem")
    old = issuer.mint(
        "alice", lifetime=timedelta(minutes=1), now=datetime.now(UTC) - timedelta(hours=1)
    )
    with pytest.raises(Unauthenticated, match="expired"):
        await issuer.verifier().verify(old)


async def test_another_key_file_is_another_issuer(tmp_path: Path) -> None:
    mine, theirs = DevelopmentIssuer(tmp_path / "a.pem"), DevelopmentIssuer(tmp_path / "b.pem")
    with pytest.raises(Unauthenticated):
        await mine.verifier().verify(theirs.mint("alice"))


async def test_a_real_issuers_verifier_never_trusts_development_tokens(
    tmp_path: Path, oidc_issuer: OidcIssuer, verifier: JwtVerifier
) -> None:
    development = DevelopmentIssuer(tmp_path / "key.pem")
    token = development.mint("alice", operator=True)
    with pytest.raises(Unauthenticated, match="unknown key"):
        await verifier.verify(token)
    # even a real verifier that somehow held the development key refuses: issuers differ
    holding_the_key = JwtVerifier(
        issuer=oidc_issuer.url, audience=AUDIENCE, keys=StaticKeySource(development.jwks())
    )
    with pytest.raises(Unauthenticated, match="wrong issuer"):
        await holding_the_key.verify(token)
