"""`ledger verify` and `ledger export`: the tamper-evident history from an operator's shell."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from entrypoints.progress import ProgressBar
from entrypoints.worker_cli import configured_settings
from services import LedgerError
from services.integrity.export import write_csv, write_jsonl
from services.integrity.problems import VerificationSummary
from services.ledger import Ledger
from services.ledger.integrity import IntegrityService

_HINT = "Verify and export read a real table (or AWS_ENDPOINT_URL for a local one)."


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def _integrity(ledger: Ledger) -> IntegrityService:
    if ledger.integrity is None:  # pragma: no cover - the DynamoDB ledger always has one
        raise RuntimeError("this ledger has no integrity reader")
    return ledger.integrity


def verify(
    account: str | None = typer.Option(None, "--account", help="Verify only this account."),
    segments: int = typer.Option(4, min=1, max=64, help="Parallel Scan segments."),
) -> None:
    """Check the whole history: versions gapless from 1, every hash chain up to its account's
    head, balances against the posted entries, each transfer against its two entries, and
    idempotency records against their transfers. Exits 1 listing each problem."""
    settings = configured_settings(_HINT)

    async def run() -> VerificationSummary:
        async with Ledger.connect(settings.model_copy(update={"create_table": False})) as ledger:
            integrity = _integrity(ledger)
            if account is not None:
                checked = await integrity.verify_account(account)
                for problem in checked.problems:
                    typer.echo(str(problem))
                return checked.summary
            summary = VerificationSummary()
            bar = ProgressBar("verify", await integrity.estimated_items())
            async for problem in integrity.verify_table(
                summary, segments=segments, progress=bar.advance
            ):
                typer.echo(str(problem))
            bar.finish()
            return summary

    try:
        summary = asyncio.run(run())
    except LedgerError as error:
        typer.echo(f"ledger verify: {error.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(summary.render())
    if not summary.ok:
        raise typer.Exit(1)


def export(
    output: Annotated[Path, typer.Option("--output", help="File to write ('-': stdout).")],
    format: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.jsonl,
    account: str | None = typer.Option(None, "--account", help="Only this account's entries."),
    since: Annotated[
        datetime | None,
        typer.Option("--since", help="Only entries created at or after this time (UTC)."),
    ] = None,
    spreadsheet_safe: bool = typer.Option(
        False, help="Prefix text cells that look like formulas with an apostrophe (CSV)."
    ),
) -> None:
    """Stream entries, oldest first per account, with exact amounts (see README "Exports")."""
    settings = configured_settings(_HINT)
    moment = since
    if moment is not None and moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)

    async def run() -> int:
        async with Ledger.connect(settings.model_copy(update={"create_table": False})) as ledger:
            integrity = _integrity(ledger)
            bar = ProgressBar("export", await integrity.estimated_items())
            written = 0

            def progress(count: int) -> None:
                nonlocal written
                bar.advance(count - written)
                written = count

            entries = integrity.export_entries(account, moment)
            out = (
                sys.stdout if str(output) == "-" else output.open("w", newline="", encoding="utf-8")
            )
            try:
                if format is ExportFormat.csv:
                    count = await write_csv(
                        entries, out, progress=progress, spreadsheet_safe=spreadsheet_safe
                    )
                else:
                    count = await write_jsonl(entries, out, progress=progress)
            finally:
                if out is not sys.stdout:
                    out.close()
            bar.finish()
            return count

    try:
        count = asyncio.run(run())
    except LedgerError as error:
        typer.echo(f"ledger export: {error.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{count} entries written to {output}", err=True)
