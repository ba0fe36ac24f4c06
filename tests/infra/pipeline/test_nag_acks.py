"""The pipeline's cdk-nag acknowledgments: the example synthesizes with none left open (the
fixture raises otherwise), and every reason names what its finding is about, by the same rule
the default config's acknowledgments follow."""

from __future__ import annotations

import pytest

from tests.infra.pipeline.conftest import SynthesizedPipeline
from tests.infra.test_acknowledgments import acknowledged_findings, problems

pytestmark = pytest.mark.infra


def test_pipeline_acknowledgments_name_what_they_are_about(example_pipeline: SynthesizedPipeline) -> None:
    findings = [f for f in acknowledged_findings(example_pipeline.app, example_pipeline.assembly,
                                                 example_pipeline.outdir)
                if f.path.startswith(("Pipeline/", "cross-region-stack-"))]
    rules = {f.rule for f in findings}
    assert "AwsSolutions-IAM5[Resource::*]" in rules and "AwsSolutions-S1" in rules
    assert any(f.path.startswith("cross-region-stack-") for f in findings)  # the replication bucket too
    failures = [f"{f.path} {f.rule}: {p}\n    reason: {f.reason}" for f in findings for p in problems(f)]
    assert not failures, "\n".join(failures)


def test_the_self_mutation_role_assumes_only_cdk_bootstrap_roles(example_pipeline: SynthesizedPipeline) -> None:
    role = example_pipeline.stack.pipeline.self_mutation_project.role
    assert role is not None
    policies = example_pipeline.template.find_resources("AWS::IAM::Policy")
    [document] = [p["Properties"]["PolicyDocument"] for p in policies.values()
                  if "SelfMutation" in str(p["Properties"]["Roles"])]
    [assume] = [s for s in document["Statement"] if s["Action"] == "sts:AssumeRole"]
    assert assume["Condition"] == {"ForAnyValue:StringEquals": {
        "iam:ResourceTag/aws-cdk:bootstrap-role": ["image-publishing", "file-publishing", "deploy"]}}
