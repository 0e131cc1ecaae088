"""The `ledger` command."""

from __future__ import annotations

import asyncio
import contextlib

import typer

from entrypoints import identity_cli, integrity_cli, worker_cli
from entrypoints.logs import configure_logging, warn_unknown_variables
from services.dynamo.client import aws_credentials_available
from services.identity.errors import IdentityConfigurationError
from services.identity.wiring import check_serving
from services.ledger import Ledger
from services.settings import Settings

app = typer.Typer(help="Real-time ledger service.", no_args_is_help=True, add_completion=False)


@app.callback()
def main(log_level: str = typer.Option("INFO", envvar="LEDGER_LOG_LEVEL")) -> None:
    configure_logging(log_level)
    warn_unknown_variables()


@app.command("create-tables")
def create_tables() -> None:
    """Create the ledger table (with its stream) if it does not exist. Safe to run repeatedly."""
    settings = worker_cli.configured_settings(
        "Nothing to create: the embedded in-memory endpoint of `ledger serve` creates its "
        "table itself."
    )

    async def run() -> bool:
        async with Ledger.connect(settings.model_copy(update={"create_table": False})) as ledger:
            return await ledger.ensure_table()

    created = asyncio.run(run())
    state = "created" if created else "already exists"
    typer.echo(f"table {settings.table_name!r} {state} (region {settings.region})")


@app.command("embedded-dynamodb")
def embedded_dynamodb(
    host: str = typer.Option("127.0.0.1", help="Address to bind; keep it on loopback."),
    port: int = typer.Option(8001, help="Port to listen on (0 picks a free one)."),
) -> None:
    """Run the embedded in-memory DynamoDB endpoint in the foreground."""
    from embedded_dynamodb import EmbeddedDynamoDB

    with EmbeddedDynamoDB(host=host, port=port) as url:
        typer.echo(f"embedded DynamoDB endpoint at {url} (in memory; Ctrl-C stops it)")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(asyncio.Event().wait())


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    demo: bool = typer.Option(False, "--demo", help="Load demo accounts and transfers."),
    embedded: bool = typer.Option(
        False, "--embedded", help="Run on the embedded in-memory DynamoDB (lost on exit)."
    ),
) -> None:
    """Serve the GraphQL API (and GraphiQL) on /graphql with uvicorn.

    `--embedded` (or LEDGER_EMBEDDED=true) starts the embedded in-memory endpoint: data is lost
    when the process stops, and requests authenticate with development tokens (`ledger
    dev-token`). Without it, DynamoDB is AWS's (any source of credentials) or
    AWS_ENDPOINT_URL_DYNAMODB; with neither it refuses to start. On a real table it needs
    LEDGER_AUTH_ISSUER (or LEDGER_AUTH_API_KEYS_ONLY, or LEDGER_AUTH_DISABLED for experiments).
    """
    import uvicorn

    from entrypoints.app import create_app
    from entrypoints.ws_protocol import websocket_options

    settings = Settings()
    if embedded:
        settings = settings.model_copy(update={"embedded": True})
    try:
        # Where no DynamoDB is configured at all, the startup says so first (and how to ask
        # for the embedded one); authentication settings matter once there is a table.
        if settings.use_embedded() or _dynamodb_configured(settings):
            check_serving(settings, embedded=settings.use_embedded())
    except IdentityConfigurationError as refused:
        typer.echo(f"ledger serve: {refused}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"GraphQL API and GraphiQL at http://{host}:{port}/graphql", err=True)
    uvicorn.run(
        create_app(settings, demo=demo, freeze_startup_heap=True),
        host=host,
        port=port,
        log_config=None,  # keep the JSON logging configured above
        lifespan="on",  # a failed startup (no DynamoDB) stops the process instead of serving 500s
        proxy_headers=False,
        **websocket_options(settings),
    )


def _dynamodb_configured(settings: Settings) -> bool:
    return bool(settings.endpoint_for("dynamodb")) or aws_credentials_available(settings)


app.command("stream-worker")(worker_cli.stream_worker)
app.command("expire-holds")(worker_cli.expire_holds)
app.command("verify")(integrity_cli.verify)
app.command("export")(integrity_cli.export)
app.command("dev-token")(identity_cli.dev_token)
app.add_typer(identity_cli.api_keys_app, name="api-keys")
app.add_typer(worker_cli.notifications_app, name="notifications")
