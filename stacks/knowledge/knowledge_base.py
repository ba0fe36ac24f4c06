"""One knowledge base: landing bucket + vector store + (pipeline | Bedrock KB) + query endpoint."""

from __future__ import annotations

from constructs import Construct

from fmkit.config import EnvironmentConfig
from fmkit.config.knowledge import KnowledgeBaseConfig, embedding_dimensions
from stacks.common.discovery import publish_knowledge_base
from stacks.common.naming import Naming
from stacks.knowledge.aurora import AuroraPgVectorStore
from stacks.knowledge.bedrock_kb import BedrockKnowledgeBase
from stacks.knowledge.bulk import BulkIngestion
from stacks.knowledge.functions import KnowledgeFunctionFactory
from stacks.knowledge.opensearch import OpenSearchServerlessStore
from stacks.knowledge.pipeline import IngestPipeline
from stacks.knowledge.query import QueryFunction
from stacks.knowledge.runtime_env import common_settings
from stacks.knowledge.s3_vectors import S3VectorsStore
from stacks.knowledge.schema import SchemaJob
from stacks.knowledge.source import SourceBucket
from stacks.knowledge.store import VectorStore
from stacks.platform import PlatformStack


class KnowledgeBase(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, kb: KnowledgeBaseConfig,
                 config: EnvironmentConfig, platform: PlatformStack) -> None:
        super().__init__(scope, construct_id)
        removal = platform.removal_policy
        self.source = SourceBucket(self, "Source", config=kb.sources, key=platform.key,
                                   logs_bucket=platform.logs_bucket, removal_policy=removal)
        self.store = self._store(name, kb, config, platform)
        if kb.mode == "bedrock-kb":
            assert isinstance(self.store, S3VectorsStore)  # guaranteed by knowledge-bedrock-kb-compatible
            self.bedrock = BedrockKnowledgeBase(self, "Bedrock", name=name, kb=kb, config=config,
                                                source=self.source, store=self.store, platform=platform)
            publish_knowledge_base(self, Naming.of(config), name, {
                "mode": "bedrock-kb", "knowledge_base_id": self.bedrock.knowledge_base.attr_knowledge_base_id,
                "function_name": None, "function_url": None,
            })
            return
        functions = KnowledgeFunctionFactory(kb=kb, config=config, store=self.store, key=platform.key,
                                             log_retention=platform.log_retention,
                                             settings={**common_settings(kb, config), **self.store.settings})
        if self.store.needs_schema_job:
            self.schema = SchemaJob(self, "Schema", functions=functions)
        self.pipeline = IngestPipeline(self, "Pipeline", source=self.source, functions=functions, config=kb.ingest,
                                       key=platform.key, alarm_topic=platform.alarm_topic, removal_policy=removal)
        self.bulk = BulkIngestion(self, "Bulk", source=self.source, functions=functions,
                                  max_concurrency=kb.ingest.bulk_max_concurrency, key=platform.key,
                                  logs_bucket=platform.logs_bucket, log_retention=platform.log_retention,
                                  removal_policy=removal)
        self.query = QueryFunction(self, "Query", functions=functions)
        ready = self.store.finalize()
        if self.store.needs_schema_job:
            for dependency in ready:
                self.schema.resource.node.add_dependency(dependency)
            for fn in (self.pipeline.ingest, self.bulk.item, self.query.handler):
                fn.function.node.add_dependency(self.schema.resource)
        publish_knowledge_base(self, Naming.of(config), name, {
            "mode": "pipeline", "function_name": self.query.function.function_name,
            "function_url": self.query.url.url,
        })

    def _store(self, name: str, kb: KnowledgeBaseConfig, config: EnvironmentConfig,
               platform: PlatformStack) -> VectorStore:
        dims = embedding_dimensions(kb.embedding)
        parts = (config.stack_prefix, name)
        if kb.vector_store == "aurora-pgvector":
            return AuroraPgVectorStore(self, "Store", name_parts=parts, settings=kb.aurora_settings,
                                       platform=platform)
        if kb.vector_store == "opensearch-serverless":
            standby = kb.opensearch_settings.standby_replicas
            if standby is None:
                standby = config.platform.removal_policy == "retain"
            return OpenSearchServerlessStore(self, "Store", name_parts=parts, standby_replicas=standby,
                                             platform=platform)
        return S3VectorsStore(self, "Store", name_parts=parts, dimensions=dims, key=platform.key,
                              removal_policy=platform.removal_policy, for_bedrock=kb.mode == "bedrock-kb")
