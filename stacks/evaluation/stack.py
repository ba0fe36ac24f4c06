"""EvaluationStack: benchmark the environment's models on a dataset in S3, on demand or on a schedule."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from fmkit.config import EnvironmentConfig
from fmkit.config.selection import evaluated_models
from stacks.common.deployed_models import DeployedModels
from stacks.common.naming import Naming
from stacks.common.platform_resources import PlatformResources
from stacks.evaluation.alarms import EvaluationAlarms
from stacks.evaluation.functions import EvaluationFunctions, settings_environment
from stacks.evaluation.nag_acks import acknowledge_evaluation
from stacks.evaluation.storage import EvaluationBucket
from stacks.evaluation.workflow import EvaluationWorkflow


class EvaluationStack(cdk.Stack):
    """`models` are the environment's deployed models: their grants scope what the run may call."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig,
                 platform: PlatformResources, models: DeployedModels, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, description=f"fmkit {config.name}: scheduled model evaluation",
                         **kwargs)
        settings = config.project.evaluation
        self._settings = settings
        evaluated = list(evaluated_models(config))
        self.platform_key_arn = platform.key.key_arn
        self.storage = EvaluationBucket(self, "Storage", results_retention_days=settings.results_retention_days,
                                        platform=platform)
        bucket = self.storage.bucket
        external, dataset_key = settings.dataset_bucket_and_key
        dataset_bucket: s3.IBucket = (s3.Bucket.from_bucket_name(self, "DatasetBucket", external)
                                      if external else bucket)

        # Models served inside the VPC (Graviton behind load balancers): call them from there.
        security_groups: list[ec2.ISecurityGroup] = []
        consumer_groups = models.consumer_security_groups(list(dict.fromkeys([*evaluated, *settings.judges])))
        if consumer_groups:
            egress = ec2.SecurityGroup(self, "EvaluateSg", vpc=platform.vpc, allow_all_outbound=False,
                                       description="Evaluation Lambda: HTTPS to AWS APIs")
            egress.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs")
            security_groups = [egress, *consumer_groups]
        self.functions = EvaluationFunctions(
            self, "Functions", platform=platform,
            environment=settings_environment(config, evaluated, bucket, dataset_bucket.bucket_name),
            vpc_security_groups=security_groups)
        self._grant(Naming.of(config), evaluated, models, bucket, dataset_bucket, dataset_key)

        self.workflow = EvaluationWorkflow(self, "Workflow", settings=settings, functions=self.functions,
                                           bucket=bucket, dataset_bucket=dataset_bucket, dataset_key=dataset_key,
                                           platform=platform)
        machine = self.workflow.state_machine
        self.schedule: events.Rule | None = None
        if settings.schedule:
            self.schedule = events.Rule(
                self, "Schedule", schedule=events.Schedule.expression(settings.schedule),
                description=f"fmkit {config.name}: scheduled evaluation run",
                targets=[targets.SfnStateMachine(machine)])
        self.alarms = EvaluationAlarms(self, "Alarms", environment=config.name, models=evaluated,
                                       min_scores=settings.min_scores, state_machine=machine,
                                       topic=platform.alarm_topic)
        acknowledge_evaluation(functions=self.functions, workflow=self.workflow, bucket=bucket,
                               external_dataset_bucket=external)

        cdk.CfnOutput(self, "BucketName", value=bucket.bucket_name,
                      description=f"Upload the dataset to s3://<bucket>/{dataset_key}; reports in reports/latest/")
        cdk.CfnOutput(self, "StateMachineArn", value=machine.state_machine_arn,
                      description="Start a run: aws stepfunctions start-execution --state-machine-arn <arn>")

    def _grant(self, naming: Naming, evaluated: list[str], models: DeployedModels, bucket: s3.IBucket,
               dataset_bucket: s3.IBucket, dataset_key: str) -> None:
        functions = self.functions
        # Exact actions instead of grant_read_write's s3:*Object*/List* and kms:*DataKey* wildcards.
        dataset_object = dataset_bucket.arn_for_objects(dataset_key)
        runs, latest = bucket.arn_for_objects("runs/*"), bucket.arn_for_objects("reports/latest/*")
        for fn in (functions.prepare, functions.summarize):
            fn.role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=[dataset_object]))
        for fn in functions.all:
            fn.role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject"], resources=[runs]))
            fn.role.add_to_policy(iam.PolicyStatement(actions=["kms:GenerateDataKey"],
                                                      resources=[self.platform_key_arn]))
        functions.summarize.role.add_to_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[latest]))
        functions.summarize.role.add_to_policy(iam.PolicyStatement(
            actions=["s3:ListBucket"], resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": ["runs/*"]}}))
        evaluation = self._settings
        scorers = [n for n in [*evaluation.judges, *([evaluation.embedder] if evaluation.embedder else [])]
                   if n not in evaluated]
        functions.grant_endpoint_parameters(naming, [*evaluated, *scorers])
        functions.grant_cloudwatch_metrics()
        # The evaluate step answers and judges each batch; the summarize step embeds for semantic_similarity.
        for name in dict.fromkeys([*evaluated, *evaluation.judges]):
            models.grant_invoke(name, functions.evaluate.function)
        if evaluation.embedder:
            models.grant_invoke(evaluation.embedder, functions.summarize.function)
