"""mode bedrock-kb: a Bedrock knowledge base + S3 data source on the kit's S3 Vectors index.

Object changes start ingestion jobs automatically: the same S3 EventBridge events that feed
the pipeline start a Step Functions execution that calls StartIngestionJob (SDK
integration, no Lambda). Bedrock allows one running job per data source, so a conflict is
retried with backoff until the running job ends; every change is therefore followed by a
job that starts after it — no manual "Sync".
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from fmkit.config import EnvironmentConfig
from fmkit.config.knowledge import BedrockEmbedding, ChunkingConfig, KnowledgeBaseConfig, embedding_dimensions
from stacks.knowledge.nag_acks import KMS_WILDCARDS
from stacks.knowledge.s3_vectors import S3VectorsStore
from stacks.knowledge.source import SourceBucket
from stacks.nag import acknowledge
from stacks.platform import PlatformStack

CHARS_PER_TOKEN = 4  # rough English average, to express character chunk sizes as tokens


def fixed_size_chunking(chunking: ChunkingConfig) -> tuple[int, int]:
    """(max_tokens, overlap_percentage) for Bedrock's FIXED_SIZE chunking from the kit's config."""
    size = chunking.size if chunking.strategy == "tokens" else max(chunking.size // CHARS_PER_TOKEN, 20)
    overlap = min(max(round(chunking.overlap * 100 / chunking.size), 1), 99)
    return size, overlap


class BedrockKnowledgeBase(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, kb: KnowledgeBaseConfig,
                 config: EnvironmentConfig, source: SourceBucket, store: S3VectorsStore,
                 platform: PlatformStack) -> None:
        super().__init__(scope, construct_id)
        assert isinstance(kb.embedding, BedrockEmbedding)  # knowledge-bedrock-kb-compatible
        stack = cdk.Stack.of(self)
        model_arn = f"arn:{stack.partition}:bedrock:{stack.region}::foundation-model/{kb.embedding.model_id}"
        self.role = iam.Role(
            self, "Role",
            assumed_by=iam.ServicePrincipal("bedrock.amazonaws.com", conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}:"
                                             "knowledge-base/*"}}),
            description=f"Bedrock knowledge base {name}: read sources, embed, write vectors",
        )
        self.role.add_to_policy(iam.PolicyStatement(actions=["bedrock:InvokeModel"], resources=[model_arn]))
        source.grant_read(self.role)
        store.grant_read_write(self.role)
        self.knowledge_base = bedrock.CfnKnowledgeBase(
            self, "KnowledgeBase",
            name=f"{config.stack_prefix}-{name}",
            description=kb.description or f"fmkit knowledge base {name}",
            role_arn=self.role.role_arn,
            knowledge_base_configuration=bedrock.CfnKnowledgeBase.KnowledgeBaseConfigurationProperty(
                type="VECTOR",
                vector_knowledge_base_configuration=bedrock.CfnKnowledgeBase.VectorKnowledgeBaseConfigurationProperty(
                    embedding_model_arn=model_arn,
                    embedding_model_configuration=bedrock.CfnKnowledgeBase.EmbeddingModelConfigurationProperty(
                        bedrock_embedding_model_configuration=(
                            bedrock.CfnKnowledgeBase.BedrockEmbeddingModelConfigurationProperty(
                                dimensions=embedding_dimensions(kb.embedding), embedding_data_type="FLOAT32"))),
                ),
            ),
            storage_configuration=bedrock.CfnKnowledgeBase.StorageConfigurationProperty(
                type="S3_VECTORS",
                s3_vectors_configuration=bedrock.CfnKnowledgeBase.S3VectorsConfigurationProperty(
                    index_arn=store.index_arn, vector_bucket_arn=store.vector_bucket_arn),
            ),
        )
        # The role's policy must exist before Bedrock validates access to the index.
        self.knowledge_base.node.add_dependency(self.role)
        max_tokens, overlap = fixed_size_chunking(kb.chunking)
        self.data_source = bedrock.CfnDataSource(
            self, "DataSource",
            knowledge_base_id=self.knowledge_base.attr_knowledge_base_id,
            name=f"{name}-s3",
            data_deletion_policy="DELETE",
            data_source_configuration=bedrock.CfnDataSource.DataSourceConfigurationProperty(
                type="S3",
                s3_configuration=bedrock.CfnDataSource.S3DataSourceConfigurationProperty(
                    bucket_arn=source.bucket.bucket_arn,
                    inclusion_prefixes=list(kb.sources.prefixes) or None),
            ),
            server_side_encryption_configuration=bedrock.CfnDataSource.ServerSideEncryptionConfigurationProperty(
                kms_key_arn=platform.key.key_arn),
            vector_ingestion_configuration=bedrock.CfnDataSource.VectorIngestionConfigurationProperty(
                chunking_configuration=bedrock.CfnDataSource.ChunkingConfigurationProperty(
                    chunking_strategy="FIXED_SIZE",
                    fixed_size_chunking_configuration=bedrock.CfnDataSource.FixedSizeChunkingConfigurationProperty(
                        max_tokens=max_tokens, overlap_percentage=overlap)),
            ),
        )
        self.state_machine = self._sync(source, platform)
        self._acknowledge(source)

    def _sync(self, source: SourceBucket, platform: PlatformStack) -> sfn.StateMachine:
        start = tasks.CallAwsService(
            self, "StartIngestionJob",
            service="bedrockagent", action="startIngestionJob", iam_action="bedrock:StartIngestionJob",
            iam_resources=[self.knowledge_base.attr_knowledge_base_arn],
            parameters={"KnowledgeBaseId": self.knowledge_base.attr_knowledge_base_id,
                        "DataSourceId": self.data_source.attr_data_source_id,
                        "Description": "started by an S3 object change"},
        )
        # One running job per data source: wait for it and start the next one afterwards.
        start.add_retry(errors=["BedrockAgent.ConflictException", "BedrockAgent.ThrottlingException"],
                        interval=cdk.Duration.seconds(30), backoff_rate=1.5, max_attempts=25,
                        max_delay=cdk.Duration.minutes(5), jitter_strategy=sfn.JitterType.FULL)
        log_group = logs.LogGroup(self, "SyncLogs", retention=platform.log_retention, encryption_key=platform.key,
                                  removal_policy=cdk.RemovalPolicy.DESTROY)
        machine = sfn.StateMachine(
            self, "Sync",
            comment="Start a Bedrock ingestion job after S3 objects change",
            definition_body=sfn.DefinitionBody.from_chainable(start),
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            tracing_enabled=True,
            timeout=cdk.Duration.hours(3),
        )
        events.Rule(self, "ObjectEvents", description="S3 object changes start a Bedrock ingestion job",
                    event_pattern=source.object_event_pattern(), targets=[targets.SfnStateMachine(machine)])
        return machine

    def _acknowledge(self, source: SourceBucket) -> None:
        acknowledge(self.role, "AwsSolutions-IAM5",
                    "Bedrock reads any document under the configured source prefixes",
                    applies_to=[f"Resource::{r}" for r in source.nag_object_resources()])
        acknowledge(self.role, "AwsSolutions-IAM5",
                    "KMS grant on the single platform key: GenerateDataKey*/ReEncrypt* are the grant's actions",
                    applies_to=KMS_WILDCARDS)
        acknowledge(self.state_machine, "AwsSolutions-IAM5",
                    "Log delivery and X-Ray actions of Step Functions have no resource-level permissions",
                    applies_to=["Resource::*"])
