"""Alternatives: a Graviton (or smaller) instance that fits the model, and a lower-carbon region.

"Fits" is strict: the throughput catalog must give the model a speed on the candidate (weights fit
its memory), the candidate must sustain at least MIN_TOKENS_PER_SECOND for one user, and its
autoscaling maximum must cover the expected load. Unknown model size means no recommendation.
"""

from __future__ import annotations

from collections.abc import Callable

from fmkit.catalog.instances import InstanceSpec, all_instances, get_instance
from fmkit.catalog.throughput import tokens_per_second
from fmkit.estimate.cost import InstanceLoad, batch_factor, self_hosted
from fmkit.estimate.model import DeploymentEstimate, Recommendation

# Below ~5 output tokens/s a single user waits noticeably longer than they read.
MIN_TOKENS_PER_SECOND = 5.0
GRAVITON_QUANTIZATION = "q4_0"  # llama.cpp's Arm-optimised format


def fits(spec: InstanceSpec, load: InstanceLoad, quant: str | None) -> bool:
    """The model fits `spec`, serves one user fast enough, and max instances cover the expected load."""
    if load.params_billion is None:
        return False
    speed = tokens_per_second(spec.name, load.params_billion, quant)
    if speed is None or speed.expected < MIN_TOKENS_PER_SECOND:
        return False
    if load.demand_tps is None:
        return True
    peak_max = max(hi for _, hi, _ in load.profile)
    return speed.expected * batch_factor(spec) * peak_max >= load.demand_tps.expected


InstanceFilter = Callable[[InstanceSpec], bool]


def candidates(current: InstanceSpec, region: str, load: InstanceLoad,
               allowed: InstanceFilter | None = None) -> list[tuple[InstanceSpec, str | None]]:
    """(instance, quantization) pairs that fit: Graviton of the same service, then smaller same-family.

    `allowed` keeps only instances the deployment can really run on (its container's images and
    the model's supported instance types), so a recommendation never leads to an invalid config.
    """
    catalog = all_instances("sagemaker" if current.is_sagemaker else "ec2")
    out: list[tuple[InstanceSpec, str | None]] = []
    for spec in catalog.values():
        if region not in spec.regions or spec.name == current.name or (allowed is not None and not allowed(spec)):
            continue
        if spec.is_graviton and fits(spec, load, GRAVITON_QUANTIZATION):
            out.append((spec, GRAVITON_QUANTIZATION))
        elif (spec.family == current.family and spec.vcpus < current.vcpus
              and fits(spec, load, load.quantization)):
            out.append((spec, load.quantization))
    return out


def _cheaper_greener(a: DeploymentEstimate) -> tuple[float, float]:
    return a.footprint.kg_co2e.expected, a.footprint.usd.expected


def recommend_instance(name: str, kind: str, instance_type: str, region: str, load: InstanceLoad,
                       *, graviton_only: bool = False, allowed: InstanceFilter | None = None) -> Recommendation | None:
    """The lowest-carbon fitting alternative to an x86/GPU instance (Graviton first), if it lowers CO2e."""
    current = get_instance(instance_type)
    if current is None or current.is_graviton or load.params_billion is None:
        return None
    baseline = self_hosted(name, kind, instance_type, region, load)
    options = []
    for spec, quant in candidates(current, region, load, allowed):
        alt_load = InstanceLoad(load.profile, load.demand_tps, load.params_billion, quant, load.standby_instances)
        options.append((self_hosted(name, kind, spec.name, region, alt_load), spec, quant))
    graviton = [o for o in options if o[1].is_graviton]
    smaller = [] if graviton_only else [o for o in options if not o[1].is_graviton]
    for group in (graviton, smaller):
        if not group:
            continue
        best, spec, quant = min(group, key=lambda o: _cheaper_greener(o[0]))
        kg_delta = best.footprint.kg_co2e.expected - baseline.footprint.kg_co2e.expected
        if kg_delta >= 0:
            continue
        usd_delta = best.footprint.usd.expected - baseline.footprint.usd.expected
        how = (f"Graviton ({spec.processor}) with llama.cpp at {quant.upper()}" if spec.is_graviton and quant
               else f"smaller {spec.family} size")
        return Recommendation("instance", name, instance_type, spec.name, usd_delta, kg_delta,
                              f"{how}: a {load.params_billion:g}B model fits and meets the expected load")
    return None


def recommend_region(env_name: str, region: str, candidates_regions: list[str], geo_of: Callable[[str], str],
                     kg_and_usd: Callable[[str], tuple[float, float] | None]) -> Recommendation | None:
    """Lowest-carbon region where every model is available: same geography first (data residency)."""
    here = kg_and_usd(region)
    if here is None:
        return None
    scored = [(r, v) for r in candidates_regions if r != region and (v := kg_and_usd(r)) is not None]
    lower = [(r, v) for r, v in scored if v[0] < here[0] * 0.99]
    if not lower:
        return None
    same_geo = [(r, v) for r, v in lower if geo_of(r) == geo_of(region)]
    best_region, (kg, usd) = min(same_geo or lower, key=lambda rv: (rv[1][0], rv[1][1]))
    residency = "" if same_geo else " (another geography: check data residency)"
    return Recommendation("region", env_name, region, best_region, usd - here[1], kg - here[0],
                          f"lower grid intensity; every model of the environment is available there{residency}")
