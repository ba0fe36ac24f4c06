"""Carbon coefficients (Cloud Carbon Footprint method) with explicit fmkit assumptions where CCF has none.

The estimator multiplies these; this module only looks them up. Every figure in ``data/carbon.json``
carries its source, and estimates (Graviton3/4, newer GPUs, extrapolated grids) their assumption, so a
report can always say where a number came from. Unknown keys raise ``KeyError`` instead of silently
falling back to CCF's "unknown" row (that fallback rates Graviton3 worse than Graviton2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from fmkit.catalog.bedrock import get_model
from fmkit.catalog.store import CatalogRecord, load_catalog

CATALOG_FILE = "carbon.json"


@dataclass(frozen=True)
class CoefficientSource:
    """Where one coefficient came from; ``assumption`` is set when fmkit estimated it."""

    key: str
    source: str
    assumption: str | None = None


class Sourced(CatalogRecord):
    source: str
    assumption: str | None = None


class Coefficient(Sourced):
    value: float


class ProcessorWatts(Sourced):
    min_watts_per_vcpu: float
    max_watts_per_vcpu: float


class GpuWatts(Sourced):
    idle_watts: float
    max_watts: float


class GridFactor(Sourced):
    t_co2e_per_kwh: float
    extrapolated: bool = False


class EmbodiedFamily(Sourced):
    total_kg: float  # the whole host
    largest_vcpus: int


class BedrockEnergy(CatalogRecord):
    classes: Mapping[str, float]  # Wh per 1k tokens by size class
    source: str
    reasoning: str


class CarbonCatalog(CatalogRecord):
    pue: Coefficient
    memory_kwh_per_gb_hour: Coefficient
    default_utilisation: Coefficient
    server_lifespan_hours: Coefficient
    processors: Mapping[str, ProcessorWatts]
    gpus: Mapping[str, GpuWatts]
    grid_factors: Mapping[str, GridFactor]
    embodied_families: Mapping[str, EmbodiedFamily]
    bedrock_wh_per_1k_tokens: BedrockEnergy


@cache
def _data() -> CarbonCatalog:
    return CarbonCatalog.model_validate(load_catalog(CATALOG_FILE))


def pue() -> float:
    return _data().pue.value


def memory_kwh_per_gb_hour() -> float:
    return _data().memory_kwh_per_gb_hour.value


def default_utilisation() -> float:
    return _data().default_utilisation.value


def server_lifespan_hours() -> float:
    return _data().server_lifespan_hours.value


def processor_watts(processor: str) -> tuple[float, float]:
    """(min, max) watts per vCPU for a processor key used by the instance catalogs."""
    row = _data().processors.get(processor)
    if row is None:
        raise KeyError(f"no carbon coefficients for processor {processor!r}")
    return row.min_watts_per_vcpu, row.max_watts_per_vcpu


def gpu_watts(gpu_model: str) -> tuple[float, float]:
    """(idle, max) watts per GPU or accelerator chip ("A10G", "H100", "inferentia2", …)."""
    row = _data().gpus.get(gpu_model)
    if row is None:
        raise KeyError(f"no carbon coefficients for GPU/accelerator {gpu_model!r}")
    return row.idle_watts, row.max_watts


def grid_factor(region: str) -> float:
    """t CO2e per kWh (location-based) for an AWS region."""
    row = _data().grid_factors.get(region)
    if row is None:
        raise KeyError(f"no grid emission factor for region {region!r}")
    return row.t_co2e_per_kwh


def is_grid_factor_extrapolated(region: str) -> bool:
    row = _data().grid_factors.get(region)
    return row is not None and row.extrapolated


def embodied_family(family: str) -> tuple[float, int] | None:
    """(embodied t CO2e of the whole host, vCPUs of the family's largest size); None if uncatalogued."""
    row = _data().embodied_families.get(family)
    if row is None:
        return None
    return row.total_kg / 1000.0, row.largest_vcpus


def bedrock_size_class(model_id: str) -> str:
    """Size class of a Bedrock model (or profile id); "large" for unknown ids, the conservative choice."""
    m = get_model(model_id)
    return m.size_class if m is not None else "large"


def bedrock_wh_per_1k_tokens(model_id: str) -> float:
    """ASSUMPTION: IT energy (Wh, before PUE) per 1k tokens on Bedrock, by model size class."""
    return _data().bedrock_wh_per_1k_tokens.classes[bedrock_size_class(model_id)]


def coefficient_sources() -> list[CoefficientSource]:
    """Every coefficient with its source (and assumption when estimated), for reports and audits."""
    d = _data()
    out = [
        CoefficientSource("pue", d.pue.source),
        CoefficientSource("memory_kwh_per_gb_hour", d.memory_kwh_per_gb_hour.source),
        CoefficientSource("default_utilisation", d.default_utilisation.source),
        CoefficientSource("server_lifespan_hours", d.server_lifespan_hours.source),
    ]
    sections: tuple[tuple[str, Mapping[str, Sourced]], ...] = (
        ("processor", d.processors),
        ("gpu", d.gpus),
        ("embodied", d.embodied_families),
        ("grid", d.grid_factors),
    )
    for prefix, rows in sections:
        for key, row in sorted(rows.items()):
            out.append(CoefficientSource(f"{prefix}:{key}", row.source, row.assumption))
    b = d.bedrock_wh_per_1k_tokens
    out.append(CoefficientSource("bedrock_wh_per_1k_tokens", b.source, b.reasoning))
    return out
