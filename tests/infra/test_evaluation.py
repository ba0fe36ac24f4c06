"""Evaluation stack templates: Distributed Map workflow, arm64 functions, bucket, schedule, alarms, IAM."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from fmkit.config import LoadedConfig
from fmkit.contracts.evaluation import EvaluationSettings
from fmkit.estimate.evaluation_prices import deployment_plan_cost
from stacks.common.lambda_bundles import code_files, code_hash, layers_for
from stacks.evaluation.functions import PACKAGES
from tests.helpers import load_env

Synth = Callable[[Any], dict[str, Template]]
NOVA = "provider: bedrock\nmodel_id: amazon.nova-lite-v1:0\ncross_region: geo\n"
EXTERNAL_DATASET = """
    account: "111111111111"
    region: eu-west-1
    project:
      evaluation:
        enabled: true
        dataset_s3_uri: s3://team-datasets/support/v2.jsonl
        max_concurrency: 16
        batch_size: 5
        tolerated_failure_percentage: 0
"""


def definition(template: Template) -> dict[str, Any]:
    """The state machine definition, with CloudFormation tokens replaced by placeholders."""
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    body = machine["Properties"]["DefinitionString"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    return dict(json.loads("".join(p if isinstance(p, str) else "TOKEN" for p in parts)))


def statements(template: Template, role_prefix: str) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy")
    return [s for lid, p in policies.items() if lid.startswith(role_prefix)
            for s in p["Properties"]["PolicyDocument"]["Statement"]]


@pytest.fixture(scope="module")
def dev(default_templates: dict[str, Template]) -> Template:
    return default_templates["dev/Evaluation"]


def test_only_environments_that_enable_it_get_the_stack(default_templates: dict[str, Template]) -> None:
    assert "dev/Evaluation" in default_templates  # nag-clean: the fixture raises on any finding
    assert "prod/Evaluation" not in default_templates


def test_workflow_is_a_distributed_map_over_the_jsonl_dataset(dev: Template) -> None:
    dev.has_resource_properties("AWS::StepFunctions::StateMachine", {
        "StateMachineType": "STANDARD",
        "TracingConfiguration": {"Enabled": True},
        "LoggingConfiguration": Match.object_like({"Level": "ALL", "IncludeExecutionData": False}),
    })
    states = definition(dev)["States"]
    assert definition(dev)["StartAt"] == "Prepare" and states["Prepare"]["Next"] == "EvaluateDataset"
    mapped = states["EvaluateDataset"]
    assert mapped["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert mapped["ItemReader"]["ReaderConfig"] == {"InputType": "JSONL"}
    assert mapped["ItemReader"]["Parameters"]["Key"] == "datasets/support.jsonl"
    assert mapped["MaxConcurrency"] == 4 and mapped["ToleratedFailurePercentage"] == 10
    assert mapped["ItemBatcher"] == {"MaxItemsPerBatch": 5, "BatchInput": {"run_id.$": "$$.Execution.Name"}}
    assert mapped["ResultWriter"]["Parameters"]["Prefix"] == "map-results"
    assert mapped["Next"] == "Summarize" and states["Summarize"]["End"] is True


def test_functions_are_arm64_and_bundle_the_library(dev: Template, default_config: LoadedConfig) -> None:
    env_config = default_config.environment("dev")
    expected_plans = {name: plan.usd_per_1k_requests for name, deployment in env_config.enabled_models().items()
                      if name != "bge-embed" and (plan := deployment_plan_cost(name, deployment, env_config))}
    functions = dev.find_resources("AWS::Lambda::Function")
    assert len(functions) == 3
    handlers = sorted(f["Properties"]["Handler"] for f in functions.values())
    assert handlers == ["evaluate.handler", "prepare.handler", "summarize.handler"]
    for function in functions.values():
        props = function["Properties"]
        assert props["Architectures"] == ["arm64"] and props["Runtime"].startswith("python3.")
        env = props["Environment"]["Variables"]
        assert env["DATASET_KEY"] == "datasets/support.jsonl" and env["FMKIT_ENVIRONMENT"] == "dev"
        assert json.loads(env["EVAL_MODELS"]) == ["llama-small", "nova-lite", "qwen-chat"]
        assert json.loads(env["EVAL_MIN_SCORES"]) == {"rougeL": 0.3}
        assert json.loads(env["EVAL_PRICES"])["nova-lite"]["kind"] == "tokens"
        # fmkit plan's cost at the configured traffic, decided at synth time (the functions have no config).
        plans = json.loads(env["EVAL_PLAN_COSTS"])
        per_1k = {name: plan["usd_per_month"] / plan["requests_per_month"] * 1000 for name, plan in plans.items()}
        assert per_1k == pytest.approx(expected_plans) and per_1k["nova-lite"] == pytest.approx(0.144)
        assert json.loads(env["EVAL_JUDGES"]) == [] and "EVAL_EMBEDDER" not in env
    # Only the function that calls the models sits in the VPC (to reach the Graviton ALB).
    in_vpc = [f for f in functions.values() if "VpcConfig" in f["Properties"]]
    assert [f["Properties"]["Handler"] for f in in_vpc] == ["evaluate.handler"]
    assert len(in_vpc[0]["Properties"]["VpcConfig"]["SecurityGroupIds"]) == 2  # own egress + llama consumer SG


def test_every_function_s_environment_parses_as_its_settings(dev: Template, tmp_path: Path,
                                                            synth_environment: Synth) -> None:
    """A renamed or re-encoded variable fails here, not at a cold start (tokens become placeholders)."""
    external = load_env(tmp_path, {"models/nova.yaml": NOVA, "environments/dev.yaml": EXTERNAL_DATASET})
    templates = [dev, synth_environment(external)["Evaluation"]]
    functions = [f for t in templates for f in t.find_resources("AWS::Lambda::Function").values()]
    assert len(functions) == 6
    for function in functions:
        variables = function["Properties"]["Environment"]["Variables"]
        env = {key: value if isinstance(value, str) else f"TOKEN-{key}" for key, value in variables.items()}
        settings = EvaluationSettings.from_environment(env)
        assert settings.to_environment() == {key: env[key] for key in settings.to_environment()}
        assert settings.models and settings.n_resamples == 1000 and settings.timeout_s == 120


def test_bucket_is_encrypted_tls_only_and_logged(dev: Template) -> None:
    dev.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [Match.object_like({
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()}})]},
        "LoggingConfiguration": {"DestinationBucketName": Match.any_value(), "LogFilePrefix": "s3/evaluation/"},
        "PublicAccessBlockConfiguration": Match.object_like({"BlockPublicAcls": True, "RestrictPublicBuckets": True}),
    })
    dev.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})


def test_schedule_starts_the_workflow(dev: Template) -> None:
    dev.has_resource_properties("AWS::Events::Rule", {
        "ScheduleExpression": "cron(0 6 ? * MON *)",
        "Targets": [Match.object_like({"Arn": {"Ref": Match.string_like_regexp("WorkflowStateMachine")}})],
    })


def test_alarms_on_min_scores_and_failed_runs(dev: Template) -> None:
    alarms = dev.find_resources("AWS::CloudWatch::Alarm")
    scores = [a["Properties"] for a in alarms.values() if a["Properties"].get("Namespace") == "fmkit/Evaluation"]
    assert sorted(next(d["Value"] for d in a["Dimensions"] if d["Name"] == "Model") for a in scores) == [
        "llama-small", "nova-lite", "qwen-chat"]
    for alarm in scores:
        assert alarm["Threshold"] == 0.3 and alarm["ComparisonOperator"] == "LessThanThreshold"
        assert {"Name": "Metric", "Value": "rougeL"} in alarm["Dimensions"]
        assert alarm["TreatMissingData"] == "ignore" and len(alarm["AlarmActions"]) == 1
    dev.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "ExecutionsFailed", "Namespace": "AWS/States", "AlarmActions": [Match.any_value()]})


def test_iam_is_scoped_to_the_configured_models(dev: Template) -> None:
    roles = dev.find_resources("AWS::IAM::Role")
    evaluate_role = next(r for lid, r in roles.items() if lid.startswith("FunctionsEvaluateRole"))
    outputs = [a["Fn::GetStackOutput"] for a in evaluate_role["Properties"]["ManagedPolicyArns"]]
    assert sorted(o["StackName"] for o in outputs) == ["fmkit-demo-dev-bedrock", "fmkit-demo-dev-sagemaker"]
    assert any("novalite" in o["OutputName"] for o in outputs) and any("QwenChat" in o["OutputName"] for o in outputs)
    everything = [s for prefix in ("Functions", "Workflow") for s in statements(dev, prefix)]
    for statement in everything:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(a.endswith(":*") or a == "*" for a in actions), statement
        if statement["Resource"] == "*":
            assert set(actions) <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                                    "xray:GetSamplingTargets", "cloudwatch:PutMetricData"} or all(
                a.startswith("logs:") or a.startswith("xray:") for a in actions), statement
    (ssm,) = [s for s in statements(dev, "FunctionsPrepare") if "ssm:GetParameters" in s["Action"]]
    names = sorted(r["Fn::Join"][1][-1] if isinstance(r, dict) else r for r in ssm["Resource"])
    assert [n.rsplit(":parameter", 1)[-1] for n in names] == [
        f"/fmkit/fmkit-demo/dev/models/{m}/endpoint" for m in ("llama-small", "nova-lite", "qwen-chat")]
    (metrics,) = [s for s in statements(dev, "FunctionsSummarize") if s["Action"] == "cloudwatch:PutMetricData"]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "fmkit/Evaluation"}}


def test_external_dataset_and_bedrock_only(tmp_path: Path, synth_environment: Synth) -> None:
    env = load_env(tmp_path, {"models/nova.yaml": NOVA, "environments/dev.yaml": EXTERNAL_DATASET})
    template = synth_environment(env)["Evaluation"]  # raises NagViolations on any finding
    mapped = definition(template)["States"]["EvaluateDataset"]
    assert mapped["ItemReader"]["Parameters"] == {"Bucket": "team-datasets", "Key": "support/v2.jsonl"}
    assert mapped["MaxConcurrency"] == 16 and mapped["ItemBatcher"]["MaxItemsPerBatch"] == 5
    assert mapped.get("ToleratedFailurePercentage", 0) == 0  # 0 is the service default (omitted)
    functions = template.find_resources("AWS::Lambda::Function").values()
    assert not any("VpcConfig" in f["Properties"] for f in functions)  # no Graviton model: no VPC
    template.resource_count_is("AWS::Events::Rule", 0)  # no schedule: on demand only
    reads = [s for s in statements(template, "FunctionsPrepare") if s["Action"] == "s3:GetObject"
             and "team-datasets" in json.dumps(s["Resource"])]
    assert reads and "support/v2.jsonl" in json.dumps(reads[0]["Resource"])


def test_bundle_contains_the_shared_library(default_config: LoadedConfig) -> None:
    """The asset ships fmkit.evaluate (the CLI's code) and rouge_score; both change the asset hash.
    Third-party wheels come as layers; no plotting library is among them."""
    assert default_config.environment("dev").project.evaluation.enabled
    shipped = {relative for _, relative in code_files("evaluate", (), PACKAGES)}
    for path in ("prepare.py", "evaluate.py", "summarize.py", "wiring.py", "logic.py", "fmkit/__init__.py",
                 "fmkit/contracts/discovery.py", "fmkit/contracts/evaluation.py", "fmkit/evaluate/runner.py",
                 "fmkit/evaluate/adapters/bedrock.py", "fmkit/evaluate/report/templates/report.html.j2",
                 "rouge_score/rouge_scorer.py"):
        assert path in shipped, path
    assert not any(p.startswith("fmkit/config/") for p in shipped)  # only what the library needs
    layered = {pin.name for layer in layers_for("evaluate") for pin in layer.pins}
    assert {"jinja2", "tenacity", "sacrebleu", "numpy"} <= layered
    assert not layered & {"matplotlib", "pillow", "fonttools", "kiwisolver"}  # plots are SVG drawn by the report
    assert code_hash("evaluate", (), PACKAGES) != code_hash("evaluate", ())
