"""scripts/refresh_jumpstart_catalog.py with a fake spec fetcher shaped like real JumpStart specs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fmkit.catalog.refresh import dumps_catalog, read_catalog_file
from tests.unit.scripts._catalog_scripts import load_script

refresh = load_script("refresh_jumpstart_catalog")
LLAMA = "meta-textgeneration-llama-3-1-8b-instruct"

SPEC: dict[str, Any] = {
    "model_id": LLAMA,
    "version": "2.11.0",
    "min_sdk_version": "2.232.1",
    "gated_bucket": True,
    "hosting_eula_key": "fmhMetadata/eula/llama3_1Eula.txt",
    "hosting_ecr_specs": {"framework": "djl-lmi", "framework_version": "0.31.0", "py_version": "py311"},
    "hosting_prepacked_artifact_key": (
        "meta-textgeneration/meta-textgeneration-llama-3-1-8b-instruct/artifacts/inference-prepack/v2.1.0/"
    ),
    "default_inference_instance_type": "ml.g6.2xlarge",
    "supported_inference_instance_types": ["ml.g6.2xlarge", "ml.g5.2xlarge", "ml.p4d.24xlarge"],
    "inference_environment_variables": [
        {"name": "OPTION_ENABLE_CHUNKED_PREFILL", "default": "true", "scope": "container", "type": "text"},
        {"name": "SAGEMAKER_PROGRAM", "default": "inference.py", "scope": "container", "type": "text"},
        {"name": "sagemaker_submit_directory", "default": "/opt/ml/model/code", "scope": "algorithm"},
    ],
}


def fake_fetch(model_id: str, version: str) -> Mapping[str, Any]:
    if model_id == LLAMA:
        assert version == "*"
        return SPEC
    raise RuntimeError("offline")


def test_build_catalog_from_specs() -> None:
    existing = read_catalog_file(refresh.CATALOG)
    out = refresh.build_catalog(existing, fake_fetch, "2030-01-02", regions=["us-east-1", "eu-west-1"])
    llama = out["models"][LLAMA]
    assert llama["version"] == "2.11.0"
    assert llama["default_instance_type"] == "ml.g6.2xlarge"
    assert llama["supported_instance_types"] == sorted(SPEC["supported_inference_instance_types"])
    assert llama["eula_required"] is True
    assert llama["artifact_bucket"] == "jumpstart-private-cache-prod-{region}"
    assert llama["artifact_prefix"].endswith("inference-prepack/v2.1.0/")
    assert llama["env"] == {"OPTION_ENABLE_CHUNKED_PREFILL": "true", "SAGEMAKER_PROGRAM": "inference.py"}
    assert (llama["framework"], llama["framework_version"]) == ("djl-lmi", "0.31.0")
    assert llama["regions"] == ["us-east-1", "eu-west-1"]
    assert llama["params_billion"] == existing["models"][LLAMA]["params_billion"]  # preserved
    # a model whose fetch failed keeps its snapshot entry
    bge = "huggingface-sentencesimilarity-bge-large-en-v1-5"
    assert out["models"][bge] == existing["models"][bge]
    assert out["retrieved"] == "2030-01-02"
    again = refresh.build_catalog(existing, fake_fetch, "2030-01-02", regions=["us-east-1", "eu-west-1"])
    assert dumps_catalog(out) == dumps_catalog(again)


def test_keep_versions_passes_pinned_version() -> None:
    seen: list[tuple[str, str]] = []

    def fetch(model_id: str, version: str) -> Mapping[str, Any]:
        seen.append((model_id, version))
        raise RuntimeError("offline")

    existing = read_catalog_file(refresh.CATALOG)
    refresh.build_catalog(existing, fetch, "2030-01-02", keep_versions=True)
    assert (LLAMA, existing["models"][LLAMA]["version"]) in seen


def test_sagemaker_core_fetcher_uses_accessor(monkeypatch: Any) -> None:
    from sagemaker.core.jumpstart import accessors

    class FakeSpecs:
        def to_json(self) -> dict[str, Any]:
            return SPEC

    calls: list[dict[str, Any]] = []

    def get_model_specs(**kwargs: Any) -> FakeSpecs:
        calls.append(kwargs)
        return FakeSpecs()

    monkeypatch.setattr(accessors.JumpStartModelsAccessor, "get_model_specs", staticmethod(get_model_specs))
    fetch = refresh.sagemaker_core_fetcher("us-west-2")
    assert fetch(LLAMA, "*") == SPEC
    assert calls[0]["region"] == "us-west-2" and calls[0]["model_id"] == LLAMA


def test_jumpstart_regions_come_from_sagemaker_core() -> None:
    regions = refresh.jumpstart_regions()
    assert "us-east-1" in regions and "eu-west-1" in regions
    assert not any(r.startswith("cn-") for r in regions)
