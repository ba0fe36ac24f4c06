"""Monthly cost, energy and emissions per deployment kind (self-hosted instances, Bedrock tokens).

Self-hosted instance-hours follow the load: the instances needed for the expected output tokens/s
(throughput catalog x a batching factor), clamped to autoscaling min/max and scaled by the schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

from fmkit.catalog import bedrock as bedrock_catalog
from fmkit.catalog.instances import InstanceSpec, get_instance
from fmkit.catalog.prices import region_factor, service_price
from fmkit.catalog.throughput import tokens_per_second
from fmkit.estimate import carbon
from fmkit.estimate.model import HOURS_PER_MONTH, DeploymentEstimate, Footprint, Range

# ASSUMPTION: aggregate decode throughput under concurrent load vs the catalog's single-stream figure.
# GPU/Neuron servers (TGI, vLLM, LMI) batch continuously; 4x is conservative for 7-8B models at
# moderate concurrency. llama.cpp on CPU is bandwidth-bound already at batch 1: no uplift.
BATCH_FACTOR_ACCELERATED = 4.0
BATCH_FACTOR_CPU = 1.0
# ASSUMPTION: prompt processing on the CPUs behind SageMaker Serverless Inference, seconds per input token
# (~500 tokens/s: a BERT-large embedding of 300 tokens takes ~0.6 s of a serverless slot).
SERVERLESS_PREFILL_SECONDS_PER_TOKEN = 0.002


def accelerator_label(spec: InstanceSpec) -> str:
    """Tag-safe accelerator name: none, gpu-a10g, inferentia2 …"""
    if spec.gpus and spec.gpu_model:
        return f"gpu-{spec.gpu_model.lower()}"
    return spec.accelerator if spec.accelerator != "none" else "none"


def batch_factor(spec: InstanceSpec) -> float:
    accelerated = spec.gpus > 0 or spec.accelerator in ("inferentia2", "trainium")
    return BATCH_FACTOR_ACCELERATED if accelerated else BATCH_FACTOR_CPU


def instance_capacity_tps(spec: InstanceSpec, params_billion: float | None, quant: str | None) -> float | None:
    """Aggregate output tokens/s one instance sustains; None when unknown or the model does not fit."""
    if params_billion is None:
        return None
    estimate = tokens_per_second(spec.name, params_billion, quant)
    return None if estimate is None else estimate.expected * batch_factor(spec)


def instance_price(spec: InstanceSpec, region: str) -> tuple[float | None, str | None]:
    """$/h in `region`; falls back to us-east-1 x the regional factor (noted) when not catalogued."""
    price = spec.hourly_usd.get(region)
    if price is not None:
        return price, None
    base = spec.hourly_usd.get("us-east-1")
    if base is None:
        return None, f"no price for {spec.name}: cost not counted"
    return base * region_factor(region), f"{spec.name} price in {region} approximated from us-east-1"


@dataclass(frozen=True)
class InstanceLoad:
    """What sizing a self-hosted deployment needs (plain values, so tests and properties can vary them)."""

    profile: tuple[tuple[int, int, float], ...]  # weekly (min, max, share) segments, see fields.py
    demand_tps: Range | None = None  # mean output tokens/s over the month
    params_billion: float | None = None
    quantization: str | None = None
    standby_instances: int = 0  # e.g. a running warm pool: billed all month, serves nothing


def instance_hours(load: InstanceLoad, capacity_tps: float | None) -> tuple[Range, str | None]:
    """Monthly instance-hours (low/expected/high) and, when load is unknown, how they were bounded.

    Demand is spread evenly over the week; each schedule segment runs clamp(demand / capacity, min, max).
    """
    standby = load.standby_instances * HOURS_PER_MONTH
    if load.demand_tps is None or capacity_tps is None:
        why = "no expected_traffic" if load.demand_tps is None else "no throughput figure"
        floor = sum(lo * share for lo, _, share in load.profile) * HOURS_PER_MONTH + standby
        ceiling = sum(hi * share for _, hi, share in load.profile) * HOURS_PER_MONTH + standby
        return Range(floor, floor, ceiling), f"{why}: expected = minimum capacity, high = maximum"

    def needed(tps: float) -> float:
        instances = sum(min(float(hi), max(float(lo), tps / capacity_tps)) * share
                        for lo, hi, share in load.profile)
        return instances * HOURS_PER_MONTH + standby

    return load.demand_tps.map(needed), None


def self_hosted(name: str, kind: str, instance_type: str, region: str, load: InstanceLoad,
                *, with_load_balancer: bool = False) -> DeploymentEstimate:
    """A deployment on instances (SageMaker endpoint or EC2 Auto Scaling group)."""
    spec = get_instance(instance_type)
    if spec is None:
        return DeploymentEstimate(name, kind, region, Footprint(), arch="unknown", instance_type=instance_type,
                                  notes=(f"{instance_type} is not in the instance catalog: not estimated",))
    notes: list[str] = []
    capacity = instance_capacity_tps(spec, load.params_billion, load.quantization)
    if load.params_billion is None:
        notes.append("model size unknown: sized from autoscaling bounds only")
    elif capacity is None:
        notes.append(f"a {load.params_billion:g}B model does not fit {instance_type} (throughput catalog)")
    hours, why = instance_hours(load, capacity)
    notes += [why] if why else []
    price, price_note = instance_price(spec, region)
    notes += [price_note] if price_note else []
    usd = hours.scale(price or 0.0)
    if with_load_balancer:
        usd = usd + Range.fixed(service_price("alb.hour", region) * HOURS_PER_MONTH)
    kwh = hours.map(lambda h: carbon.instance_kwh(spec, h))
    per_million = (price / (capacity * 3600.0) * 1e6) if price and capacity else None
    return DeploymentEstimate(
        name, kind, region,
        Footprint(usd=usd, kwh=kwh, kg_operational=kwh.map(lambda k: carbon.operational_kg(k, region)),
                  kg_embodied=hours.map(lambda h: carbon.embodied_kg(spec, h))),
        arch=spec.arch, accelerator=accelerator_label(spec), instance_type=instance_type,
        instance_hours=hours, usd_per_1m_output_tokens=per_million, notes=tuple(notes),
    )


def bedrock_prices(model_id: str, region: str, cross_region: str) -> tuple[float, float] | None:
    """($ per 1k input tokens, $ per 1k output tokens) as billed in `region`, profile uplift included."""
    model = bedrock_catalog.get_model(model_id)
    if model is None:
        return None
    factor = model.price_multiplier(region)
    if cross_region in ("geo", "global"):
        geo = bedrock_catalog.geo_for_region(region) if cross_region == "geo" else "global"
        profile = bedrock_catalog.system_profile(model.model_id, geo, region)
        if profile is not None:
            factor *= profile.price_multiplier
    return model.price_per_1k_input_tokens_usd * factor, model.price_per_1k_output_tokens_usd * factor


def bedrock(name: str, model_id: str, region: str, cross_region: str,
            tokens: tuple[Range, Range] | None) -> DeploymentEstimate:
    """Pay per token; energy from tokens with the catalog's labelled Wh/1k-token assumption."""
    notes = ["energy: ASSUMPTION by model size class (Bedrock publishes none); no embodied share"]
    prices = bedrock_prices(model_id, region, cross_region)
    if prices is None:
        notes.append(f"{model_id} is not in the Bedrock catalog: cost not counted")
    if cross_region != "none":
        notes.append("cross-region profile: emissions use the source region's grid")
    if tokens is None:
        notes.append("no expected_traffic: pay-per-token cost is 0")
        return DeploymentEstimate(name, "bedrock", region, Footprint(), notes=tuple(notes),
                                  usd_per_1m_output_tokens=prices[1] * 1000 if prices else None)
    tokens_in, tokens_out = tokens
    usd = Range.zero()
    if prices is not None:
        usd = tokens_in.scale(prices[0] / 1000.0) + tokens_out.scale(prices[1] / 1000.0)
    kwh = (tokens_in + tokens_out).map(lambda t: carbon.bedrock_kwh(model_id, t))
    return DeploymentEstimate(
        name, "bedrock", region,
        Footprint(usd=usd, kwh=kwh, kg_operational=kwh.map(lambda k: carbon.operational_kg(k, region))),
        usd_per_1m_output_tokens=prices[1] * 1000 if prices else None, notes=tuple(notes),
    )


