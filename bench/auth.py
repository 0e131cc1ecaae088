"""Workload 8: what a verified bearer token costs the transfer path.

The same transfers against two `ledger serve` processes on one endpoint: one with
authentication disabled (what the other workloads run), one verifying an RS256 operator token
from a local OIDC issuer on every request (JWKS fetched once over HTTP, then cached)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from functools import partial

from bench.context import API_ONLY, Run
from bench.data import account, dynamodb, put_accounts
from bench.report import Section, Target
from bench.stats import ratio, safe_div
from bench.transfers import drive, least_of_rounds, row
from services.ledger.ids import new_id
from tests.support.oidc_issuer import AUDIENCE, running_issuer

CONCURRENCY = (1, 16)
TARGET = 1.05


async def workload(run: Run) -> Section:
    section = Section(
        "8. Authentication cost per transfer",
        ["what", "concurrency", "ops", "throughput", "p50", "p99", "server CPU/op"],
    )
    table = f"bench-auth-{new_id()}"
    ratios: list[str] = []
    met = True
    with running_issuer("RS256") as issuer:
        token = issuer.token("bench-operator", operator=True, exp=2_000_000_000)
        open_server = await run.ledger_server(table, **API_ONLY)
        secured = await run.ledger_server(
            table,
            **API_ONLY,
            LEDGER_AUTH_DISABLED="false",
            LEDGER_AUTH_ISSUER=issuer.url,
            LEDGER_AUTH_AUDIENCE=AUDIENCE,
        )
        try:
            async with dynamodb(run.endpoint_url) as client:
                for concurrency in CONCURRENCY:
                    count = run.scale(max(400, 16 * concurrency), concurrency)
                    tag = new_id()
                    pairs = [(f"w8-{tag}-{i}-a", f"w8-{tag}-{i}-b") for i in range(concurrency)]
                    await put_accounts(
                        client,
                        table,
                        [account(a, Decimal(1000), 1) for a, _ in pairs]
                        + [account(b) for _, b in pairs],
                    )
                    warmup = run.scale(2 * concurrency, 0)
                    # As in workload 1: one round each moved this ratio from 0.93 to 1.26
                    # between two runs.
                    plain, verified = await least_of_rounds(
                        run,
                        "w8",
                        [
                            (
                                f"no auth, {count} at {concurrency}",
                                partial(drive, open_server, pairs, count, warmup=warmup),
                            ),
                            (
                                f"verified token, {count} at {concurrency}",
                                partial(
                                    drive,
                                    secured,
                                    pairs,
                                    count,
                                    warmup=warmup,
                                    headers={"Authorization": f"Bearer {token}"},
                                ),
                            ),
                        ],
                    )
                    value = safe_div(verified.cpu_per_op, plain.cpu_per_op)
                    ratios.append(f"{ratio(value)} at {concurrency}")
                    met = met and value <= TARGET
                    section.rows += [
                        row("transfer, LEDGER_AUTH_DISABLED", concurrency, plain),
                        row("transfer, verified RS256 token", concurrency, verified),
                        [
                            "CPU ratio verified / disabled",
                            str(concurrency),
                            "",
                            "",
                            "",
                            "",
                            ratio(value),
                        ],
                    ]
        finally:
            await asyncio.to_thread(open_server.stop)
            await asyncio.to_thread(secured.stop)
    section.targets.append(
        Target(
            "8. server CPU per transfer with a verified token / without",
            f"<= {TARGET}",
            ", ".join(ratios),
            met,
        )
    )
    section.method = (
        "Workload 1's transfers (same mutation, idempotency key and memo, one pair of accounts "
        "per worker) against two `ledger serve` processes on one table: one with "
        "`LEDGER_AUTH_DISABLED=true`, one with `LEDGER_AUTH_ISSUER` pointing at a local OIDC "
        "issuer, every request carrying an RS256 operator token (2048-bit key) that the server "
        "verifies in full (signature, iss, aud, exp, nbf) against its cached JWKS. Server CPU "
        "from /proc as in workload 1; the two cases run three times, interleaved, and each row "
        "is the round with the least CPU per operation, as in workload 1."
    )
    return section
