"""The index job: a custom resource that creates the pgvector tables or the OpenSearch index.

Its `is_complete` function runs the runtime's own `ensure_schema()` (same code, same
settings as the ingest function), so the schema the stack creates is exactly the one the
pipeline uses. The provider framework's waiter calls it every `QUERY_INTERVAL` until the
store accepts it (a new OpenSearch data-access policy propagates in minutes; Aurora at
0 ACU resumes in seconds) or `TOTAL_TIMEOUT` passes. Properties carry the schema-relevant
settings: changing them triggers an Update, which re-runs the idempotent creation.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from stacks.common.custom_resource_provider import CustomResourceProvider
from stacks.common.python_lambda import PythonFunction
from stacks.knowledge.functions import KnowledgeFunctionFactory
from stacks.knowledge.nag_acks import acknowledge_function_role
from stacks.knowledge.runtime_env import runtime_settings

SCHEMA_SETTINGS = ("vector_store", "embedding_dimensions", "opensearch_index", "db_name", "db_table_prefix")
"""The settings whose change must re-run the schema creation (the resource's properties)."""
QUERY_INTERVAL = cdk.Duration.seconds(10)
TOTAL_TIMEOUT = cdk.Duration.minutes(15)


class SchemaJob(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, functions: KnowledgeFunctionFactory) -> None:
        super().__init__(scope, construct_id)
        on_event = PythonFunction(
            self, "OnEvent", entry="knowledge_index", handler="handler.on_event",
            packages=("fmkit.knowledge", "fmkit.contracts"), key=functions.key,
            log_retention=functions.log_retention, environment={"POWERTOOLS_SERVICE_NAME": "knowledge-schema"},
            timeout=cdk.Duration.seconds(30), memory_size=256,
            description="fmkit knowledge: name the vector index/schema resource (custom resource)",
        )
        acknowledge_function_role(on_event.role, object_resources=[], kms_wildcards=False)
        self.handler = functions.function(
            self, "IsComplete", entry="knowledge_index", handler="handler.is_complete",
            service="knowledge-schema", settings={"ensure_schema": True},
            timeout=cdk.Duration.minutes(5), memory_size=512,
            description="fmkit knowledge: create the vector index/schema once the store accepts it",
        )
        functions.store.grant_read_write(self.handler.function)
        self.provider = CustomResourceProvider(
            self, "Provider", on_event=on_event.function, is_complete=self.handler.function, key=functions.key,
            log_retention=functions.log_retention, query_interval=QUERY_INTERVAL, total_timeout=TOTAL_TIMEOUT,
            # Before the provider framework, the function at Function/Function answered CloudFormation
            # itself: the framework's entry function takes its place (and ARN, the ServiceToken).
            replaces_function_at=("Function", "Function", "Resource"),
        )
        settings = runtime_settings(functions.settings).to_environment(only=SCHEMA_SETTINGS)
        self.resource = cdk.CustomResource(
            self, "Resource", service_token=self.provider.service_token,
            resource_type="Custom::KnowledgeSchema",
            properties={"Store": settings.get("VECTOR_STORE", ""), **settings},
        )
