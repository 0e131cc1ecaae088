"""The deployment artefacts under deploy/: the SAM template, the alert rules, the dashboard."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.decode import decode

from services.dynamo.table import STREAM, TABLE_SHAPE, TTL_ATTRIBUTE
from services.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "template.yaml"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
ALERT_TESTS = DEPLOY / "prometheus" / "alerts_test.yml"
DASHBOARD = DEPLOY / "grafana" / "ledger.json"

#: The metrics the app exposes (issue 15), with the labels the dashboard and alerts may use.
METRICS: dict[str, set[str]] = {
    "ledger_graphql_requests_total": {"operation_type", "operation_name", "outcome"},
    "ledger_graphql_request_duration_seconds": {"operation_type", "operation_name"},
    "ledger_transfers_total": {"outcome"},
    "ledger_exchanges_total": {"outcome"},
    "ledger_quotes_total": {"outcome"},
    "ledger_transfer_retries_total": {"cause"},
    "ledger_dynamodb_calls_total": {"operation", "outcome"},
    "ledger_dynamodb_call_duration_seconds": {"operation"},
    "ledger_dynamodb_throttles_total": {"operation"},
    "ledger_stream_lag_seconds": set(),
    "ledger_stream_records_processed_total": {"outcome"},
    "ledger_notifications_total": {"channel", "outcome"},
    "ledger_subscriptions_active": set(),
    "ledger_hub_queue_overflows_total": set(),
    "ledger_live_fast_path_events_total": {"outcome"},
    "ledger_websocket_connections": set(),
    "ledger_rate_limited_total": {"bucket"},
    "ledger_queries_refused_total": {"reason"},
}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
#: LEDGER_* variables the template sets that Settings does not read: the CLI reads the log level;
#: the identity feature and the metrics endpoint (issue 15) are to read the others.
READ_OUTSIDE_SETTINGS = {
    "LEDGER_LOG_LEVEL",
    "LEDGER_AUTH_ISSUER",
    "LEDGER_AUTH_AUDIENCE",
    "LEDGER_METRICS_PORT",
}


def _load_deploy_lint() -> Any:
    spec = importlib.util.spec_from_file_location("deploy_lint", ROOT / "scripts/deploy_lint.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


deploy_lint = _load_deploy_lint()


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded, errors = decode(str(TEMPLATE))
    assert not errors
    assert loaded is not None
    return json.loads(json.dumps(loaded))  # plain dicts and strings, intrinsics as Fn:: keys


@pytest.fixture(scope="module")
def expanded(template: dict[str, Any]) -> dict[str, Any]:
    """What `sam deploy` submits: the template after the SAM transform."""
    result: dict[str, Any] = deploy_lint.expand(template)
    return result


def resources(tpl: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in tpl["Resources"].items() if r["Type"] == kind}


def only(tpl: dict[str, Any], kind: str) -> dict[str, Any]:
    found = resources(tpl, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.values()))


# --- cfn-lint ------------------------------------------------------------------------------------


def test_cfn_lint_finds_nothing_in_the_template_or_its_sam_expansion() -> None:
    assert deploy_lint.findings(TEMPLATE) == []


def test_the_sam_expansion_is_linted_where_plain_cfn_lint_looks_away(tmp_path: Path) -> None:
    broken = tmp_path / "template.yaml"
    broken.write_text(TEMPLATE.read_text().replace("StartingPosition: TRIM_HORIZON", "X: 1", 1))
    assert deploy_lint.findings(broken) != []


def test_no_rule_is_switched_off_for_the_whole_template(template: dict[str, Any]) -> None:
    assert "cfn-lint" not in template.get("Metadata", {})
    assert not (ROOT / ".cfnlintrc").exists()
    assert not (ROOT / ".cfnlintrc.yaml").exists()


# --- the table -----------------------------------------------------------------------------------


def test_the_table_is_the_one_the_code_defines(template: dict[str, Any]) -> None:
    table = only(template, "AWS::DynamoDB::Table")["Properties"]
    assert table["KeySchema"] == TABLE_SHAPE["KeySchema"]
    assert table["AttributeDefinitions"] == TABLE_SHAPE["AttributeDefinitions"]
    assert table["BillingMode"] == TABLE_SHAPE["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"]["StreamViewType"] == STREAM["StreamViewType"]
    assert STREAM["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    # The code defines no secondary index; the template must not invent one.
    assert "GlobalSecondaryIndexes" not in table
    assert "LocalSecondaryIndexes" not in table
    # The code's TTL attribute (exchange quotes expire by it), and only that one.
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_the_table_is_protected(template: dict[str, Any]) -> None:
    resource = only(template, "AWS::DynamoDB::Table")
    table = resource["Properties"]
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["DeletionProtectionEnabled"] is True
    assert table["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"


def test_services_never_create_the_table_themselves(template: dict[str, Any]) -> None:
    for env in _environments(template).values():
        assert env["LEDGER_CREATE_TABLE"] == "false"
        assert env["LEDGER_EMBEDDED"] == "false"
        assert env["LEDGER_TABLE"] == {"Ref": "LedgerTable"}


# --- the stream Lambda ---------------------------------------------------------------------------


def test_the_stream_function_runs_the_packages_handler(template: dict[str, Any]) -> None:
    function = only(template, "AWS::Serverless::Function")["Properties"]
    (handler,) = function["ImageConfig"]["Command"]
    module, _, name = handler.rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))
    assert handler == "entrypoints.lambda_handler.handle_dynamodb_stream"
    assert function["PackageType"] == "Image"
    assert function["ImageUri"] == {"Ref": "StreamFunctionImageUri"}


def test_the_event_source_mapping_reports_partial_failures(expanded: dict[str, Any]) -> None:
    mapping = only(expanded, "AWS::Lambda::EventSourceMapping")["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["LedgerTable", "StreamArn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["MaximumRetryAttempts"] == {"Ref": "StreamMaximumRetryAttempts"}
    assert mapping["MaximumRecordAgeInSeconds"] == {"Ref": "StreamMaximumRecordAgeSeconds"}
    on_failure = mapping["DestinationConfig"]["OnFailure"]["Destination"]
    queue = on_failure["Fn::GetAtt"][0]
    assert expanded["Resources"][queue]["Type"] == "AWS::SQS::Queue"


def test_parameter_defaults_fit_the_stream(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    retries = parameters["StreamMaximumRetryAttempts"]["Default"]
    assert 0 < retries <= 10_000
    # Older than the stream keeps (24 h) is meaningless; -1 (forever) would hide a poison record.
    assert 60 <= parameters["StreamMaximumRecordAgeSeconds"]["Default"] <= 24 * 3600


def test_cloudwatch_watches_the_stream_prometheus_cannot_scrape(template: dict[str, Any]) -> None:
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    metrics = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms}
    assert ("AWS/Lambda", "IteratorAge") in metrics
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in metrics


# --- the API -------------------------------------------------------------------------------------


def test_the_load_balancer_keeps_websockets_open(template: dict[str, Any]) -> None:
    attributes = only(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"][
        "LoadBalancerAttributes"
    ]
    idle = {a["Key"]: a["Value"] for a in attributes}["idle_timeout.timeout_seconds"]
    assert int(idle) >= 3600


def test_the_load_balancer_checks_readiness_on_the_api_port_only(template: dict[str, Any]) -> None:
    group = only(template, "AWS::ElasticLoadBalancingV2::TargetGroup")["Properties"]
    assert group["HealthCheckPath"] == "/readyz"
    assert group["Port"] == 8000
    (container,) = _containers(template)
    ports = {m["ContainerPort"] for m in container["PortMappings"]}
    assert ports == {8000, 9100}
    service = only(template, "AWS::ECS::Service")["Properties"]
    assert [lb["ContainerPort"] for lb in service["LoadBalancers"]] == [8000]
    assert "9100" not in json.dumps(resources(template, "AWS::ElasticLoadBalancingV2::Listener"))
    egress = resources(template, "AWS::EC2::SecurityGroupEgress")["LoadBalancerToApi"]
    assert egress["Properties"]["FromPort"] == egress["Properties"]["ToPort"] == 8000


def test_the_api_gets_redis_auth_and_metrics_settings(template: dict[str, Any]) -> None:
    env = _environments(template)["ApiTaskDefinition"]
    assert env["LEDGER_REDIS_URL"]["Fn::Sub"].startswith("rediss://${Redis.PrimaryEndPoint")
    assert env["LEDGER_AUTH_ISSUER"] == {"Ref": "AuthIssuer"}
    assert env["LEDGER_AUTH_AUDIENCE"] == {"Ref": "AuthAudience"}
    assert env["LEDGER_METRICS_PORT"] == "9100"
    assert env["LEDGER_SERVE_STREAM_WORKER"] == "false"  # the Lambda feeds Redis


def test_every_ledger_variable_is_one_the_app_reads(template: dict[str, Any]) -> None:
    read = set(READ_OUTSIDE_SETTINGS)
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        read |= set(choices) if choices else {f"LEDGER_{name.upper()}"}
    for resource, env in _environments(template).items():
        unknown = {var for var in env if var.startswith("LEDGER_")} - read
        assert not unknown, f"{resource} sets variables the app does not read: {unknown}"


def test_redis_encrypts_in_transit(template: dict[str, Any]) -> None:
    redis = only(template, "AWS::ElastiCache::ReplicationGroup")["Properties"]
    assert redis["TransitEncryptionEnabled"] is True
    assert redis["TransitEncryptionMode"] == "required"
    assert redis["AtRestEncryptionEnabled"] is True


def test_log_groups_expire(expanded: dict[str, Any]) -> None:
    groups = resources(expanded, "AWS::Logs::LogGroup")
    assert groups
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_outputs(template: dict[str, Any]) -> None:
    assert {"ApiUrl", "TableName", "StreamArn"} <= set(template["Outputs"])


# --- IAM -----------------------------------------------------------------------------------------


def test_no_statement_allows_every_action(expanded: dict[str, Any]) -> None:
    for _, statement in _statements(expanded):
        for action in _as_list(statement.get("Action", [])):
            assert not str(action).endswith("*"), statement  # "*", "s3:*", "dynamodb:Get*"
        assert "NotAction" not in statement
        assert "NotResource" not in statement


def test_every_wildcard_resource_is_justified(expanded: dict[str, Any]) -> None:
    wildcards = [(n, s) for n, s in _statements(expanded) if "*" in _as_list(s["Resource"])]
    assert {s.get("Sid") for _, s in wildcards} == {"SmsPublish", "VpcDescribe"}
    for resource, statement in wildcards:
        reasons = [
            rule["reason"]
            for rule in expanded["Resources"][resource]
            .get("Metadata", {})
            .get("cfn_nag", {})
            .get("rules_to_suppress", [])
            if rule["id"] == "W11"
        ]
        assert any(f"Sid {statement['Sid']}" in reason for reason in reasons), statement


def test_ses_sending_is_scoped_to_the_identities_given(expanded: dict[str, Any]) -> None:
    (statement,) = [s for _, s in _statements(expanded) if "ses:SendEmail" in _as_list(s["Action"])]
    assert statement["Resource"] == {"Ref": "SesIdentityArns"}


def test_only_the_stream_function_may_notify(expanded: dict[str, Any]) -> None:
    for resource, statement in _statements(expanded):
        actions = " ".join(_as_list(statement["Action"]))
        if "ses:" in actions or "sns:" in actions:
            assert resource == "StreamFunctionRole"


# --- Prometheus alert rules ----------------------------------------------------------------------


def test_alert_rules_are_well_formed() -> None:
    document = yaml.safe_load(ALERTS.read_text())
    names = []
    for group in document["groups"]:
        assert group["name"]
        assert group["rules"]
        for rule in group["rules"]:
            assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule
            assert re.fullmatch(r"\d+[smh]", rule["for"])
            assert rule["labels"]["severity"] in {"page", "ticket", "info"}
            assert rule["annotations"]["summary"]
            assert rule["annotations"]["description"]
            assert _metric_names(rule["expr"]) <= set(METRICS), rule["alert"]
            names.append(rule["alert"])
    assert len(names) == len(set(names))
    for wanted in (
        "LedgerStreamLagHigh",
        "LedgerNotificationFailuresRising",
        "LedgerDynamoDBThrottling",
        "LedgerGraphQLErrorRateHigh",
        "LedgerTransferRefusalsSpike",
    ):
        assert wanted in names


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_promtool_accepts_and_unit_tests_the_rules() -> None:
    for command in (["check", "rules", str(ALERTS)], ["test", "rules", str(ALERT_TESTS)]):
        result = subprocess.run(["promtool", *command], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


# --- Grafana dashboard ---------------------------------------------------------------------------


def test_dashboard_datasource_is_a_variable() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in _panels(dashboard):
        for source in [panel.get("datasource"), *(t.get("datasource") for t in panel["targets"])]:
            assert source == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]


def test_dashboard_covers_every_metric_and_only_those() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    used: set[str] = set()
    for expr in _dashboard_exprs(dashboard):
        names = _metric_names(expr)
        assert names <= set(METRICS), expr
        used |= names
    assert used == set(METRICS)


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_promtool_parses_every_dashboard_query(tmp_path: Path) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    rules = [
        {"record": f"dashboard:query_{i}", "expr": _concrete(expr)}
        for i, expr in enumerate(_dashboard_exprs(dashboard))
    ]
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- helpers -------------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _environments(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Environment variables by resource: the Lambda's and the API container's."""
    function = only(template, "AWS::Serverless::Function")["Properties"]
    (container,) = _containers(template)
    api = {item["Name"]: item["Value"] for item in container["Environment"]}
    return {"StreamFunction": function["Environment"]["Variables"], "ApiTaskDefinition": api}


