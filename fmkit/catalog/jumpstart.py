"""SageMaker JumpStart models fmkit can deploy, as an offline snapshot.

JumpStart specs (artifact location, default instance, EULA flag) are fetched from S3 at run time by
the SDK; validation and synth must not need the network, so ``data/jumpstart_models.json`` holds a
snapshot (refresh: ``scripts/refresh_jumpstart_catalog.py``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from fmkit.catalog.store import load_catalog

CATALOG_FILE = "jumpstart_models.json"

Task = Literal["text-generation", "embedding"]


@dataclass(frozen=True)
class JumpStartModel:
    model_id: str
    version: str
    task: Task
    params_billion: float
    eula_required: bool
    default_instance_type: str
    supported_instance_types: tuple[str, ...]
    requires_gpu: bool
    framework: str  # sagemaker-core image_uri_config name: djl-lmi, huggingface-llm (TGI), huggingface-tei
    framework_version: str
    env: Mapping[str, str]
    artifact_bucket: str  # template with "{region}"
    artifact_prefix: str
    regions: frozenset[str]
    min_sdk_version: str
    embedding_dimensions: int | None = None
    hf_model: str | None = None
    artifact_verified: bool = False
    cpu_framework: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


_KNOWN = set(JumpStartModel.__dataclass_fields__)


def _model(raw: Mapping[str, Any]) -> JumpStartModel:
    return JumpStartModel(
        model_id=raw["model_id"],
        version=raw["version"],
        task=raw["task"],
        params_billion=float(raw["params_billion"]),
        eula_required=bool(raw["eula_required"]),
        default_instance_type=raw["default_instance_type"],
        supported_instance_types=tuple(raw["supported_instance_types"]),
        requires_gpu=bool(raw["requires_gpu"]),
        framework=raw["framework"],
        framework_version=raw["framework_version"],
        env=dict(raw.get("env", {})),
        artifact_bucket=raw["artifact_bucket"],
        artifact_prefix=raw["artifact_prefix"],
        regions=frozenset(raw["regions"]),
        min_sdk_version=raw["min_sdk_version"],
        embedding_dimensions=raw.get("embedding_dimensions"),
        hf_model=raw.get("hf_model"),
        artifact_verified=bool(raw.get("artifact_verified", False)),
        cpu_framework=raw.get("cpu_framework"),
        extra={k: v for k, v in raw.items() if k not in _KNOWN},
    )


@cache
def all_jumpstart_models() -> dict[str, JumpStartModel]:
    data = load_catalog(CATALOG_FILE)
    return {mid: _model(raw) for mid, raw in sorted(data["models"].items())}


def get_jumpstart_model(model_id: str) -> JumpStartModel | None:
    return all_jumpstart_models().get(model_id)


def suggest_jumpstart_ids(bad: str, n: int = 3) -> list[str]:
    return difflib.get_close_matches(bad, list(all_jumpstart_models()), n=n, cutoff=0.5)


def artifact_uri(model: JumpStartModel | str, region: str) -> str:
    """``s3://`` prefix of the pre-packed inference artifacts in ``region`` (uncompressed S3Prefix data)."""
    m = get_jumpstart_model(model) if isinstance(model, str) else model
    if m is None:
        raise KeyError(f"unknown JumpStart model {model!r}")
    if region not in m.regions:
        raise ValueError(f"JumpStart model {m.model_id} is not hosted in {region}")
    return f"s3://{m.artifact_bucket.format(region=region)}/{m.artifact_prefix}"
