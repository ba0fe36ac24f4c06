"""Estimate a whole environment from its resolved config: every deployment, knowledge base, platform."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fmkit.catalog import bedrock as bedrock_catalog
from fmkit.catalog.instances import InstanceSpec, get_instance
from fmkit.catalog.jumpstart import get_jumpstart_model
from fmkit.catalog.regions import all_regions
from fmkit.catalog.sagemaker_images import ImageError, resolve_image
from fmkit.config.deployment_base import DeploymentBase
from fmkit.config.deployments import BedrockDeployment, Deployment, GravitonDeployment, SageMakerDeployment
from fmkit.config.environment import EnvironmentConfig
from fmkit.config.knowledge import BedrockEmbedding, KnowledgeBaseConfig
from fmkit.estimate import cost, fields, services
from fmkit.estimate.carbon import grid_g_per_kwh
from fmkit.estimate.customization import customizations_available, estimate_customizations
from fmkit.estimate.model import (
    BudgetCheck,
    DeploymentEstimate,
    EnvironmentEstimate,
    Footprint,
    Range,
    Recommendation,
    total,
)
from fmkit.estimate.recommend import InstanceFilter, recommend_instance, recommend_region

# ASSUMPTIONS for knowledge-base queries (see docs/carbon.md): one retrieval per generation request,
# served by a 512 MB arm64 Lambda in ~0.5 s.
QUERY_LAMBDA_MB, QUERY_LAMBDA_SECONDS = 512, 0.5


def instance_load(dep: Deployment) -> cost.InstanceLoad:
    return cost.InstanceLoad(
        profile=fields.capacity_profile(dep),
        demand_tps=fields.output_tokens_per_second(dep),
        params_billion=fields.params_billion(dep),
        quantization=fields.quantization(dep),
        standby_instances=fields.running_warm_pool(dep),
    )


def estimate_deployment(name: str, dep: DeploymentBase, env: EnvironmentConfig) -> DeploymentEstimate:
    """Monthly cost/energy/CO2e of one model deployment in `env` (any provider)."""
    if isinstance(dep, BedrockDeployment):
        return cost.bedrock(name, dep.model_id, env.region, dep.cross_region, fields.monthly_tokens(dep))
    if isinstance(dep, SageMakerDeployment) and dep.serverless is not None:
        return cost.sagemaker_serverless(
            name, env.region, dep.serverless.memory_mb,
            fields.monthly_requests(dep), fields.monthly_tokens(dep), dep.instance_type,
            fields.params_billion(dep), fields.quantization(dep))
    if isinstance(dep, SageMakerDeployment | GravitonDeployment):
        return cost.self_hosted(name, dep.provider, dep.instance_type, env.region, instance_load(dep),
                                with_load_balancer=isinstance(dep, GravitonDeployment))
    return DeploymentEstimate(name, getattr(dep, "provider", "unknown"), env.region, Footprint(),
                              notes=("no instance_type: not estimated",))


def _vector_store(env: EnvironmentConfig, kb: KnowledgeBaseConfig, queries: Range) -> tuple[Footprint, str | None]:
    """The store's own footprint (floor capacity, or per query for S3 Vectors) and a note on it."""
    if kb.vector_store == "opensearch-serverless":
        standby = kb.opensearch.standby_replicas if kb.opensearch is not None else None
        if standby is None:
            standby = env.platform.removal_policy == "retain"
        footprint = services.opensearch_serverless(env.region, standby=standby)
        return footprint, f"OpenSearch Serverless OCU floor ({'with' if standby else 'without'} standby)"
    if kb.vector_store == "aurora-pgvector":
        aurora = kb.aurora
        footprint = services.aurora_serverless(
            env.region, min_acu=float(aurora.min_capacity) if aurora is not None else 0.0,
            max_acu=float(aurora.max_capacity) if aurora is not None else 4.0)
        return footprint, "Aurora Serverless v2: min ACUs all month, high = max ACUs"
    return services.s3_vectors(env.region, storage_gb=0.0, queries=queries), None


def _knowledge_bases(env: EnvironmentConfig) -> list[DeploymentEstimate]:
    requests = [r for d in env.enabled_models().values() if (r := fields.monthly_requests(d)) is not None]
    queries = total(requests)
    out = []
    for name, kb in env.project.knowledge_bases.items():
        if not kb.enabled:
            continue
        notes = ["queries: one per generation request (assumption); ingestion volume not in config"]
        footprint, note = _vector_store(env, kb, queries)
        notes += [note] if note else []
        footprint = footprint + services.serverless(env.region, invocations=queries, memory_mb=QUERY_LAMBDA_MB,
                                                    seconds=QUERY_LAMBDA_SECONDS)
        out.append(DeploymentEstimate(f"kb:{name}", "knowledge-base", env.region, footprint,
                                      notes=tuple(notes)))
    return out


def _platform(env: EnvironmentConfig) -> DeploymentEstimate:
    vpc_users = {"sagemaker", "ec2-graviton"}
    needs_vpc = any(d.provider in vpc_users for d in env.enabled_models().values()) or any(
        kb.vector_store == "aurora-pgvector" for kb in env.project.knowledge_bases.values())
    nat = env.platform.vpc.nat_gateways if needs_vpc and env.platform.vpc.egress == "nat" else 0
    notes = ["KMS key" + (f" + {nat} NAT gateway(s)" if nat else "") + "; network energy not estimated"]
    return DeploymentEstimate("platform", "platform", env.region, services.platform(env.region, nat_gateways=nat),
                              notes=tuple(notes))