def _containers(template: dict[str, Any]) -> list[dict[str, Any]]:
    definitions = only(template, "AWS::ECS::TaskDefinition")["Properties"]
    containers: list[dict[str, Any]] = definitions["ContainerDefinitions"]
    return containers


def _statements(tpl: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement of every role and policy, both branches of an Fn::If."""
    for name, resource in tpl["Resources"].items():
        properties = resource.get("Properties", {})
        documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
        if "PolicyDocument" in properties and resource["Type"] != "AWS::SQS::QueuePolicy":
            documents.append(properties["PolicyDocument"])
        for document in documents:
            for statement in _as_list(document["Statement"]):
                yield from ((name, s) for s in _branches(statement))


def _branches(statement: Any) -> Iterator[dict[str, Any]]:
    if isinstance(statement, dict) and "Fn::If" in statement:
        for branch in statement["Fn::If"][1:]:
            yield from _branches(branch)
    elif isinstance(statement, dict) and statement != {"Ref": "AWS::NoValue"}:
        yield statement


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def _dashboard_exprs(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in _panels(dashboard) for t in p["targets"]]


def _concrete(expr: str) -> str:
    """A Grafana query with its variables filled in, as Prometheus would receive it."""
    return expr.replace("$__rate_interval", "1m").replace("$job", ".*")


def _metric_names(expr: str) -> set[str]:
    names = set()
    for token in re.findall(r"\bledger_[a-z_]+\b", expr):
        for suffix in HISTOGRAM_SUFFIXES:
            if token.endswith(suffix) and token.removesuffix(suffix) in METRICS:
                token = token.removesuffix(suffix)
        names.add(token)
    return names
