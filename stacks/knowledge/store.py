"""What every vector-store construct offers the pipeline, the query function and the schema job."""

from __future__ import annotations

import hashlib
from typing import Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct


def physical_name(*parts: str, max_length: int) -> str:
    """A lowercase name within a service's length limit, unique per parts (hash suffix when cut)."""
    name = "-".join(parts).lower()
    if len(name) <= max_length:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: max_length - 7].rstrip('-')}-{digest}"


class VectorStore(Construct):
    """Base of the store constructs: runtime variables, grants, and network placement."""

    settings: dict[str, Any]
    """The runtime's `KnowledgeSettings` fields that reach this store (`vector_bucket_name`, …)."""
    needs_schema_job: bool = False
    """True when the index/schema is created by the index job (not a native type)."""

    def grant_read_write(self, grantee: iam.IGrantable) -> None:
        raise NotImplementedError

    def grant_read(self, grantee: iam.IGrantable) -> None:
        raise NotImplementedError

    def function_props(self) -> dict[str, Any]:
        """Extra `lambda.Function` props (VPC placement) for functions that use the store."""
        return {}

    def finalize(self) -> list[Construct]:
        """Called once every function is granted; returns what the schema job must wait for."""
        return []

    def connect(self, connectable: ec2.IConnectable) -> None:
        """Open the network path from a function to the store (no-op for API-only stores)."""
