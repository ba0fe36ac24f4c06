"""Single-stream decode speed (output tokens/s) per instance type, model size and quantization.

Decode reads every weight once per token, so tokens/s ≈ effective memory bandwidth / weight bytes.
That one rule interpolates across model sizes; ``data/throughput.json`` holds the bandwidths
(calibrated on published llama.cpp-on-Graviton runs where they exist) and every assumption.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from fmkit.catalog.instances import InstanceSpec, get_instance
from fmkit.catalog.store import CatalogRecord, load_catalog

CATALOG_FILE = "throughput.json"
# Weights plus KV cache and runtime must fit; keep 10% of accelerator memory / 2 GiB of RAM free.
GPU_FIT = 0.9
CPU_RESERVED_GIB = 2.0


@dataclass(frozen=True)
class Estimate:
    low: float
    expected: float
    high: float
    source: str


class CpuBandwidth(CatalogRecord):
    effective_gbps: float
    calibrated: bool
    source: str


class CpuModel(CatalogRecord):
    """Bandwidth of a processor at `reference_vcpus`, scaled by vCPUs with one exponent each side."""

    processors: Mapping[str, CpuBandwidth]
    reference_vcpus: float
    size_exponent_below: float
    size_exponent_above: float


class AcceleratorBandwidth(CatalogRecord):
    gbps: float
    source: str


class Efficiency(CatalogRecord):
    """Share of the accelerators' bandwidth a single decode stream uses."""

    single: float
    multi_nvlink: float
    multi_pcie: float
    neuron: float


class ThroughputCatalog(CatalogRecord):
    bytes_per_param: Mapping[str, float]
    default_quantization: Mapping[str, str]  # cpu, gpu, neuron
    cpu: CpuModel
    accelerators: Mapping[str, AcceleratorBandwidth]
    efficiency: Efficiency
    nvlink_families: frozenset[str]
    spread: Mapping[str, float]  # calibrated, estimated


@cache
def _data() -> ThroughputCatalog:
    return ThroughputCatalog.model_validate(load_catalog(CATALOG_FILE))


def bytes_per_param_table() -> Mapping[str, float]:
    """Bytes per weight by normalised quantization name (q4_0, fp16…)."""
    return _data().bytes_per_param


def _bytes_per_param(quantization: str | None, spec: InstanceSpec) -> tuple[str, float]:
    d = _data()
    if quantization is None:
        kind = "gpu" if spec.gpus else ("neuron" if spec.accelerator == "inferentia2" else "cpu")
        quantization = d.default_quantization[kind]
    q = quantization.lower().replace("-", "_")
    table = d.bytes_per_param
    if q not in table:
        raise KeyError(f"unknown quantization {quantization!r}; known: {sorted(table)}")
    return q, table[q]


def _cpu(spec: InstanceSpec, weight_gb: float) -> tuple[float, bool, str] | None:
    cpu = _data().cpu
    proc = cpu.processors.get(spec.processor)
    if proc is None or weight_gb + CPU_RESERVED_GIB > spec.memory_gib:
        return None
    ratio = spec.vcpus / cpu.reference_vcpus
    exponent = cpu.size_exponent_below if ratio <= 1 else cpu.size_exponent_above
    bandwidth = proc.effective_gbps * ratio**exponent
    return bandwidth / weight_gb, proc.calibrated, proc.source


def _accelerated(spec: InstanceSpec, weight_gb: float) -> tuple[float, bool, str] | None:
    d = _data()
    neuron = spec.accelerator == "inferentia2"
    key = "inferentia2" if neuron else spec.gpu_model
    acc = d.accelerators.get(key or "")
    count = spec.accelerator_count if neuron else spec.gpus
    memory = spec.accelerator_memory_gib if neuron else spec.gpu_memory_gib
    if acc is None or count == 0 or weight_gb > GPU_FIT * memory:
        return None
    eff = d.efficiency
    if neuron:
        factor = eff.neuron
    elif count == 1:
        factor = eff.single
    else:
        factor = eff.multi_nvlink if spec.family in d.nvlink_families else eff.multi_pcie
    return acc.gbps * count * factor / weight_gb, False, f"{acc.source}; efficiency {factor}"


def tokens_per_second(
    instance_type: str, params_billion: float, quantization: str | None = None
) -> Estimate | None:
    """Estimated single-stream decode tokens/s; None if the instance is unknown or the model does not fit.

    ``quantization`` e.g. "Q4_0" (llama.cpp GGUF on CPU), "fp16"/"bf16" (TGI/vLLM on GPU); defaults to
    Q4_0 on CPUs, fp16 on GPUs, bf16 on Inferentia2.
    """
    spec = get_instance(instance_type)
    if spec is None or params_billion <= 0:
        return None
    q, bpp = _bytes_per_param(quantization, spec)
    weight_gb = params_billion * bpp
    accelerated = spec.gpus > 0 or spec.accelerator == "inferentia2"
    result = _accelerated(spec, weight_gb) if accelerated else _cpu(spec, weight_gb)
    if result is None:
        return None
    expected, calibrated, why = result
    spread = _data().spread["calibrated" if calibrated else "estimated"]
    source = (
        f"bandwidth model: {params_billion:g}B x {bpp} B/param ({q}) on {spec.name}; "
        f"{'calibrated' if calibrated else 'estimated'}: {why}"
    )
    return Estimate(
        low=round(expected * (1 - spread), 2),
        expected=round(expected, 2),
        high=round(expected * (1 + spread), 2),
        source=source,
    )
