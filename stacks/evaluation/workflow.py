"""The run: prepare → Distributed Map over the JSONL dataset (batches to Lambda) → summarize."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from fmkit.config.evaluation import EvaluationConfig
from stacks.common.platform_resources import PlatformResources
from stacks.evaluation.functions import EvaluationFunctions

RUN_ID = "$$.Execution.Name"


class EvaluationWorkflow(Construct):
    """A STANDARD state machine; the Map reads the dataset itself (ItemReader, JSONL) in batches."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: EvaluationConfig,
                 functions: EvaluationFunctions, bucket: s3.IBucket, dataset_bucket: s3.IBucket,
                 dataset_key: str, platform: PlatformResources) -> None:
        super().__init__(scope, construct_id)
        prepare = tasks.LambdaInvoke(
            self, "Prepare", lambda_function=functions.prepare.function, payload_response_only=True,
            payload=sfn.TaskInput.from_object({"run_id": sfn.JsonPath.string_at(RUN_ID)}),
            result_path="$.prepared", comment="Validate the dataset (line-numbered errors), resolve endpoints")
        evaluate = tasks.LambdaInvoke(
            self, "EvaluateBatch", lambda_function=functions.evaluate.function, payload_response_only=True,
            comment="Every model answers every item of the batch; results to S3")
        evaluate.add_retry(errors=["Lambda.TooManyRequestsException", "States.Timeout"], max_attempts=2,
                           interval=cdk.Duration.seconds(10), backoff_rate=2, jitter_strategy=sfn.JitterType.FULL)
        self.map = sfn.DistributedMap(
            self, "EvaluateDataset",
            item_reader=sfn.S3JsonLItemReader(bucket=dataset_bucket, key=dataset_key),
            item_batcher=sfn.ItemBatcher(max_items_per_batch=settings.batch_size,
                                         # ItemBatcher renders BatchInput verbatim (no JsonPath
                                         # rendering), so the ".$" suffix is spelled out.
                                         batch_input={"run_id.$": RUN_ID}),
            max_concurrency=settings.max_concurrency,
            tolerated_failure_percentage=settings.tolerated_failure_percentage,
            result_writer_v2=sfn.ResultWriterV2(bucket=bucket, prefix="map-results"),
            map_execution_type=sfn.StateMachineType.STANDARD,
            result_path="$.map",
            comment="Items come from the JSONL dataset in S3; failed batches within the tolerance are reported",
        )
        self.map.item_processor(evaluate)
        summarize = tasks.LambdaInvoke(
            self, "Summarize", lambda_function=functions.summarize.function, payload_response_only=True,
            payload=sfn.TaskInput.from_object({"run_id": sfn.JsonPath.string_at(RUN_ID)}),
            result_path="$.summary", comment="Metrics, bootstrap CIs, report (md/html/json), CloudWatch metrics")
        self.log_group = logs.LogGroup(self, "Logs", retention=platform.log_retention, encryption_key=platform.key,
                                       removal_policy=cdk.RemovalPolicy.DESTROY)
        self.state_machine = sfn.StateMachine(
            self, "StateMachine",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(prepare.next(self.map).next(summarize)),
            timeout=cdk.Duration.hours(12),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            comment="fmkit evaluation: benchmark the configured models on the dataset",
        )
        # The ItemReader reads, and the ResultWriter writes, objects encrypted with the platform key.
        self.state_machine.add_to_role_policy(iam.PolicyStatement(
            actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[platform.key.key_arn]))
