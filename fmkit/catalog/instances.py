"""EC2 and SageMaker hosting instance types: shape, processor, accelerators, regions and hourly prices.

One ``InstanceSpec`` type serves both catalogs so fit checks, cost and carbon estimates treat
``c7g.xlarge`` and ``ml.g5.xlarge`` alike. Data: ``data/ec2_instances.json`` and
``data/sagemaker_instances.json`` (refresh: ``scripts/refresh_instances_catalog.py``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

from pydantic import Field, TypeAdapter, model_validator

from fmkit.catalog.store import CatalogRecord, load_catalog

EC2_FILE = "ec2_instances.json"
SAGEMAKER_FILE = "sagemaker_instances.json"
SAGEMAKER_PREFIX = "ml."

Kind = Literal["ec2", "sagemaker"]


class InstanceSpec(CatalogRecord):
    name: str
    family: str
    vcpus: int
    memory_gib: float
    arch: Literal["arm64", "x86_64"]
    processor: str  # key into carbon.json "processors"
    gpus: int = 0
    gpu_model: str | None = None  # key into carbon.json "gpus"
    gpu_memory_gib: float = 0.0  # total across GPUs
    accelerator: str = "none"  # "none" | "gpu:<model>" | "inferentia2" | "trainium"
    regions: frozenset[str] = frozenset()
    hourly_usd: Mapping[str, float] = Field(default_factory=dict)
    accelerator_count: int = 0  # GPUs or Neuron chips (the GPU count when the file omits it)
    accelerator_memory_gib: float = 0.0  # Neuron device memory (GPUs use gpu_memory_gib)
    price_basis: str = "published"

    @model_validator(mode="before")
    @classmethod
    def _count_defaults_to_gpus(cls, raw: Any) -> Any:
        if isinstance(raw, Mapping) and "accelerator_count" not in raw:
            return {**raw, "accelerator_count": raw.get("gpus", 0)}
        return raw

    @property
    def is_sagemaker(self) -> bool:
        return self.name.startswith(SAGEMAKER_PREFIX)

    @property
    def is_graviton(self) -> bool:
        return self.processor.startswith("graviton")

    @property
    def has_gpu(self) -> bool:
        return self.gpus > 0


_INSTANCES = TypeAdapter(dict[str, InstanceSpec])


def all_instances(kind: Kind = "ec2") -> dict[str, InstanceSpec]:
    """All instance types of one catalog, keyed by name (SageMaker names keep their ``ml.`` prefix)."""
    if kind not in ("ec2", "sagemaker"):
        raise ValueError(f"kind must be 'ec2' or 'sagemaker', not {kind!r}")
    return _load(EC2_FILE if kind == "ec2" else SAGEMAKER_FILE)


@cache
def _load(filename: str) -> dict[str, InstanceSpec]:
    # Cached separately so the public signature keeps its types (functools.cache erases them).
    instances = _INSTANCES.validate_python(load_catalog(filename)["instances"])
    return dict(sorted(instances.items()))


def get_instance(name: str) -> InstanceSpec | None:
    """Resolve ``c7g.xlarge`` (EC2) or ``ml.g5.xlarge`` (SageMaker)."""
    kind: Kind = "sagemaker" if name.startswith(SAGEMAKER_PREFIX) else "ec2"
    return all_instances(kind).get(name)


def hourly_price(name: str, region: str) -> float | None:
    """On-demand Linux (EC2) or real-time hosting (SageMaker) $/hour; None if not priced there."""
    spec = get_instance(name)
    return None if spec is None else spec.hourly_usd.get(region)


def is_graviton(name: str) -> bool:
    """True for Graviton (arm64) types; falls back to the family naming rule for uncatalogued sizes."""
    spec = get_instance(name)
    if spec is not None:
        return spec.is_graviton
    family = name.removeprefix(SAGEMAKER_PREFIX).split(".", 1)[0]
    # AWS naming: a "g" after the generation digit marks Graviton (c7g, m8g, c7gn, r6gd, t4g).
    digits = [i for i, ch in enumerate(family) if ch.isdigit()]
    return bool(digits) and family[digits[0] + 1 : digits[0] + 2] == "g" and not family.startswith(("g", "p"))


def suggest_instance_types(bad: str, n: int = 3) -> list[str]:
    """Closest catalogued names of the same kind (``ml.`` or EC2), for "did you mean" hints."""
    kind: Kind = "sagemaker" if bad.startswith(SAGEMAKER_PREFIX) else "ec2"
    return difflib.get_close_matches(bad, list(all_instances(kind)), n=n, cutoff=0.6)
