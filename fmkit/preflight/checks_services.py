"""Regional services the config uses must be offered where it deploys (probed with one cheap call)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fmkit.config import EnvironmentConfig
from fmkit.config.providers.bedrock import BedrockDeployment
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.config.providers.sagemaker import SageMakerDeployment
from fmkit.preflight.aws import Clients, Denied, Unreachable, call
from fmkit.preflight.report import CheckResult, Status

# service → (boto3 client, a read-only call that any account may make, its arguments)
PROBES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "bedrock": ("bedrock", "list_foundation_models", {"byOutputModality": "TEXT"}),
    "sagemaker": ("sagemaker", "list_endpoints", {"MaxResults": 1}),
    "ec2": ("ec2", "describe_availability_zones", {}),
    "s3-vectors": ("s3vectors", "list_vector_buckets", {"maxResults": 1}),
    "opensearch-serverless": ("opensearchserverless", "list_collections", {"maxResults": 1}),
    "rds": ("rds", "describe_db_clusters", {"MaxRecords": 20}),
    "bcm-data-exports": ("bcm-data-exports", "list_exports", {"MaxResults": 1}),
}
STORE_SERVICE = {"s3-vectors": "s3-vectors", "opensearch-serverless": "opensearch-serverless",
                 "aurora-pgvector": "rds"}


def services_used(env: EnvironmentConfig) -> dict[str, str]:
    """Service → the region it is needed in."""
    used: dict[str, str] = {}
    kinds: list[tuple[type[Any], str]] = [(BedrockDeployment, "bedrock"), (SageMakerDeployment, "sagemaker"),
                                          (GravitonDeployment, "ec2")]
    for kind, service in kinds:
        if env.deployments_of(kind):
            used[service] = env.region
    for kb in env.project.knowledge_bases.values():
        if kb.enabled:
            used[STORE_SERVICE[kb.vector_store]] = env.region
            if kb.mode == "bedrock-kb":
                used["bedrock"] = env.region
    if env.project.sustainability.enabled:
        used["bcm-data-exports"] = "us-east-1"
    return used


def check_services(env: EnvironmentConfig, clients: Clients) -> Iterator[CheckResult]:
    for service, region in sorted(services_used(env).items()):
        client_name, operation, kwargs = PROBES[service]
        probe: Callable[..., Any] = getattr(clients.get(client_name, region), operation)
        try:
            call(probe, **kwargs)
        except Unreachable:
            yield CheckResult("regional-service", f"{service} in {region}", Status.BLOCKED,
                              "the service has no endpoint in this region",
                              "choose a region that offers it (see the AWS Regional Services list)")
            continue
        except Denied as exc:
            yield CheckResult("regional-service", f"{service} in {region}", Status.UNKNOWN, str(exc),
                              f"allow the read-only {client_name}:{operation} call")
            continue
        yield CheckResult("regional-service", f"{service} in {region}", Status.OK, "offered")
