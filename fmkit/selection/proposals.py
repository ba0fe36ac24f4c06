"""A ready deployment for a catalog model on one provider: what `fmkit models add` writes and what the
shortlist and the recommendations price — one builder, so a proposal always has the shape that validates.

Defaults a demanding user would pick: Bedrock in-region when the model is on-demand there, else the
geography's (then the global) cross-region profile; JumpStart's default instance; on Graviton the
Arm-friendly Q4_0 GGUF (else Q4_K_M, else Q8_0) on the cheapest Graviton instance whose memory
holds it and that decodes at least MIN_TOKENS_PER_SECOND for one user.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from fmkit.catalog import bedrock as bedrock_catalog
from fmkit.catalog.cards import ModelCard, Provider
from fmkit.catalog.instances import InstanceSpec, all_instances
from fmkit.catalog.jumpstart import get_jumpstart_model
from fmkit.catalog.throughput import bytes_per_param_table, tokens_per_second
from fmkit.config.deployments import Deployment
from fmkit.estimate.cost import instance_capacity_tps
from fmkit.selection.traffic import Traffic

QUANT_PREFERENCE = ("Q4_0", "Q4_K_M", "Q8_0")  # Q4_0 is repacked for Arm's dot-product kernels at load
MIN_TOKENS_PER_SECOND = 5.0  # below it one user waits longer than they read
PEAK_FACTOR = 3.0  # size the group for the busiest minute, as `expected_traffic.peak_factor` defaults
MAX_INSTANCES = 10  # beyond this a bigger instance type or another provider is the better proposal
GIB = 1024**3
_DEPLOYMENT: TypeAdapter[Deployment] = TypeAdapter(Deployment)


class NotProposable(Exception):
    """The card cannot be served this way here (the message says why and what to do instead)."""


@dataclass(frozen=True)
class Proposal:
    card: ModelCard
    provider: Provider
    document: dict[str, Any]  # what models/<name>.yaml holds (without comments)
    deployment: Deployment
    notes: tuple[str, ...] = field(default=())


def propose(card: ModelCard, provider: Provider, regions: list[str], traffic: Traffic, *,
            accept_eula: bool = False) -> Proposal:
    """A deployment of `card` on `provider` valid in every one of `regions` (raises NotProposable)."""
    builders = {"bedrock": _bedrock, "sagemaker": _sagemaker, "ec2-graviton": _graviton}
    document, notes = builders[provider](card, regions, accept_eula, traffic)
    document["expected_traffic"] = traffic.as_config()
    try:
        deployment = _DEPLOYMENT.validate_python(document)
    except ValidationError as exc:  # a catalog fact the schema rejects: report it, never write it
        problems = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors())
        raise NotProposable(f"{card.id} on {provider}: the proposed config does not validate ({problems})") from None
    return Proposal(card, provider, document, deployment, tuple(notes))


def _bedrock(card: ModelCard, regions: list[str], _: bool, __: Traffic) -> tuple[dict[str, Any], list[str]]:
    model_id = card.providers.bedrock
    model = bedrock_catalog.get_model(model_id) if model_id else None
    if model_id is None:
        raise NotProposable(f"{card.id} is not served on Bedrock")
    if model is None:  # a fact to record, not a typo: the card knows the id, the catalog lacks its row
        raise NotProposable(f"{card.id} is {model_id} on Bedrock, whose regions, profiles and prices fmkit's Bedrock "
                            f"catalog (retrieved {bedrock_catalog.catalog_retrieved()}) lacks: record them as "
                            f"bedrock_catalog in model_configs/catalog/{card.id}.yaml (docs/catalogs.md) and run "
                            "this again")
    if model.end_of_life is not None and model.end_of_life <= bedrock_catalog.catalog_retrieved():
        raise NotProposable(f"{model_id} reached its end of life on Bedrock on {model.end_of_life}")
    routes = [_route(model, region) for region in regions]
    missing = [r for r, route in zip(regions, routes, strict=True) if route is None]
    if missing:
        raise NotProposable(f"{model_id} cannot be called from {', '.join(missing)}")
    order = ("none", "geo", "global")
    cross_region = max(routes, key=lambda r: order.index(r or "global"))  # the widest any region needs
    document: dict[str, Any] = {"provider": "bedrock", "description": f"{card.name} on Amazon Bedrock",
                                "model_id": model_id}
    if cross_region != "none":
        document["cross_region"] = cross_region
    return document, []


def _route(model: bedrock_catalog.BedrockModel, region: str) -> str | None:
    if region in model.on_demand_regions:
        return "none"
    geo_profiles = [g for g, p in model.inference_profiles.items() if g != "global" and region in p.source_regions]
    if geo_profiles:
        return "geo"
    global_profile = model.inference_profiles.get("global")
    return "global" if global_profile is not None and region in global_profile.source_regions else None


def _sagemaker(card: ModelCard, regions: list[str], accept_eula: bool,
               _: Traffic) -> tuple[dict[str, Any], list[str]]:
    model_id = card.providers.sagemaker
    row = get_jumpstart_model(model_id) if model_id else None
    if model_id is None or row is None:
        raise NotProposable(f"{card.id} has no model in fmkit's JumpStart catalog")
    missing = [r for r in regions if r not in row.regions]
    if missing:
        raise NotProposable(f"JumpStart does not host {model_id} in {', '.join(missing)}")
    if row.eula_required and not accept_eula:
        raise NotProposable(f"{model_id} is EULA-gated: read its license ({card.license_url or card.license}) and "
                            "add --accept-eula to accept it")
    source: dict[str, Any] = {"model_id": model_id}
    if row.eula_required:
        source["accept_eula"] = True
    document: dict[str, Any] = {"provider": "sagemaker", "description": f"{card.name} on SageMaker (JumpStart)",
                                "source": {"jumpstart": source}, "instance_type": row.default_instance_type,
                                "autoscaling": {"min": 1, "max": 2}}
    return document, []


def gguf_size_gib(card: ModelCard, quantization: str) -> tuple[float, str]:
    """The GGUF's size: published bytes or GB, else parameters × bytes per weight of the quantization."""
    gguf = card.providers.ec2_graviton
    entry = gguf.files.get(quantization) if gguf is not None else None
    if entry is not None and entry.size_bytes:
        return entry.size_bytes / GIB, "published size"
    if entry is not None and entry.size_gb_published:
        return entry.size_gb_published * 1e9 / GIB, "published size (GB)"
    per_param = bytes_per_param_table().get(quantization.lower())
    if card.params_billion is None or per_param is None:
        raise NotProposable(f"{card.id}: no size for its {quantization} GGUF and no parameter count to estimate it")
    return card.params_billion * 1e9 * per_param / GIB, f"estimated: {card.params_billion:g}B x {per_param:g} bytes"


