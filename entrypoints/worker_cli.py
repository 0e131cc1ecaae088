"""`ledger stream-worker`, `ledger expire-holds` and `ledger notifications failed|retry`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal

import typer

from entrypoints.observability import metrics_port
from services.bootstrap import bootstrap_worker
from services.dynamo.client import aws_credentials_available
from services.observability.settings import ObservabilitySettings
from services.observability.tracing import configure_tracing
from services.settings import Settings

notifications_app = typer.Typer(
    help="Notifications that could not be sent.", no_args_is_help=True, add_completion=False
)


def configured_settings(embedded_hint: str) -> Settings:
    """Settings for a command that needs a DynamoDB of its own; exits 2 with `embedded_hint`
    when none is configured (the embedded endpoint only lives inside `ledger serve`)."""
    settings = Settings()
    if settings.use_embedded() or (
        not settings.endpoint_for("dynamodb") and not aws_credentials_available(settings)
    ):
        typer.echo(
            "No DynamoDB is configured (AWS_ENDPOINT_URL_DYNAMODB, or AWS credentials from any "
            f"source of the standard chain). {embedded_hint}",
            err=True,
        )
        raise typer.Exit(2)
    return settings


def _services_settings() -> Settings:
    return configured_settings(
        "The embedded in-memory endpoint lives inside `ledger serve`, which runs its own "
        "stream worker."
    )


def stream_worker(
    once: bool = typer.Option(False, "--once", help="Process what is there, then exit."),
) -> None:
    """Read the table's stream: publish balance changes and send notifications."""
    settings = _services_settings()

    async def run() -> int:
        async with bootstrap_worker(settings) as services:
            worker = services.stream_worker
            if once:
                return await worker.catch_up()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(signum, stop.set)
            sweeper = asyncio.create_task(services.notifier.run_sweeps(stop))
            holds = services.ledger.hold_sweeper
            expiry = asyncio.create_task(holds.run(stop)) if holds is not None else None
            try:
                await worker.run(stop)
            finally:
                stop.set()
                await sweeper
                if expiry is not None:
                    await expiry
            return 0

    configure_tracing("ledger-stream-worker")
    with metrics_port(ObservabilitySettings()):  # the stream metrics, on LEDGER_METRICS_PORT
        read = asyncio.run(run())
    if once:
        typer.echo(f"processed {read} stream records")


@notifications_app.command("failed")
def failed(
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """List notifications whose every attempt failed (and ones abandoned by a dead worker)."""
    settings = _services_settings()

    async def run() -> list[dict[str, object]]:
        async with bootstrap_worker(settings) as services:
            return [
                {
                    "entry_id": n.entry_id,
                    "channel": n.channel.value,
                    "account_id": n.account_id,
                    "version": n.version,
                    "transfer_id": n.transfer_id,
                    "status": n.status.value,
                    "attempts": n.attempts,
                    "updated_at": n.updated_at.isoformat(),
                    "error": n.error,
                }
                for n in await services.notifier.failed()
            ]

    rows = asyncio.run(run())
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row))
        else:
            typer.echo(
                f"{row['entry_id']}  {row['channel']:<5}  {row['account_id']}  "
                f"v{row['version']}  {row['status']}  attempts={row['attempts']}  {row['error']}"
            )
    if not as_json:
        typer.echo(f"{len(rows)} failed notification(s)")


@notifications_app.command("retry")
def retry() -> None:
    """Send every failed notification again (each at most once more). Exit 1 if any failed."""
    settings = _services_settings()

    async def run() -> tuple[int, int, int]:
        async with bootstrap_worker(settings) as services:
            report = await services.notifier.retry_failed()
            return report.sent, report.failed, report.skipped

    sent, still_failed, skipped = asyncio.run(run())
    typer.echo(f"sent {sent}, failed again {still_failed}, skipped {skipped}")
    if still_failed:
        raise typer.Exit(1)


def expire_holds() -> None:
    """Release every hold past its expiry once, then exit: for deployments whose stream runs
    in Lambda (no `ledger stream-worker` sweeping), run it on a schedule."""
    settings = _services_settings()

    async def run() -> int:
        async with bootstrap_worker(settings) as services:
            sweeper = services.ledger.hold_sweeper
            if sweeper is None:
                return 0
            released = 0
            # One round reads a day of the week-long backlog: enough rounds to cover it all.
            for _ in range(9):
                released += await sweeper.sweep_once()
            return released

    typer.echo(f"expired {asyncio.run(run())} holds")
