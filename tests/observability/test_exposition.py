"""/metrics on a port of its own, and the sum over workers in multiprocess mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from entrypoints.observability import metrics_port
from services.observability.settings import ObservabilitySettings

WORKER = (
    "from services.observability import metrics; "
    "metrics.transfers.labels('committed').inc(); "
    "metrics.websocket_connections.inc()"
)
SCRAPE = (
    "import sys; from services.observability import metrics; "
    "sys.stdout.write(metrics.exposition()[0].decode())"
)


def test_metrics_on_a_port_of_their_own() -> None:
    settings = ObservabilitySettings(port=0, host="127.0.0.1")
    with metrics_port(settings) as port:
        assert port
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"ledger_transfers", "ledger_graphql_requests"} <= names


def test_no_port_no_server() -> None:
    with metrics_port(ObservabilitySettings(port=None)) as port:
        assert port is None


def test_several_workers_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", WORKER], env=env, check=True)
    out = subprocess.run(
        [sys.executable, "-c", SCRAPE], env=env, check=True, capture_output=True, text=True
    ).stdout
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(out)
        for s in family.samples
    }
    assert samples[("ledger_transfers_total", (("outcome", "committed"),))] == 2
    # A live gauge sums the workers not marked dead (the process manager's job, README).
    assert samples[("ledger_websocket_connections", ())] == 2
