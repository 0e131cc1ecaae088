"""`ledger dev-token` and `ledger api-keys create|list|revoke`."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import typer

from entrypoints.worker_cli import configured_settings
from services.bootstrap.identity import development_issuer, open_api_key_admin
from services.identity.api_key_format import ApiKey
from services.identity.errors import ApiKeyNotFound, IdentityConfigurationError
from services.settings import Settings

api_keys_app = typer.Typer(
    help="Server-to-server API keys: `Authorization: Bearer <key>`.",
    no_args_is_help=True,
    add_completion=False,
)


def dev_token(
    sub: str = typer.Option(..., "--sub", help="The subject (holder) the token is for."),
    admin: bool = typer.Option(False, "--admin", help="An operator's token."),
    hours: float = typer.Option(8.0, help="Lifetime in hours."),
) -> None:
    """Print a token the embedded `ledger serve` accepts (development only)."""
    try:
        issuer = development_issuer(Settings())
    except IdentityConfigurationError as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(2) from None
    typer.echo(issuer.mint(sub, operator=admin, lifetime=timedelta(hours=hours)))


def _settings() -> Settings:
    return configured_settings(
        "API keys live in the ledger's table; the embedded endpoint of `ledger serve` takes "
        "development tokens instead (`ledger dev-token`)."
    )


def _describe(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.key_id,
        "name": key.name,
        "subject": key.subject,
        "operator": key.is_operator,
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


@api_keys_app.command("create")
def create(
    name: str = typer.Option(..., "--name", help="What the key is for, such as billing."),
    admin: bool = typer.Option(False, "--admin", help="An operator's key."),
    sub: str | None = typer.Option(None, "--sub", help="The holder the key acts as."),
) -> None:
    """Create a key and print it once: only its hash is stored."""
    if admin == (sub is not None):
        typer.echo("give exactly one of --admin and --sub", err=True)
        raise typer.Exit(2)
    settings = _settings()

    async def run() -> str:
        async with open_api_key_admin(settings) as keys:
            issued = await keys.create(name, subject=sub, operator=admin)
            return issued.plaintext

    typer.echo(asyncio.run(run()))


@api_keys_app.command("list")
def list_keys() -> None:
    """The keys (never their secrets), one JSON object per line."""
    settings = _settings()

    async def run() -> list[ApiKey]:
        async with open_api_key_admin(settings) as keys:
            return await keys.list()

    for key in asyncio.run(run()):
        typer.echo(json.dumps(_describe(key)))


@api_keys_app.command("revoke")
def revoke(key_id: str = typer.Argument(..., help="The key's id (from `list`).")) -> None:
    """Revoke a key: every replica refuses it within seconds."""
    settings = _settings()

    async def run() -> ApiKey:
        async with open_api_key_admin(settings) as keys:
            return await keys.revoke(key_id)

    try:
        revoked = asyncio.run(run())
    except ApiKeyNotFound:
        typer.echo(f"no API key {key_id!r}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(_describe(revoked)))
