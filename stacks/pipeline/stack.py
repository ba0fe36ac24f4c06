"""DeployPipelineStack: a self-mutating CDK pipeline in the tooling account that ships the config
through the environments, in the configured order.

Source → Synth (`fmkit validate`, `make test`, `fmkit plan --fail-over-budget`, `cdk synth`) →
UpdatePipeline (the pipeline deploys its own changes first) → Assets → one stage per environment:
`fmkit preflight` against the target account, a manual approval where configured, then the
environment's `EnvironmentStage`, stack by stack in dependency order, with the target's CDK
bootstrap roles (`cdk bootstrap --trust TOOLING`). Artifacts are encrypted with a customer
managed key that the target accounts may use (`cross_account_keys`), rotated yearly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_s3 as s3
from aws_cdk import pipelines
from constructs import Construct

from fmkit.config.pipeline import CodeConnectionsSource, PipelineConfig
from stacks.pipeline.nag_acks import acknowledge_pipeline
from stacks.pipeline.steps import preflight_step, synth_step

CDK_CLI_VERSION = "2.1148.1"
"""The CLI the self-mutation and asset steps install: package.json's pin (a test keeps them equal)."""


def source_of(scope: Construct, config: PipelineConfig) -> pipelines.CodePipelineSource:
    source = config.source
    if isinstance(source, CodeConnectionsSource):
        return pipelines.CodePipelineSource.connection(
            source.repository, source.branch, connection_arn=source.connection_arn,
            trigger_on_push=source.trigger_on_push, action_name="Source")
    bucket = s3.Bucket.from_bucket_name(scope, "SourceBucket", source.bucket)
    # Started by the bucket's EventBridge notifications below, not by polling or a CloudTrail trail.
    return pipelines.CodePipelineSource.s3(bucket, source.key, trigger=actions.S3Trigger.NONE, action_name="Source")


class DeployPipelineStack(cdk.Stack):
    """`stages` in deployment order; each must be an `EnvironmentStage` of this app."""

    def __init__(self, scope: Construct, construct_id: str, *, config: PipelineConfig, project: str,
                 stages: Sequence[cdk.Stage], config_dir: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, env=cdk.Environment(account=config.account, region=config.region),
                         description=f"fmkit {project}: deploy pipeline ({' -> '.join(config.environments)})",
                         **kwargs)
        source = source_of(self, config)
        self.pipeline = pipelines.CodePipeline(
            self, "Pipeline", pipeline_name=f"{project}-deploy", synth=synth_step(source, config_dir),
            cross_account_keys=True, enable_key_rotation=True, self_mutation=True, cli_version=CDK_CLI_VERSION,
            docker_enabled_for_synth=False, publish_assets_in_parallel=False)
        self.approvals: dict[str, pipelines.ManualApprovalStep] = {}
        self.preflights: dict[str, pipelines.CodeBuildStep] = {}
        for stage in stages:
            self._deploy(stage, source, config, config_dir)
        self.pipeline.build_pipeline()
        if not isinstance(config.source, CodeConnectionsSource):
            self._start_on_upload(config)
        acknowledge_pipeline(self, self.pipeline)

    def _deploy(self, stage: cdk.Stage, source: pipelines.IFileSetProducer, config: PipelineConfig,
                config_dir: str) -> None:
        """Preflight, then (where configured) a person's approval, then the stage's stacks."""
        name = stage.stage_name
        preflight = preflight_step(self, source, environment=name, account=str(stage.account),
                                   region=str(stage.region), config_dir=config_dir)
        steps: list[pipelines.Step] = [preflight]
        self.preflights[name] = preflight
        if name in config.manual_approval:
            approval = pipelines.ManualApprovalStep(
                f"Approve-{name}", comment=f"Deploy {name} (account {stage.account}, {stage.region})? "
                                            "The preflight step's log lists what it checked.")
            approval.add_step_dependency(preflight)
            steps.append(approval)
            self.approvals[name] = approval
        self.pipeline.add_stage(stage, pre=steps)

    def _start_on_upload(self, config: PipelineConfig) -> None:
        """A new version of the source zip starts the pipeline (S3 → EventBridge notifications on)."""
        source = config.source
        assert not isinstance(source, CodeConnectionsSource)
        events.Rule(self, "SourceUploaded", description=f"New s3://{source.bucket}/{source.key} starts the pipeline",
                    event_pattern=events.EventPattern(source=["aws.s3"], detail_type=["Object Created"], detail={
                        "bucket": {"name": [source.bucket]}, "object": {"key": [source.key]}}),
                    targets=[targets.CodePipeline(self.codepipeline)])

    @property
    def codepipeline(self) -> codepipeline.Pipeline:
        return self.pipeline.pipeline
