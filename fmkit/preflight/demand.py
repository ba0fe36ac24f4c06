"""What an environment asks of its account at peak: instances, vCPUs, Bedrock requests and tokens."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from fmkit.catalog.instances import get_instance
from fmkit.config import EnvironmentConfig
from fmkit.config.deployment_base import ExpectedTraffic
from fmkit.config.providers.bedrock import BedrockDeployment
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.config.providers.sagemaker import SageMakerDeployment


def peak_requests_per_minute(traffic: ExpectedTraffic) -> float:
    """requests_per_day / 86400 × peak_factor, per minute."""
    return traffic.requests_per_day / 86400 * traffic.peak_factor * 60


@dataclass(frozen=True)
class BedrockDemand:
    """Peak load on one model through one route (quotas are per model and per route)."""

    model_id: str
    cross_region: bool
    deployments: tuple[str, ...]
    requests_per_minute: float
    tokens_per_minute: float


def bedrock_demand(env: EnvironmentConfig) -> list[BedrockDemand]:
    grouped: dict[tuple[str, bool], list[tuple[str, BedrockDeployment]]] = defaultdict(list)
    for name, deployment in sorted(env.deployments_of(BedrockDeployment).items()):
        grouped[(deployment.model_id, deployment.cross_region != "none")].append((name, deployment))
    out = []
    for (model_id, cross), members in sorted(grouped.items()):
        rpm = tpm = 0.0
        for _, deployment in members:
            if deployment.expected_traffic is None:
                continue
            traffic = deployment.expected_traffic
            peak = peak_requests_per_minute(traffic)
            rpm += peak
            tpm += peak * (traffic.mean_input_tokens + traffic.mean_output_tokens)
        out.append(BedrockDemand(model_id, cross, tuple(n for n, _ in members), rpm, tpm))
    return out


def sagemaker_instances(env: EnvironmentConfig) -> dict[str, tuple[int, list[str]]]:
    """Endpoint instances per ml. instance type at every deployment's max, with the deployments."""
    counts: dict[str, tuple[int, list[str]]] = {}
    for name, deployment in sorted(env.deployments_of(SageMakerDeployment).items()):
        if deployment.serverless is not None:
            continue
        count, names = counts.get(deployment.instance_type, (0, []))
        counts[deployment.instance_type] = (count + deployment.capacity_bounds()[1], [*names, name])
    return counts


def serverless_concurrency(env: EnvironmentConfig) -> tuple[int, list[str]]:
    names, total = [], 0
    for name, deployment in sorted(env.deployments_of(SageMakerDeployment).items()):
        if deployment.serverless is not None:
            total += deployment.serverless.max_concurrency
            names.append(name)
    return total, names


def graviton_vcpus(env: EnvironmentConfig) -> tuple[int, list[str]]:
    """Running On-Demand vCPUs at max (warm-pool instances in state `running` count too)."""
    total, names = 0, []
    for name, deployment in sorted(env.deployments_of(GravitonDeployment).items()):
        spec = get_instance(deployment.instance_type)
        vcpus = spec.vcpus if spec is not None else 0
        instances = deployment.capacity_bounds()[1]
        pool = deployment.autoscaling.warm_pool
        if pool is not None and pool.state == "running":
            instances += pool.min_size
        total += instances * vcpus
        names.append(name)
    return total, names
