"""The Prometheus metrics the service exposes (names and labels are the contract of
deploy/grafana/ledger.json and deploy/prometheus/alerts.yml).

Several processes (uvicorn or gunicorn workers) share one view when PROMETHEUS_MULTIPROC_DIR
names an empty directory, writable by every worker and wiped before they start: prometheus-client
then keeps each value in a file there and `exposition()` adds them up. The variable must be set
before this module is first imported, i.e. in the environment of the process manager.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

# The `_created` series would double what Prometheus stores for every counter and histogram,
# for a start time nothing here reads.
disable_created_metrics()  # type: ignore[no-untyped-call]

#: Request latencies: from a cached read (~1 ms) to a transfer retried under contention.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: DynamoDB calls are faster and their tail matters: a finer low end.
DYNAMODB_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

graphql_requests = Counter(
    "ledger_graphql_requests",
    "GraphQL operations by type, name and outcome (ok, error: an unexpected masked error, "
    "invalid: refused before execution). userErrors are ok.",
    ["operation_type", "operation_name", "outcome"],
)
graphql_duration = Histogram(
    "ledger_graphql_request_duration_seconds",
    "Time to execute a query or mutation (a subscription's setup only).",
    ["operation_type", "operation_name"],
    buckets=LATENCY_BUCKETS,
)
transfers = Counter(
    "ledger_transfers",
    "Transfers by outcome: committed, or the refusal's error code.",
    ["outcome"],
)
exchanges = Counter(
    "ledger_exchanges",
    "Currency exchanges (transfers with a quote) by outcome: committed, or the refusal's "
    "error code (QUOTE_USED, QUOTE_EXPIRED, ...).",
    ["outcome"],
)
quotes = Counter(
    "ledger_quotes",
    "Exchange quotes by outcome: given, or the refusal's error code (RATES_UNAVAILABLE, "
    "RATES_STALE, ...).",
    ["outcome"],
)
holds = Counter(
    "ledger_holds",
    "Hold operations (authorize, capture, void, expire) by outcome: committed, or the "
    "refusal's error code.",
    ["operation", "outcome"],
)
transfer_retries = Counter(
    "ledger_transfer_retries",
    "Transfer commits that failed and were planned or sent again, by cause "
    "(version_conflict: another commit moved an account first; transient: DynamoDB failed).",
    ["cause"],
)
dynamodb_calls = Counter(
    "ledger_dynamodb_calls",
    "DynamoDB API calls by operation and outcome (ok, or the error code).",
    ["operation", "outcome"],
)
dynamodb_duration = Histogram(
    "ledger_dynamodb_call_duration_seconds",
    "DynamoDB API call latency, retries included.",
    ["operation"],
    buckets=DYNAMODB_BUCKETS,
)
dynamodb_throttles = Counter(
    "ledger_dynamodb_throttles",
    "DynamoDB attempts refused with a throttling error (each is retried by the client).",
    ["operation"],
)
stream_lag = Gauge(
    "ledger_stream_lag_seconds",
    "Age of the newest stream record in the last processed batch (0 once caught up).",
    multiprocess_mode="livemax",
)
stream_records = Counter(
    "ledger_stream_records_processed",
    "Stream records processed, by outcome (ok, failed: delivered again).",
    ["outcome"],
)
notifications = Counter(
    "ledger_notifications",
    "Notifications by channel and final outcome (sent, failed after every attempt).",
    ["channel", "outcome"],
)
subscriptions_active = Gauge(
    "ledger_subscriptions_active",
    "Open subscriptions to the event hub (one per live balance feed).",
    multiprocess_mode="livesum",
)
hub_queue_overflows = Counter(
    "ledger_hub_queue_overflows",
    "Subscriptions closed because their subscriber fell a whole queue behind.",
)
live_fast_path_events = Counter(
    "ledger_live_fast_path_events",
    "Balance changes the commit-time fast path handed to the hub (published), could not hand "
    "(failed) or left to the stream because too many were in flight (skipped).",
    ["outcome"],
)
websocket_connections = Gauge(
    "ledger_websocket_connections",
    "Open websocket connections.",
    multiprocess_mode="livesum",
)
rate_limited = Counter(
    "ledger_rate_limited", "Requests refused by a rate limit, by bucket.", ["bucket"]
)
queries_refused = Counter(
    "ledger_queries_refused",
    "Operations refused before execution for their cost, depth or size, by reason.",
    ["reason"],
)

#: The most distinct operation names kept; later new names are counted as "other".
MAX_OPERATION_NAMES = 200
MAX_OPERATION_NAME_LENGTH = 64
_operation_names: set[str] = set()


def operation_name_label(name: str | None) -> str:
    """A bounded label for a client-chosen operation name (only pass names of operations that
    validated): "anonymous" without one, "other" past the first MAX_OPERATION_NAMES."""
    if not name:
        return "anonymous"
    name = name[:MAX_OPERATION_NAME_LENGTH]
    if name in _operation_names:
        return name
    if len(_operation_names) >= MAX_OPERATION_NAMES:
        return "other"
    _operation_names.add(name)
    return name


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric (all workers' in multiprocess mode) and its
    content type."""
    if multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