def estimate_items(env: EnvironmentConfig) -> list[DeploymentEstimate]:
    items = [estimate_deployment(n, d, env) for n, d in sorted(env.enabled_models().items())]
    return items + _knowledge_bases(env) + estimate_customizations(env) + [_platform(env)]


def _bedrock_available(dep: BedrockDeployment, region: str) -> bool:
    model = bedrock_catalog.get_model(dep.model_id)
    if model is None:
        return False
    if dep.cross_region == "none":
        return region in model.on_demand_regions
    geo = bedrock_catalog.geo_for_region(region) if dep.cross_region == "geo" else "global"
    return bedrock_catalog.system_profile(model.model_id, geo, region) is not None


def models_available(env: EnvironmentConfig, region: str) -> bool:
    """Every enabled model (and Bedrock embedding model) can run in `region`.

    Instance deployments are checked by instance type only (not by JumpStart model availability).
    """
    for dep in env.enabled_models().values():
        if isinstance(dep, BedrockDeployment):
            if not _bedrock_available(dep, region):
                return False
            continue
        spec = get_instance(dep.instance_type)
        if spec is None or region not in spec.regions:
            return False
    return customizations_available(env, region) and all(
        region in bedrock_catalog.regions_for(kb.embedding.model_id)
        for kb in env.project.knowledge_bases.values() if isinstance(kb.embedding, BedrockEmbedding))


def _region_totals(env: EnvironmentConfig, region: str) -> tuple[float, float] | None:
    if not models_available(env, region):
        return None
    moved = env.model_copy(update={"region": region})
    fp = Footprint()
    for item in estimate_items(moved):
        fp = fp + item.footprint
    return fp.kg_co2e.expected, fp.usd.expected


def runs_on(dep: SageMakerDeployment | GravitonDeployment, region: str) -> InstanceFilter:
    """Instances the deployment can really be moved to: a Graviton deployment stays on Graviton; a
    SageMaker model needs a GPU if its container is CUDA-only, an instance its JumpStart entry lists,
    and a serving image for that instance in the region (the checks `fmkit validate` makes)."""
    if isinstance(dep, GravitonDeployment):
        return lambda spec: spec.is_graviton
    jumpstart = dep.source.jumpstart
    entry = get_jumpstart_model(jumpstart.model_id) if jumpstart is not None else None

    def allowed(spec: InstanceSpec) -> bool:
        if dep.needs_gpu() and not spec.has_gpu:
            return False
        if entry is not None and entry.supported_instance_types and spec.name not in entry.supported_instance_types:
            return False
        try:
            resolve_image(dep.image_source(), spec.name, region, serverless=False)
        except ImageError:
            return False
        return True
    return allowed


def instance_recommendations(env: EnvironmentConfig) -> list[Recommendation]:
    """A smaller or Graviton instance each self-hosted deployment can run on, where it lowers CO2e."""
    out = []
    for name, dep in sorted(env.enabled_models().items()):
        if not isinstance(dep, SageMakerDeployment | GravitonDeployment):
            continue
        if isinstance(dep, SageMakerDeployment) and dep.serverless is not None:
            continue
        rec = recommend_instance(name, dep.provider, dep.instance_type, env.region, instance_load(dep),
                                 allowed=runs_on(dep, env.region))
        if rec is not None:
            out.append(rec)
    return out


Alternatives = Callable[[EnvironmentConfig], Sequence[Recommendation]]


def recommendations(env: EnvironmentConfig, alternatives: Alternatives | None = None) -> list[Recommendation]:
    """Instance moves, `alternatives` (e.g. serving a GPU model on Graviton instead), then a region move."""
    out = instance_recommendations(env)
    if alternatives is not None:
        out += alternatives(env)
    regions = sorted(r for r in coeff_regions() if r in all_regions())
    rec = recommend_region(env.name, env.region, regions, bedrock_catalog.geo_for_region,
                           lambda r: _region_totals(env, r))
    return out + ([rec] if rec else [])


def coeff_regions() -> list[str]:
    return sorted(r for r in all_regions() if grid_g_per_kwh(r) is not None)


def estimate_environment(env: EnvironmentConfig, *, with_recommendations: bool = True,
                         alternatives: Alternatives | None = None) -> EnvironmentEstimate:
    """Every item's footprint, budgets, and recommendations (`alternatives` adds provider moves)."""
    items = tuple(estimate_items(env))
    footprint = Footprint()
    for item in items:
        footprint = footprint + item.footprint
    budgets = []
    if env.project.budget.monthly_usd is not None:
        budgets.append(BudgetCheck("usd", env.project.budget.monthly_usd, footprint.usd.expected))
    if env.project.carbon.monthly_kg_co2e is not None:
        budgets.append(BudgetCheck("kg_co2e", env.project.carbon.monthly_kg_co2e, footprint.kg_co2e.expected))
    return EnvironmentEstimate(
        env=env.name, region=env.region, grid_g_co2e_per_kwh=grid_g_per_kwh(env.region), items=items,
        recommendations=tuple(recommendations(env, alternatives)) if with_recommendations else (),
        budgets=tuple(budgets),
    )

