"""Energy and emissions, Cloud Carbon Footprint (CCF) method, from the coefficients in the carbon catalog.

kWh = PUE x hours x [vCPUs x (min W + u x (max W - min W)) + accelerators x (idle W + u x (max W - idle W))]
/ 1000 + PUE x hours x memory GB x kWh/GB-h; operational kg = kWh x grid t/kWh x 1000; embodied kg =
host kg x hours / lifespan x vCPUs / host vCPUs. Managed services CCF has no rows for (OpenSearch
Serverless OCUs, Aurora ACUs) are mapped to vCPU + memory equivalents stated below.
"""

from __future__ import annotations

from fmkit.catalog import carbon as coeff
from fmkit.catalog.instances import InstanceSpec

# ASSUMPTION (documented in docs/carbon.md): AWS sizes one OpenSearch Serverless OCU as 6 GiB of memory
# "and corresponding vCPU"; one Aurora Serverless v2 ACU as ~2 GiB "and corresponding CPU". fmkit maps
# them to 1 vCPU + 6 GB and 0.25 vCPU + 2 GB of an unknown processor (CCF's "unknown" row).
OCU_VCPUS, OCU_MEMORY_GB = 1.0, 6.0
ACU_VCPUS, ACU_MEMORY_GB = 0.25, 2.0
# CCF storage coefficients (Wh per TB-hour) and S3's replication factor (CCF AWS constants).
SSD_WH_PER_TB_HOUR = 1.2
S3_REPLICATION = 3
# CCF maps Lambda memory to vCPUs: 1,769 MB = 1 vCPU (AWS Lambda documentation).
LAMBDA_MB_PER_VCPU = 1769.0


def _watts(min_w: float, max_w: float, utilisation: float) -> float:
    return min_w + utilisation * (max_w - min_w)


def instance_kw(spec: InstanceSpec, utilisation: float | None = None) -> float:
    """Average IT power of one instance (kW, before PUE): CPU + accelerators + memory."""
    u = coeff.default_utilisation() if utilisation is None else utilisation
    cpu_min, cpu_max = coeff.processor_watts(spec.processor)
    watts = spec.vcpus * _watts(cpu_min, cpu_max, u)
    if spec.gpus and spec.gpu_model:
        idle, peak = coeff.gpu_watts(spec.gpu_model)
        watts += spec.gpus * _watts(idle, peak, u)
    elif spec.accelerator in ("inferentia2", "trainium") and spec.accelerator_count:
        idle, peak = coeff.gpu_watts(spec.accelerator)
        watts += spec.accelerator_count * _watts(idle, peak, u)
    memory_kw = spec.memory_gib * coeff.memory_kwh_per_gb_hour()  # kWh per hour == kW
    return watts / 1000.0 + memory_kw


def instance_kwh(spec: InstanceSpec, hours: float, utilisation: float | None = None) -> float:
    """Facility energy (PUE applied) of `hours` instance-hours."""
    return coeff.pue() * hours * instance_kw(spec, utilisation)


def embodied_kg(spec: InstanceSpec, hours: float) -> float:
    """Share of the host's manufacturing emissions used by `hours` of this size (0 if uncatalogued)."""
    family = coeff.embodied_family(spec.family.removeprefix("ml."))
    if family is None:
        return 0.0
    host_t, host_vcpus = family
    return host_t * 1000.0 * hours / coeff.server_lifespan_hours() * min(1.0, spec.vcpus / host_vcpus)


def operational_kg(kwh: float, region: str) -> float:
    return kwh * coeff.grid_factor(region) * 1000.0


def grid_g_per_kwh(region: str) -> float | None:
    try:
        return coeff.grid_factor(region) * 1_000_000.0
    except KeyError:
        return None


def bedrock_kwh(model_id: str, tokens: float) -> float:
    """ASSUMPTION (catalog, labelled): Wh per 1k tokens by model size class, then PUE."""
    return coeff.pue() * tokens / 1000.0 * coeff.bedrock_wh_per_1k_tokens(model_id) / 1000.0


def _generic_kwh(vcpus: float, memory_gb: float, hours: float) -> float:
    cpu_min, cpu_max = coeff.processor_watts("unknown")
    kw = vcpus * _watts(cpu_min, cpu_max, coeff.default_utilisation()) / 1000.0
    kw += memory_gb * coeff.memory_kwh_per_gb_hour()
    return coeff.pue() * hours * kw


def ocu_kwh(ocu_hours: float) -> float:
    return _generic_kwh(OCU_VCPUS, OCU_MEMORY_GB, ocu_hours)


def acu_kwh(acu_hours: float) -> float:
    return _generic_kwh(ACU_VCPUS, ACU_MEMORY_GB, acu_hours)


def s3_storage_kwh(gb_month: float, hours: float) -> float:
    return coeff.pue() * gb_month / 1000.0 * hours * SSD_WH_PER_TB_HOUR * S3_REPLICATION / 1000.0


def lambda_kwh(gb_seconds: float, processor: str = "graviton2") -> float:
    """CCF: Lambda memory → vCPUs (1,769 MB per vCPU); memory energy on top. fmkit Lambdas are arm64."""
    vcpu_hours = gb_seconds * 1024.0 / LAMBDA_MB_PER_VCPU / 3600.0
    gb_hours = gb_seconds / 3600.0
    cpu_min, cpu_max = coeff.processor_watts(processor)
    kw_hours = vcpu_hours * _watts(cpu_min, cpu_max, coeff.default_utilisation()) / 1000.0
    return coeff.pue() * (kw_hours + gb_hours * coeff.memory_kwh_per_gb_hour())
