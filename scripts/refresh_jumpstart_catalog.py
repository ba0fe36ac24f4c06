#!/usr/bin/env python3
"""Rebuild fmkit/catalog/data/jumpstart_models.json from the live JumpStart model specs.

Uses sagemaker-core's ``JumpStartModelsAccessor`` (it reads the models manifest and per-model specs from
``s3://jumpstart-cache-prod-<region>/``; needs network and credentials). Only the curated models already
in the catalog are refreshed, each to its latest version (or the pinned one with ``--keep-versions``);
fields the specs lack (task, params_billion, embedding dimensions, notes) are preserved.

    python scripts/refresh_jumpstart_catalog.py [--region us-west-2] [--keep-versions] [--dry-run]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fmkit.catalog.refresh import (
    DATA_DIR,
    dumps_catalog,
    read_catalog_file,
    today,
    write_catalog_file,
)

CATALOG = DATA_DIR / "jumpstart_models.json"
REGION_CONFIG = "sagemaker/core/jumpstart/region_config.json"

# (model_id, version) -> raw JumpStart spec dict (the JSON the SDK parses into JumpStartModelSpecs)
SpecFetcher = Callable[[str, str], Mapping[str, Any]]

# JumpStart ECR framework names -> sagemaker-core image_uri_config names used by fmkit
FRAMEWORKS = {"huggingface-llm": "huggingface-llm", "djl-lmi": "djl-lmi", "djl-inference": "djl-lmi"}


def sagemaker_core_fetcher(region: str, s3_client: Any | None = None) -> SpecFetcher:
    """Spec fetcher backed by sagemaker-core (imported lazily: it is an optional, heavy dependency)."""
    from sagemaker.core.jumpstart.accessors import JumpStartModelsAccessor

    def fetch(model_id: str, version: str) -> Mapping[str, Any]:
        specs = JumpStartModelsAccessor.get_model_specs(
            region=region, model_id=model_id, version=version, s3_client=s3_client
        )
        raw: Mapping[str, Any] = specs.to_json()
        return raw

    return fetch


def jumpstart_regions() -> list[str]:
    """Known regions (regions.json) with a JumpStart content bucket in sagemaker-core's region_config.json."""
    import importlib.util

    from fmkit.catalog.regions import all_regions

    spec = importlib.util.find_spec("sagemaker")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations))).parent
    config = json.loads((root / REGION_CONFIG).read_text(encoding="utf-8"))
    return sorted(set(config) & set(all_regions()))


def _artifact_prefix(spec: Mapping[str, Any]) -> str | None:
    key = spec.get("hosting_prepacked_artifact_key") or spec.get("hosting_artifact_key")
    return str(key) if key else None


def _env(spec: Mapping[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}
    for var in spec.get("inference_environment_variables", []):
        if var.get("scope", "container") == "container" and "name" in var:
            env[var["name"]] = str(var.get("default", ""))
    return dict(sorted(env.items()))


def merge_spec(entry: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """Overlay the fields a JumpStart spec provides on one catalog entry."""
    out = copy.deepcopy(dict(entry))
    if spec.get("version"):
        out["version"] = spec["version"]
    if spec.get("min_sdk_version"):
        out["min_sdk_version"] = spec["min_sdk_version"]
    if spec.get("default_inference_instance_type"):
        out["default_instance_type"] = spec["default_inference_instance_type"]
    if spec.get("supported_inference_instance_types"):
        out["supported_instance_types"] = sorted(spec["supported_inference_instance_types"])
    gated = bool(spec.get("gated_bucket")) or spec.get("hosting_eula_key") is not None
    out["eula_required"] = gated
    out["artifact_bucket"] = (
        "jumpstart-private-cache-prod-{region}"
        if spec.get("gated_bucket")
        else "jumpstart-cache-prod-{region}"
    )
    prefix = _artifact_prefix(spec)
    if prefix:
        out["artifact_prefix"] = prefix
        out["artifact_verified"] = True
        out.pop("artifact_source", None)
    env = _env(spec)
    if env:
        out["env"] = env
    ecr = spec.get("hosting_ecr_specs") or {}
    if ecr.get("framework") in FRAMEWORKS:
        out["framework"] = FRAMEWORKS[ecr["framework"]]
        if ecr.get("framework_version"):
            out["framework_version"] = ecr["framework_version"]
    return out


def build_catalog(
    existing: Mapping[str, Any],
    fetch: SpecFetcher,
    retrieved: str,
    *,
    keep_versions: bool = False,
    regions: list[str] | None = None,
) -> dict[str, Any]:
    data = copy.deepcopy(dict(existing))
    for mid, entry in sorted(data["models"].items()):
        version = entry["version"] if keep_versions else "*"
        try:
            spec = fetch(mid, version)
        except Exception as exc:  # network/permission/unknown model: keep the snapshot entry
            print(f"keep {mid}: {exc}", file=sys.stderr)
            continue
        data["models"][mid] = merge_spec(entry, spec)
        if regions:
            data["models"][mid]["regions"] = regions
    data["retrieved"] = retrieved
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="us-west-2", help="region whose JumpStart bucket is read")
    parser.add_argument("--keep-versions", action="store_true", help="refresh the pinned versions only")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    data = build_catalog(
        read_catalog_file(CATALOG),
        sagemaker_core_fetcher(args.region),
        today(),
        keep_versions=args.keep_versions,
        regions=jumpstart_regions() or None,
    )
    if args.dry_run:
        sys.stdout.write(dumps_catalog(data))
    else:
        write_catalog_file(CATALOG, data)
        print(f"wrote {CATALOG}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
