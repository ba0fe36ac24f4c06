"""SageMaker JumpStart models fmkit can deploy, as an offline snapshot.

JumpStart specs (artifact location, default instance, EULA flag) are fetched from S3 at run time by
the SDK; validation and synth must not need the network, so ``data/jumpstart_models.json`` holds a
snapshot (refresh: ``scripts/refresh_jumpstart_catalog.py``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter

from fmkit.catalog import overlay
from fmkit.catalog.store import CatalogRecord, load_catalog

CATALOG_FILE = "jumpstart_models.json"

Task = Literal["text-generation", "embedding"]


class JumpStartModel(CatalogRecord):
    model_config = ConfigDict(extra="allow")  # provenance notes (artifact_source…) are kept in `extra`

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
    env: Mapping[str, str] = Field(default_factory=dict)
    artifact_bucket: str  # template with "{region}"
    artifact_prefix: str
    regions: frozenset[str]
    min_sdk_version: str
    embedding_dimensions: int | None = None
    hf_model: str | None = None
    artifact_verified: bool = False
    cpu_framework: str | None = None

    @property
    def extra(self) -> Mapping[str, Any]:
        """Keys of the catalog row this class has no field for."""
        return self.model_extra or {}


_MODELS = TypeAdapter(dict[str, JumpStartModel])


@cache
def all_jumpstart_models() -> dict[str, JumpStartModel]:
    rows = dict(load_catalog(CATALOG_FILE)["models"])
    rows.update({mid: dict(raw) for mid, raw in overlay.current().jumpstart.items()})  # the project's own entries
    return dict(sorted(_MODELS.validate_python(rows).items()))


overlay.on_change(all_jumpstart_models.cache_clear)


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


def catalog_retrieved() -> str:
    return str(load_catalog(CATALOG_FILE)["retrieved"])
