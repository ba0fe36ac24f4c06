"""The example's deploy pipeline as synthesized: its stages in order, the synth commands, a
preflight before every environment and an approval before prod, deployment through each target
account's bootstrap roles, and artifacts under a rotated key the target accounts may use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from stacks.pipeline.stack import CDK_CLI_VERSION
from stacks.pipeline.steps import RUNTIMES, synth_commands
from tests.infra.conftest import ROOT
from tests.infra.pipeline.conftest import EXAMPLE, SynthesizedPipeline, synthesize_pipeline

pytestmark = pytest.mark.infra

TARGETS = {"dev": ("111111111111", "eu-west-1"), "prod": ("222222222222", "us-east-1")}


def project_of(template: Template, action: dict[str, Any]) -> dict[str, Any]:
    """The CodeBuild project a CodeBuild action runs."""
    logical_id = action["Configuration"]["ProjectName"]["Ref"]
    return dict(template.to_json()["Resources"][logical_id]["Properties"])


def buildspec(project: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(project["Source"]["BuildSpec"]))


def test_stages_run_source_synth_self_update_assets_then_the_environments_in_order(
    example_pipeline: SynthesizedPipeline,
) -> None:
    names = [stage["Name"] for stage in example_pipeline.codepipeline()["Stages"]]
    assert names == ["Source", "Build", "UpdatePipeline", "Assets", *example_pipeline.config.environments]
    assert example_pipeline.config.environments == ["dev", "prod"]
    assert example_pipeline.codepipeline()["Name"] == "fmkit-demo-deploy"
    assert example_pipeline.stack.stack_name == "fmkit-demo-pipeline"
    assert (example_pipeline.stack.account, example_pipeline.stack.region) == ("333333333333", "eu-west-1")


def test_the_source_is_the_configured_repository_through_the_connection(
    example_pipeline: SynthesizedPipeline,
) -> None:
    [source] = example_pipeline.stage("Source")
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"]["ConnectionArn"] == example_pipeline.config.source.connection_arn  # type: ignore[union-attr]
    assert source["Configuration"]["FullRepositoryId"] == "acme/fmkit-models"
    assert source["Configuration"]["BranchName"] == "main"


def test_the_synth_step_validates_tests_plans_then_synthesizes_this_config(
    example_pipeline: SynthesizedPipeline,
) -> None:
    [synth] = example_pipeline.stage("Build")
    spec = buildspec(project_of(example_pipeline.template, synth))
    assert spec["phases"]["build"]["commands"] == synth_commands(EXAMPLE)
    assert spec["phases"]["install"]["runtime-versions"] == RUNTIMES
    commands = " && ".join(spec["phases"]["build"]["commands"])
    for expected in ("fmkit validate --config-dir examples/configs/pipeline", "make test",
                     "fmkit plan --config-dir examples/configs/pipeline --fail-over-budget",
                     "scripts/synth_all.py --config-dir examples/configs/pipeline --output cdk.out"):
        assert expected in commands  # synth_all: cdk synth, then cdk-nag's report and cfn-lint on every template
    assert commands.index("validate") < commands.index("make test") < commands.index("plan") < commands.index(
        "synth_all")
    assert spec["artifacts"]["base-directory"] == "cdk.out"


def test_self_mutation_and_assets_use_the_pinned_cdk_cli(example_pipeline: SynthesizedPipeline) -> None:
    package = json.loads((ROOT / "package.json").read_text())
    assert package["devDependencies"]["aws-cdk"] == CDK_CLI_VERSION
    [mutate] = example_pipeline.stage("UpdatePipeline")
    install = buildspec(project_of(example_pipeline.template, mutate))["phases"]["install"]["commands"]
    assert f"npm install -g aws-cdk@{CDK_CLI_VERSION}" in install


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_a_preflight_runs_against_each_target_before_anything_deploys(
    env: str, example_pipeline: SynthesizedPipeline
) -> None:
    account, region = TARGETS[env]
    actions = example_pipeline.stage(env)
    [preflight] = [a for a in actions if a["Name"] == f"Preflight-{env}"]
    deploys = [a for a in actions if a["ActionTypeId"]["Category"] == "Deploy"]
    assert deploys and all(preflight["RunOrder"] < a["RunOrder"] for a in deploys)
    project = project_of(example_pipeline.template, preflight)
    lookup = f"arn:aws:iam::{account}:role/cdk-hnb659fds-lookup-role-{account}-{region}"
    variables = {v["Name"]: v["Value"] for v in project["Environment"]["EnvironmentVariables"]}
    assert variables["TARGET_ROLE_ARN"] == lookup
    commands = buildspec(project)["phases"]["build"]["commands"]
    assert commands[-1] == f".venv/bin/fmkit preflight {env} --config-dir {EXAMPLE} --profile fmkit-preflight"
    assert "credential_source = EcsContainer" in commands[1]
    assert commands[0].endswith("pip install --quiet '.[images]'")  # what fmkit validate's rules read, no CDK
    role_id = project["ServiceRole"]["Fn::GetAtt"][0]
    policies = example_pipeline.template.find_resources("AWS::IAM::Policy", {"Properties": {
        "Roles": [{"Ref": role_id}]}})
    [statements] = [p["Properties"]["PolicyDocument"]["Statement"] for p in policies.values()]
    assume = [s for s in statements if s["Action"] == "sts:AssumeRole"]
    assert assume == [{"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": lookup}]


def test_prod_waits_for_an_approval_after_its_preflight_and_dev_does_not(
    example_pipeline: SynthesizedPipeline,
) -> None:
    assert example_pipeline.config.manual_approval == ["prod"]
    prod = example_pipeline.stage("prod")
    [approval] = [a for a in prod if a["ActionTypeId"]["Category"] == "Approval"]
    [preflight] = [a for a in prod if a["Name"] == "Preflight-prod"]
    first_deploy = min(a["RunOrder"] for a in prod if a["ActionTypeId"]["Category"] == "Deploy")
    assert preflight["RunOrder"] < approval["RunOrder"] < first_deploy
    assert "222222222222" in approval["Configuration"]["CustomData"]
    assert not [a for a in example_pipeline.stage("dev") if a["ActionTypeId"]["Category"] == "Approval"]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_each_environment_deploys_every_stack_of_its_stage_with_its_own_bootstrap_roles(
    env: str, example_pipeline: SynthesizedPipeline
) -> None:
    account, region = TARGETS[env]
    deploys = [a for a in example_pipeline.stage(env) if a["ActionTypeId"]["Category"] == "Deploy"]
    stacks = {a["Configuration"]["StackName"] for a in deploys}
    assert stacks == {f"fmkit-demo-{env}-{name}" for name in ("platform", "bedrock", "knowledge", "operations")}
    for action in deploys:
        role = "".join(p if isinstance(p, str) else "aws" for p in action["RoleArn"]["Fn::Join"][1])
        assert role == f"arn:aws:iam::{account}:role/cdk-hnb659fds-deploy-role-{account}-{region}"
        assert action.get("Region", "eu-west-1") == region
        if action["Configuration"]["ActionMode"] == "CHANGE_SET_REPLACE":  # the change set runs as cfn-exec
            execution = "".join(p if isinstance(p, str) else "aws"
                                for p in action["Configuration"]["RoleArn"]["Fn::Join"][1])
            assert execution == f"arn:aws:iam::{account}:role/cdk-hnb659fds-cfn-exec-role-{account}-{region}"
    operations = [a["RunOrder"] for a in deploys if a["Configuration"]["StackName"].endswith("operations")]
    others = [a["RunOrder"] for a in deploys if not a["Configuration"]["StackName"].endswith("operations")]
    assert min(operations) > max(others)  # the dashboard deploys after what it reads


def test_artifacts_are_encrypted_with_a_rotated_key_the_target_accounts_may_use(
    example_pipeline: SynthesizedPipeline,
) -> None:
    template = example_pipeline.template
    [key] = template.find_resources("AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True
    [bucket] = template.find_resources("AWS::S3::Bucket").values()
    encryption = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    # Each target's deploy role may decrypt the artifacts of its region: the pipeline's own key in
    # eu-west-1, the support stack's replication key elsewhere.
    support = example_pipeline.stack.codepipeline.cross_region_support["us-east-1"].stack
    keys = {"eu-west-1": key, "us-east-1": _only(_template_of(example_pipeline, support), "AWS::KMS::Key")}
    for account, region in TARGETS.values():
        assert f"cdk-hnb659fds-deploy-role-{account}-{region}" in json.dumps(keys[region]["Properties"]["KeyPolicy"])
    template.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})


def test_other_regions_get_a_replication_bucket_from_a_support_stack(example_pipeline: SynthesizedPipeline) -> None:
    support = example_pipeline.stack.codepipeline.cross_region_support
    assert "us-east-1" in support and support["us-east-1"].stack is not example_pipeline.stack
    assert (support["us-east-1"].stack.account, support["us-east-1"].stack.region) == ("333333333333", "us-east-1")
    replication = _only(_template_of(example_pipeline, support["us-east-1"].stack), "AWS::S3::Bucket")
    encryption = replication["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"


def _template_of(synthesized: SynthesizedPipeline, stack: Any) -> Template:
    return Template.from_json(synthesized.assembly.get_stack_artifact(stack.artifact_id).template)


def _only(template: Template, resource_type: str) -> dict[str, Any]:
    [resource] = template.find_resources(resource_type).values()
    return dict(resource)


def test_an_s3_source_starts_the_pipeline_from_the_bucket_s_eventbridge_notifications(
    tmp_path: Path,
) -> None:
    config_dir = tmp_path / "config"
    example = ROOT / EXAMPLE
    for path in example.rglob("*.yaml"):
        target = config_dir / path.relative_to(example)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text()
        if path.name == "project.yaml":
            start, end = text.index("  source:\n"), text.index("  environments:")
            text = text[:start] + "  source:\n    bucket: acme-sources\n    key: fmkit/source.zip\n" + text[end:]
        target.write_text(text)
    relative = str(config_dir.relative_to(ROOT)) if config_dir.is_relative_to(ROOT) else str(config_dir)
    synthesized = synthesize_pipeline(relative, tmp_path / "out")
    [source] = synthesized.stage("Source")
    assert source["ActionTypeId"]["Provider"] == "S3"
    assert source["Configuration"] == {"S3Bucket": "acme-sources", "S3ObjectKey": "fmkit/source.zip",
                                       "PollForSourceChanges": False}
    [rule] = synthesized.template.find_resources("AWS::Events::Rule").values()
    assert rule["Properties"]["EventPattern"] == {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": {
        "bucket": {"name": ["acme-sources"]}, "object": {"key": ["fmkit/source.zip"]}}}
