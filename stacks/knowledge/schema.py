"""The custom resource that creates the pgvector tables or the OpenSearch index.

Its function runs the runtime's own `ensure_schema()` (same code, same settings as the
ingest function), so the schema the stack creates is exactly the one the pipeline uses.
Properties carry the schema-relevant settings: changing them triggers an Update, which
re-runs the idempotent creation.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from stacks.knowledge.functions import KnowledgeFunctionFactory

SCHEMA_VARIABLES = ("VECTOR_STORE", "EMBEDDING_DIMENSIONS", "OPENSEARCH_INDEX", "DB_NAME", "DB_TABLE_PREFIX")


class SchemaJob(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, functions: KnowledgeFunctionFactory) -> None:
        super().__init__(scope, construct_id)
        self.handler = functions.function(
            self, "Function", entry="knowledge_index", handler="handler.lambda_handler",
            service="knowledge-schema", environment={"ENSURE_SCHEMA": "true"},
            timeout=cdk.Duration.minutes(14), memory_size=512,
            description="fmkit knowledge: create the vector index/schema (custom resource)",
        )
        functions.store.grant_read_write(self.handler.function)
        settings = {k: v for k, v in functions.environment.items() if k in SCHEMA_VARIABLES}
        self.resource = cdk.CustomResource(
            self, "Resource", service_token=self.handler.function.function_arn,
            resource_type="Custom::KnowledgeSchema",
            properties={"Store": settings.get("VECTOR_STORE", ""), **settings},
        )
