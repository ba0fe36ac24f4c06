"""The default config's dashboards, by environment: a widget per metric family of every deployment,
every alarm of the environment, weak references only, a layout that fits CloudWatch's grid."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Template

from fmkit.config import LoadedConfig
from stacks.operations.dashboard import rows
from tests.infra.operations.dashboard_body import dashboards, titled, widgets

pytestmark = pytest.mark.infra

FAMILIES = {
    "bedrock": ["invocations", "tokens", "latency (ms)", "throttles and errors", "cost from tokens"],
    "sagemaker": ["invocations", "model latency (ms)", "4xx and 5xx"],
    "ec2-graviton": ["load balancer requests", "target response time (s)", "healthy hosts", "instance cost"],
}
KNOWLEDGE = ["queue depth", "oldest message age (s)", "dead-letter queue depth", "ingest errors",
             "documents processed", "chunks", "query latency (ms)"]


def families(name: str, deployment: Any) -> list[str]:
    """The metric families a deployment's section must draw, by provider and hosting mode."""
    titles = list(FAMILIES[deployment.provider])
    if deployment.provider == "bedrock" and deployment.guardrail is not None:
        titles.append("guardrail interventions")
    if deployment.provider == "sagemaker":
        mode = deployment.mode
        titles += {"serverless": ["cold starts (model setup, ms)"],
                   "inference-component": ["instances and copies", "utilisation (% summed over cores/GPUs)",
                                           "instance cost"],
                   "async": ["instances", "utilisation (% summed over cores/GPUs)", "async backlog",
                             "instance cost"],
                   "realtime": ["instances", "utilisation (% summed over cores/GPUs)", "instance cost"]}[mode]
    if deployment.provider == "ec2-graviton":
        scaling = deployment.autoscaling
        titles.append("concurrent requests per instance (scaling signal)" if scaling.requests_target is None
                      else "requests per instance (scaling signal)")
        titles.append("instances and warm pool" if scaling.warm_pool else "instances")
    return [f"{name}: {title}" for title in titles]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_every_deployment_has_a_widget_per_metric_family(
    env: str, default_config: LoadedConfig, default_templates: dict[str, Template]
) -> None:
    config = default_config.environment(env)
    titles = [w["properties"].get("title") for w in widgets(default_templates[f"{env}/Operations"])]
    expected = [title for name, deployment in sorted(config.enabled_models().items())
                for title in families(name, deployment)]
    expected += [f"{kb}: {family}" for kb, settings in config.project.knowledge_bases.items() if settings.enabled
                 for family in KNOWLEDGE]
    assert expected  # the default config deploys every provider and a knowledge base
    missing = [title for title in expected if title not in titles]
    assert missing == []
    named = [title for title in titles if title]
    assert len(named) == len(set(named))  # no title twice: each names one deployment's family


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_dashboard_is_named_after_the_environment_and_starts_with_the_plan(
    env: str, default_config: LoadedConfig, default_templates: dict[str, Template]
) -> None:
    config = default_config.environment(env)
    [(name, body)] = dashboards(default_templates[f"{env}/Operations"]).items()
    assert name == f"{config.project.name}-{env}"
    plan = body["widgets"][1]["properties"]["markdown"]
    assert plan.startswith(f"## Money and carbon — {env} ({config.region})")
    for deployment in config.enabled_models():
        assert f"`fmkit:model = {deployment}`" in plan


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_every_alarm_of_the_environment_is_on_the_dashboard(
    env: str, default_templates: dict[str, Template]
) -> None:
    created = {(key.split("/")[1], logical_id) for key, template in default_templates.items()
               if key.startswith(f"{env}/") for logical_id in template.find_resources("AWS::CloudWatch::Alarm")}
    shown = titled(widgets(default_templates[f"{env}/Operations"]), f"{env}: every alarm")["properties"]["alarms"]
    assert len(created) > 3
    assert len(shown) == len(set(shown)) == len(created)
    for stack, logical_id in created:
        assert any(logical_id in arn and f"-{stack.lower()}:" in arn for arn in shown), (stack, logical_id)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_dashboard_reads_other_stacks_through_outputs_they_have(
    env: str, default_templates: dict[str, Template]
) -> None:
    operations = default_templates[f"{env}/Operations"].to_json()
    assert "Fn::ImportValue" not in str(operations)  # weak: no Export, a producer is never locked
    assert "Fn::Split" not in str(operations)  # cfn-lint refuses a weak reference inside Fn::Split
    outputs = {}
    for key, template in default_templates.items():
        if key.startswith(f"{env}/"):
            stack_json = template.to_json()
            exports = [o for o in stack_json.get("Outputs", {}).values() if "Export" in o]
            assert not any("Operations" in str(o) for o in exports)
            outputs.update({name: key for name in stack_json.get("Outputs", {})})
    references = _get_stack_outputs(operations)
    assert references
    for reference in references:
        assert reference["OutputName"] in outputs, reference


def _get_stack_outputs(node: Any) -> list[dict[str, str]]:
    if isinstance(node, dict):
        if "Fn::GetStackOutput" in node:
            return [node["Fn::GetStackOutput"]]
        return [found for value in node.values() for found in _get_stack_outputs(value)]
    if isinstance(node, list):
        return [found for value in node for found in _get_stack_outputs(value)]
    return []


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_widgets_fit_the_grid_without_overlapping(env: str, default_templates: dict[str, Template]) -> None:
    cells: set[tuple[int, int]] = set()
    for widget in widgets(default_templates[f"{env}/Operations"]):
        assert widget["x"] + widget["width"] <= 24
        area = {(x, y) for x in range(widget["x"], widget["x"] + widget["width"])
                for y in range(widget["y"], widget["y"] + widget["height"])}
        assert not area & cells, widget["properties"].get("title")
        cells |= area


def test_rows_wrap_at_the_grid_width() -> None:
    def text(width: int) -> cloudwatch.TextWidget:
        return cloudwatch.TextWidget(markdown="x", width=width)

    laid_out = rows([text(24), text(6), text(6), text(6), text(6), text(6), text(12), text(12)])
    assert [[w.width for w in row] for row in laid_out] == [[24], [6, 6, 6, 6], [6, 12], [12]]
    assert rows([]) == []
