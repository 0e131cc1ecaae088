"""The fuzz suite: thousands of valid and near-valid operations generated from
schema.graphql (hypothesis-graphql, positive and negative modes), sent over HTTP to the
running app as an operator and as a holder, with tokens from a real OIDC issuer.

Pass: no 5xx, no masked internal error (INTERNAL_SERVER_ERROR), no ERROR in the server log,
the server still healthy, and its memory growth bounded. The number of operations sent is
printed in the terminal summary of the run. (The hand-written hostile corpus is
test_hostile_input.py.)
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import hypothesis_graphql as hg
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from entrypoints.app import create_app
from tests.documents import CREATE
from tests.e2e.conftest import e2e_settings, serving
from tests.support.oidc_issuer import AUDIENCE, running_issuer

SCHEMA = (Path(__file__).resolve().parents[2] / "schema.graphql").read_text()
#: Operations per (principal, mode): four runs of this many make the suite's total.
EXAMPLES = int(os.environ.get("LEDGER_FUZZ_EXAMPLES", "600"))
MIB = 1024 * 1024

SCALARS = {
    "Decimal": st.one_of(
        st.sampled_from(["1", "0.01", "12.50", "-5", "0", "1E+3", "NaN", "1" + "0" * 60]),
        st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
        st.text(max_size=20),
    ).map(nodes.String),
    "DateTime": st.sampled_from(["2026-01-01T00:00:00Z", "yesterday", ""]).map(nodes.String),
}
SENT: Counter[str] = Counter()


@dataclass(frozen=True)
class Target:
    url: str
    tokens: dict[str, str]


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@pytest.fixture(scope="module")
def target(dynamodb_endpoint: str) -> Iterator[Target]:
    with running_issuer() as issuer:
        config = e2e_settings(
            dynamodb_endpoint, auth_disabled=False, auth_issuer=issuer.url, auth_audience=AUDIENCE
        )
        with serving(create_app(config)) as url:
            run = uuid.uuid4().hex[:6]
            tokens = {
                "operator": issuer.token(f"fuzz-ops-{run}", operator=True),
                "holder": issuer.token(f"fuzz-holder-{run}"),
            }
            for account in ("a", "b"):  # something real for the holder's reads to find
                created = httpx.post(
                    url + "/graphql",
                    json={
                        "query": CREATE,
                        "variables": {
                            "input": {
                                "id": f"fuzz-{account}-{run}",
                                "initialBalance": "100",
                                "ownerId": f"fuzz-holder-{run}",
                            }
                        },
                    },
                    headers={"Authorization": f"Bearer {tokens['operator']}"},
                ).json()
                assert created["data"]["createAccount"]["userErrors"] == [], created
            yield Target(url, tokens)


@pytest.fixture(scope="module", autouse=True)
def summary(request: pytest.FixtureRequest) -> Iterator[None]:
    started = time.perf_counter()
    yield
    line = (
        f"fuzz suite: {sum(SENT.values())} operations sent over HTTP in "
        f"{time.perf_counter() - started:.0f} s ({dict(SENT)})"
    )
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():  # shown even without -s
            reporter.write_line("\n" + line)


@pytest.mark.parametrize("mode", [hg.Mode.POSITIVE, hg.Mode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("role", ["operator", "holder"])
def test_generated_operations_never_fail_the_server(
    target: Target, role: str, mode: hg.Mode, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"Authorization": f"Bearer {target.tokens[role]}"}
    statuses: Counter[int] = Counter()
    before = rss_bytes()
    with httpx.Client(base_url=target.url, headers=headers, timeout=30) as client:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,  # the same operations on every run: a failure reproduces
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(document=hg.from_schema(SCHEMA, custom_scalars=SCALARS, mode=mode))
        def send(document: str) -> None:
            response = client.post("/graphql", json={"query": document})
            SENT[f"{role} {mode.name.lower()}"] += 1
            statuses[response.status_code] += 1
            assert response.status_code < 500, (document, response.text[:500])
            assert "INTERNAL_SERVER_ERROR" not in response.text, (document, response.text[:500])
            json.loads(response.text)

        send()
        assert client.get("/healthz").status_code == 200
    growth = rss_bytes() - before
    assert growth < 200 * MIB
    errors = [r.getMessage()[:200] for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    logging.getLogger(__name__).info("statuses %s, RSS %+.1f MiB", dict(statuses), growth / MIB)
