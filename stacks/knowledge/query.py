"""The retrieval half of RAG: embed a question, return the top-k chunks, behind an IAM-auth URL."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.knowledge.functions import KnowledgeFunctionFactory


class QueryFunction(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, functions: KnowledgeFunctionFactory) -> None:
        super().__init__(scope, construct_id)
        self.handler = functions.function(
            self, "Query", entry="query", handler="handler.handler", service="knowledge-query",
            timeout=cdk.Duration.seconds(30), memory_size=1024,
            description="fmkit knowledge: top-k chunks for a question",
        )
        self.function = self.handler.function
        functions.store.grant_read(self.function)
        functions.grant_embedding(self.function)
        # Callers need lambda:InvokeFunctionUrl on this function: IAM decides who may query.
        self.url = self.function.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
