"""Bulk (re)ingestion: a Step Functions Distributed Map over the landing bucket's prefixes.

Start an execution (no input needed) to index every existing object: items run in parallel
up to `bulk_max_concurrency`, each through the bulk item function; per-item results,
failures included with their reason, are written by the map's ResultWriter to the
reports bucket, so one bad PDF never aborts the run and never goes unreported.

With an Aurora pgvector store the run has a bulk mode (`fmkit.knowledge.stores.pgvector_bulk`):
a first step asks the store to begin a bulk load (it does when it is empty, i.e. the first
load or a rebuild), the maps hand the item function batches of `BULK_BATCH` objects, which it
writes with one `COPY` each while the HNSW index is absent, and a last step builds the index
once (`CREATE INDEX CONCURRENTLY`, asked again while it runs; also after a failed map, so the
store is never left without its index).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common.buckets import encrypted_bucket_props
from stacks.knowledge.functions import KnowledgeFunctionFactory
from stacks.knowledge.nag_acks import KMS_WILDCARDS, acknowledge_function_role, ref
from stacks.knowledge.source import SourceBucket
from stacks.nag import acknowledge

REPORT_PREFIX = "bulk-reports"
ITEM_TIMEOUT = cdk.Duration.minutes(5)
BULK_BATCH = 25
"""Objects per item-function invocation in bulk mode (each batch is one transaction)."""
BATCH_TIMEOUT = cdk.Duration.minutes(15)
INDEX_TIMEOUT = cdk.Duration.minutes(15)
"""The index build runs in the database: a build outliving its Lambda goes on and is waited for."""
RUN_TIMEOUT_HOURS = 24
"""The state machine's timeout; the store forgets an unfinished bulk load after as long."""


