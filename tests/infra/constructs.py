"""Build one construct alone, as construct libraries test theirs: a bare stack with an explicit
account and region, minimal platform resources and names, cdk-nag when asked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from fmkit.config.platform import VpcConfig
from stacks.common.naming import Naming
from stacks.common.platform_resources import PlatformResources
from stacks.network import PlatformVpc
from tests.infra.conftest import CDK_CONTEXT, new_app, synth_checked, templates_of

ACCOUNT, REGION = "111111111111", "eu-west-1"
NAMING = Naming(project="demo", environment="dev", prefix="demo-dev")


def bare_stack(outdir: Path | None = None, *, region: str = REGION, account: str = ACCOUNT,
               nag: bool = False) -> cdk.Stack:
    """A stack `Test` in `account`/`region` of its own app (cdk.json's feature flags, no bundling);
    `nag` adds the AwsSolutions checks (synthesize with `template_of(stack, outdir)`)."""
    app = new_app(outdir) if outdir is not None else cdk.App(context={**CDK_CONTEXT, "aws:cdk:bundling-stacks": []})
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks())
    return cdk.Stack(app, "Test", env=cdk.Environment(account=account, region=region))


def platform_resources(stack: cdk.Stack, *, vpc: VpcConfig | None = None) -> PlatformResources:
    """Platform resources built inside `stack`: a key, an access-log bucket, an alarm topic and,
    when `vpc` is given, a VPC created on first use."""
    key = kms.Key(stack, "PlatformKey", enable_key_rotation=True)
    logs_bucket = s3.Bucket(stack, "AccessLogs", enforce_ssl=True, block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                            encryption=s3.BucketEncryption.S3_MANAGED)
    cdk.Validations.of(logs_bucket).acknowledge(cdk.Acknowledgment(
        id="AwsSolutions::AwsSolutions-S1", reason="the test's access-log destination; logging it would loop"))
    topic = sns.Topic(stack, "Alarms", master_key=key, enforce_ssl=True)
    created: list[PlatformVpc] = []

    def network() -> PlatformVpc:
        if vpc is None:
            raise AssertionError("this test gave the construct no VPC")
        if not created:
            zones = [f"{stack.region}a", f"{stack.region}b"]
            created.append(PlatformVpc(stack, "Network", config=vpc, zones=zones, flow_logs_bucket=logs_bucket))
        return created[0]

    return PlatformResources(key=key, logs_bucket=logs_bucket, log_retention=logs.RetentionDays.TWO_WEEKS,
                             removal_policy=cdk.RemovalPolicy.DESTROY, alarm_topic=topic, network_on_demand=network)


def template_of(stack: cdk.Stack, outdir: Path | None = None) -> Template:
    """The stack's template; with `outdir` (the app's), synthesized with nag: unacknowledged
    findings raise `NagViolations`."""
    if outdir is None:
        return Template.from_stack(stack)
    app = stack.node.root
    assert isinstance(app, cdk.App)
    return templates_of(synth_checked(app, outdir), {"Test": stack})["Test"]


def acknowledged(outdir: Path) -> list[tuple[str, str, str]]:
    """(rule, construct path, reason) of every acknowledged cdk-nag finding of a synthesized app."""
    report = json.loads((outdir / "validation-report.json").read_text())
    return sorted((v["ruleName"], c["constructPath"], v["reason"])
                  for plugin in report["pluginReports"] if plugin["pluginName"] == "AwsSolutions"
                  for v in plugin["suppressedViolations"] for c in v["violatingConstructs"])


def statements_by_sid(policy: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Statements of an IAM policy resource, by Sid (`#<index>` for those without)."""
    return {s.get("Sid", f"#{i}"): s for i, s in enumerate(policy["Properties"]["PolicyDocument"]["Statement"])}