def required_memory_gib(size_gib: float) -> float:
    """Weights + 20% (KV cache, buffers) + 2 GiB for the OS + 1 GiB prompt cache (the kit's default cap)."""
    return size_gib * 1.2 + 2 + 1


def graviton_instance(card: ModelCard, quantization: str, size_gib: float, regions: list[str],
                      traffic: Traffic | None = None) -> tuple[InstanceSpec, int]:
    """Cheapest Graviton instance (and the instances needed at peak) in every region that holds the model,
    decodes fast enough for one user, and serves `traffic` at PEAK_FACTOR x its mean with at most MAX_INSTANCES."""
    fitting = []
    for spec in all_instances("ec2").values():
        if not spec.is_graviton or not all(r in spec.regions for r in regions):
            continue
        if spec.memory_gib < required_memory_gib(size_gib) or card.params_billion is None:
            continue
        speed = tokens_per_second(spec.name, card.params_billion, quantization.lower())
        capacity = instance_capacity_tps(spec, card.params_billion, quantization.lower())
        if speed is None or speed.expected < MIN_TOKENS_PER_SECOND or not capacity:
            continue
        needed = 1
        if traffic is not None:
            peak_tps = traffic.requests_per_day / 86400 * traffic.mean_output_tokens * PEAK_FACTOR
            needed = max(1, math.ceil(peak_tps / capacity))
        if needed > MAX_INSTANCES:
            continue
        price = max(spec.hourly_usd.get(r, math.inf) for r in regions) * needed
        fitting.append((price, spec.vcpus, spec.name, spec, needed))
    if not fitting:
        raise NotProposable(f"no Graviton instance in {', '.join(regions)} holds {card.id} at {quantization}, "
                            f"decodes {MIN_TOKENS_PER_SECOND:g} tokens/s and serves the expected load with at most "
                            f"{MAX_INSTANCES} instances")
    best = min(fitting)
    return best[3], best[4]


def _graviton(card: ModelCard, regions: list[str], _: bool, traffic: Traffic) -> tuple[dict[str, Any], list[str]]:
    gguf = card.providers.ec2_graviton
    if gguf is None:
        raise NotProposable(f"{card.id} has no GGUF files in the catalog (Graviton serves GGUF with llama.cpp)")
    quantization = next((q for q in QUANT_PREFERENCE if q in gguf.files), None)
    if quantization is None:
        raise NotProposable(f"{card.id}: none of {', '.join(QUANT_PREFERENCE)} in {gguf.repo}")
    size_gib, basis = gguf_size_gib(card, quantization)
    spec, needed = graviton_instance(card, quantization, size_gib, regions, traffic)
    entry = gguf.files[quantization]
    hf: dict[str, Any] = {"repo": gguf.repo, "file": entry.file, "revision": "main"}
    notes = [f"size_gib {size_gib:.2f}: {basis}"]
    model: dict[str, Any] = {"hf": hf}
    if entry.sha256:
        model["sha256"] = entry.sha256
    else:
        notes.append("the catalog has no sha256 for this file: copy it from the file's page on the Hub "
                     "into model.sha256, and pin revision to a commit")
    model |= {"size_gib": round(math.ceil(size_gib * 100) / 100, 2), "quantization": quantization}
    document: dict[str, Any] = {
        "provider": "ec2-graviton", "description": f"{card.name} ({quantization}) on Graviton with llama.cpp",
        "instance_type": spec.name,
        "model": model,
        "autoscaling": {"min": 1, "max": max(2, needed)},
    }
    return document, notes