def sagemaker_serverless(name: str, region: str, memory_mb: int, requests: Range | None,
                         tokens: tuple[Range, Range] | None, compare_instance: str,
                         params_billion: float | None, quant: str | None) -> DeploymentEstimate:
    """Billed per GB-second of inference; decode speed borrowed from the instance type it is compared with."""
    notes = ["serverless: billed per GB-second; energy mapped like Lambda (CCF), no embodied share"]
    if requests is None or tokens is None:
        notes.append("no expected_traffic: pay-per-use cost is 0")
        return DeploymentEstimate(name, "sagemaker", region, Footprint(), arch="x86_64",
                                  instance_type=f"serverless {memory_mb} MB", notes=tuple(notes))
    speed = tokens_per_second(compare_instance, params_billion, quant) if params_billion else None
    decode = (lambda out: out / speed.expected) if speed is not None else (lambda out: 0.0)
    if speed is None:
        notes.append("decode time unknown: prompt processing only")
    tokens_in, tokens_out = tokens
    seconds = Range(*(i * SERVERLESS_PREFILL_SECONDS_PER_TOKEN + decode(o) for i, o in (
        (tokens_in.low, tokens_out.low), (tokens_in.expected, tokens_out.expected),
        (tokens_in.high, tokens_out.high))))
    gb_seconds = seconds.scale(memory_mb / 1024.0)
    usd = gb_seconds.scale(service_price("sagemaker.serverless.gb_second", region))
    kwh = gb_seconds.map(lambda g: carbon.lambda_kwh(g, processor="unknown"))
    return DeploymentEstimate(
        name, "sagemaker", region,
        Footprint(usd=usd, kwh=kwh, kg_operational=kwh.map(lambda k: carbon.operational_kg(k, region))),
        arch="x86_64", instance_type=f"serverless {memory_mb} MB", notes=tuple(notes),
    )