class BulkIngestion(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, source: SourceBucket,
                 functions: KnowledgeFunctionFactory, max_concurrency: int, key: kms.IKey,
                 logs_bucket: s3.IBucket, log_retention: logs.RetentionDays,
                 removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.reports = s3.Bucket(
            self, "Reports",
            **encrypted_bucket_props(key=key, access_logs=logs_bucket, log_prefix="knowledge-bulk-reports/"),
            lifecycle_rules=[s3.LifecycleRule(id="expire-reports", expiration=cdk.Duration.days(90))],
            removal_policy=removal_policy, auto_delete_objects=False,
        )
        self.bulk_mode = functions.kb.vector_store == "aurora-pgvector"
        self.item = functions.function(
            self, "Item", entry="ingest", handler="bulk.handler", service="knowledge-bulk",
            timeout=BATCH_TIMEOUT if self.bulk_mode else ITEM_TIMEOUT, memory_size=2048,
            description="fmkit knowledge: ingest one object of a bulk re-ingestion",
        )
        source.grant_read(self.item.function)
        functions.store.grant_read_write(self.item.function)
        functions.grant_embedding(self.item.function)
        acknowledge_function_role(self.item.role, object_resources=source.nag_object_resources(),
                                  kms_wildcards=True)

        # One map per prefix, run one after the other, each bounded by max_concurrency.
        prefixes = source.config.prefixes or [""]
        maps = [self._map(index, prefix, source, max_concurrency) for index, prefix in enumerate(prefixes)]
        chain: sfn.IChainable = maps[0]
        for next_map in maps[1:]:
            chain = sfn.Chain.start(chain).next(next_map)
        if self.bulk_mode:
            chain = self._bulk_load(functions, maps, chain)
        log_group = logs.LogGroup(self, "Logs", retention=log_retention, encryption_key=key,
                                  removal_policy=cdk.RemovalPolicy.DESTROY)
        self.state_machine = sfn.StateMachine(
            self, "StateMachine",
            comment="Re-ingest every object under the knowledge base's prefixes; report failures to S3",
            definition_body=sfn.DefinitionBody.from_chainable(chain),
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            tracing_enabled=True,
            timeout=cdk.Duration.hours(RUN_TIMEOUT_HOURS),
        )
        # The item reader and result writer grant their own S3 access; the report objects are
        # encrypted with the platform key.
        key.grant_encrypt_decrypt(self.state_machine)
        self._acknowledge()

    def _acknowledge(self) -> None:
        machine = self.state_machine
        stack = cdk.Stack.of(self)
        execution = (f"arn:{stack.partition}:states:{stack.region}:{stack.account}:execution:"
                     f'{{"Fn::Select":[6,{{"Fn::Split":[":",{{"Ref":"{ref(machine)[1:-1]}"}}]}}]}}')
        acknowledge(machine, "AwsSolutions-IAM5",
                    "Distributed Map runs child executions of this state machine, named by Step Functions",
                    applies_to=[f"Resource::{execution}:*", f"Resource::{execution}/*:*"])
        acknowledge(machine, "AwsSolutions-IAM5",
                    "The map's ResultWriter writes report objects it names itself under the reports bucket",
                    applies_to=[f"Resource::arn:<AWS::Partition>:s3:::{ref(self.reports)}/*"])
        acknowledge(machine, "AwsSolutions-IAM5",
                    "LambdaInvoke grants the item function and its versions (ARN:*) as CDK renders it",
                    applies_to=[f"Resource::{ref(self.item.function, 'Arn')}:*"])
        if self.bulk_mode:
            acknowledge(machine, "AwsSolutions-IAM5",
                        "LambdaInvoke grants the index function and its versions (ARN:*) as CDK renders it",
                        applies_to=[f"Resource::{ref(self.index.function, 'Arn')}:*"])
        acknowledge(machine, "AwsSolutions-IAM5",
                    "Log delivery and X-Ray actions of Step Functions have no resource-level permissions",
                    applies_to=["Resource::*"])
        acknowledge(machine, "AwsSolutions-IAM5",
                    "KMS grant on the single platform key: GenerateDataKey*/ReEncrypt* are the grant's actions",
                    applies_to=KMS_WILDCARDS)

    def _bulk_load(self, functions: KnowledgeFunctionFactory, maps: list[sfn.DistributedMap],
                   chain: sfn.IChainable) -> sfn.IChainable:
        """Begin -> maps -> finish (the index build), and finish after a failed map too."""
        self.index = functions.function(
            self, "Index", entry="ingest", handler="bulk.index_handler", service="knowledge-bulk-index",
            timeout=INDEX_TIMEOUT, memory_size=512,
            description="fmkit knowledge: begin a bulk load, then build the vector index once",
        )
        functions.store.grant_read_write(self.index.function)
        begin = self._index_step("BeginBulkLoad", "begin", "$.begin")
        finish = self._index_step("FinishBulkLoad", "finish", "$.finish")
        after_failure = self._index_step("FinishBulkLoadAfterFailure", "finish", "$.finish")
        failed = sfn.Fail(self, "BulkLoadFailed", error="BulkLoadFailed",
                          cause="A map failed; the store's index was built for what was loaded")
        for distributed in maps:
            distributed.add_catch(after_failure, result_path="$.failure")
        after_failure.next(failed)
        return sfn.Chain.start(begin).next(chain).next(finish)

    def _index_step(self, construct_id: str, action: str, result_path: str) -> tasks.LambdaInvoke:
        step = tasks.LambdaInvoke(
            self, construct_id, lambda_function=self.index.function, payload_response_only=True,
            payload=sfn.TaskInput.from_object({"action": action, "job": sfn.JsonPath.string_at("$$.Execution.Name")}),
            result_path=result_path, retry_on_service_exceptions=True,
        )
        # A running build is asked about again; a build outliving its Lambda (Lambda.Unknown) goes on
        # in the database and is found running; a failed one is dropped and built again.
        step.add_retry(errors=["IndexBuildInProgress", "TransientIngestError", "Lambda.Unknown"],
                       interval=cdk.Duration.minutes(1), max_attempts=60, backoff_rate=1)
        return step

    def _map(self, index: int, prefix: str, source: SourceBucket, max_concurrency: int) -> sfn.DistributedMap:
        invoke = tasks.LambdaInvoke(
            self, f"IngestObject{index}", lambda_function=self.item.function, payload_response_only=True,
            retry_on_service_exceptions=True,
        )
        invoke.add_retry(errors=["TransientIngestError"], interval=cdk.Duration.seconds(30), max_attempts=4,
                         backoff_rate=2, jitter_strategy=sfn.JitterType.FULL)
        label = prefix.rstrip("/").replace("/", "-") or "all"
        distributed = sfn.DistributedMap(
            self, f"Objects{index}",
            state_name=f"Ingest {label}"[:80],
            item_reader=sfn.S3ObjectsItemReader(bucket=source.bucket, prefix=prefix or None),
            item_selector={"bucket": source.bucket.bucket_name, "key": sfn.JsonPath.string_at("$$.Map.Item.Value.Key")},
            max_concurrency=max_concurrency,
            item_batcher=sfn.ItemBatcher(max_items_per_batch=BULK_BATCH,
                                         batch_input={"bucket": source.bucket.bucket_name})
            if self.bulk_mode else None,
            # Never abort the run for bad documents: every failure lands in the report instead.
            tolerated_failure_percentage=100,
            result_writer_v2=sfn.ResultWriterV2(bucket=self.reports, prefix=f"{REPORT_PREFIX}/{label}"),
            map_execution_type=sfn.StateMachineType.STANDARD,
            result_path=sfn.JsonPath.DISCARD,
        )
        distributed.item_processor(invoke)
        return distributed
