"""The pipeline's own steps: the synth step (validate, test, plan, synthesize) and the preflight
check run before each environment, with the commands they run spelled out once.

The synth step needs no AWS credentials: `make test` runs the linters and the suites that use
moto, a local PostgreSQL (pgserver) and loopback servers (tests/unit, tests/infra,
tests/runtime; never tests/rehearse, tests/serving or tests/customize, which build or start
slow parts). The preflight step reads the target account through the CDK bootstrap's lookup
role, which `cdk bootstrap --trust TOOLING` lets the tooling account assume and which AWS's
ReadOnlyAccess policy backs (with kms:Decrypt denied): exactly what `fmkit preflight` does
(identity, bootstrap version, model access, quotas, regional services), nothing it could change.
"""

from __future__ import annotations

import shlex

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines

SILENCE_NODE = {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
RUNTIMES = {"python": "3.12", "nodejs": "20"}
"""CodeBuild standard:7.0 runtimes the kit is tested with (Python ≥ 3.11, the pinned CDK CLI on Node 20)."""
IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
PREFLIGHT_PROFILE = "fmkit-preflight"


def synth_commands(config_dir: str) -> list[str]:
    """What the synth step runs, in order; any failure stops the pipeline before it deploys."""
    quoted = shlex.quote(config_dir)
    return [
        "make install lambda-deps",  # .venv (fmkit + extras), the pinned CDK CLI, arm64 wheels of the functions
        f".venv/bin/fmkit validate --config-dir {quoted}",
        "make test",  # ruff, import layers, mypy; tests/unit, tests/infra, tests/runtime: no AWS credentials
        f".venv/bin/fmkit plan --config-dir {quoted} --fail-over-budget",
        # cdk synth + cdk-nag + cfn-lint on every template (the app turns CDK's built-in validator off)
        f".venv/bin/python scripts/synth_all.py --config-dir {quoted} --output cdk.out",
    ]


def synth_step(source: pipelines.IFileSetProducer, config_dir: str) -> pipelines.CodeBuildStep:
    return pipelines.CodeBuildStep(
        "Synth", input=source, commands=synth_commands(config_dir), env=dict(SILENCE_NODE),
        primary_output_directory="cdk.out",
        build_environment=codebuild.BuildEnvironment(build_image=IMAGE, compute_type=codebuild.ComputeType.LARGE),
        partial_build_spec=codebuild.BuildSpec.from_object({"phases": {"install": {"runtime-versions": RUNTIMES}}}),
        timeout=cdk.Duration.minutes(60))


def lookup_role_arn(scope: cdk.Stack, account: str, region: str) -> str:
    """The CDK bootstrap's read-only lookup role in a target account (default qualifier)."""
    qualifier = cdk.DefaultStackSynthesizer.DEFAULT_QUALIFIER
    return f"arn:{scope.partition}:iam::{account}:role/cdk-{qualifier}-lookup-role-{account}-{region}"


def preflight_commands(environment: str, config_dir: str) -> list[str]:
    """Assume the lookup role through a profile (boto3 reads CodeBuild's container credentials),
    then check the target account as a person would before `cdk deploy`."""
    profile = (f'printf "[profile {PREFLIGHT_PROFILE}]\\nrole_arn = %s\\ncredential_source = EcsContainer\\n" '
               '"$TARGET_ROLE_ARN" > "$AWS_CONFIG_FILE"')
    return [
        # The rules read sagemaker-core's image registry: the `images` extra, not the CDK.
        "python3 -m venv .venv && .venv/bin/pip install --quiet '.[images]'",
        profile,
        f".venv/bin/fmkit preflight {shlex.quote(environment)} --config-dir {shlex.quote(config_dir)} "
        f"--profile {PREFLIGHT_PROFILE}",
    ]


def preflight_step(scope: cdk.Stack, source: pipelines.IFileSetProducer, *, environment: str, account: str,
                   region: str, config_dir: str) -> pipelines.CodeBuildStep:
    role_arn = lookup_role_arn(scope, account, region)
    return pipelines.CodeBuildStep(
        f"Preflight-{environment}", input=source, commands=preflight_commands(environment, config_dir),
        env={"TARGET_ROLE_ARN": role_arn, "AWS_CONFIG_FILE": "/tmp/fmkit-preflight-aws-config"},
        role_policy_statements=[iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[role_arn])],
        build_environment=codebuild.BuildEnvironment(build_image=IMAGE),
        partial_build_spec=codebuild.BuildSpec.from_object({"phases": {"install": {"runtime-versions": RUNTIMES}}}),
        timeout=cdk.Duration.minutes(20))
