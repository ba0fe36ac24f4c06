"""fmkit's offline image resolution gives exactly sagemaker-core's `image_uris.retrieve` answers.

The kit reads sagemaker-core's registry JSON without importing the SDK; this test imports the
SDK (seconds, once) and compares both, URI for URI and refusal for refusal:

- every (framework, version) the rules and stacks can ask for: each JumpStart catalog entry's
  GPU and CPU framework at its pinned version, and each configurable container framework at
  its newest version, on every catalog region x every catalog SageMaker instance type (the
  carbon rule asks for every instance of a region);
- every version and alias sagemaker-core ships for those frameworks, on every region (one
  GPU and one CPU instance) and on every instance family (one region).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from fmkit.catalog.instances import all_instances
from fmkit.catalog.jumpstart import all_jumpstart_models
from fmkit.catalog.regions import all_regions
from fmkit.catalog.sagemaker_images import (
    FRAMEWORKS,
    PARTITIONS,
    SERVING_FRAMEWORKS,
    ImageError,
    _retrieve,
    ecr_hostname,
    framework_config,
)

image_uris = pytest.importorskip("sagemaker.core.image_uris")

REGIONS = sorted(all_regions())
INSTANCES = sorted(all_instances("sagemaker"))


@pytest.fixture(scope="module", autouse=True)
def sdk_reads_each_file_once() -> Iterator[None]:
    """The SDK re-reads a framework's JSON and botocore's endpoint data (1 MB) on every call:
    cache both so tens of thousands of comparisons take seconds, not minutes."""
    original, resolver = image_uris.config_for_framework, image_uris.utils._botocore_resolver
    image_uris.config_for_framework = cache(original)
    image_uris.utils._botocore_resolver = cache(resolver)
    yield
    image_uris.config_for_framework, image_uris.utils._botocore_resolver = original, resolver


def sdk(framework: str, version: str | None, region: str, instance_type: str) -> str:
    try:
        return str(image_uris.retrieve(framework=framework, region=region, version=version,
                                       image_scope="inference", instance_type=instance_type))
    except Exception as exc:  # every refusal counts as one: the kit turns them into ImageError
        return f"error: {type(exc).__name__}"


def ours(framework: str, version: str | None, region: str, instance_type: str) -> str:
    try:
        return _retrieve(framework, version, region, instance_type)
    except ImageError as exc:
        return f"error: {type(exc).__name__}"


def disagreements(cases: list[tuple[str, str | None, str, str]]) -> list[tuple[Any, ...]]:
    found = []
    for case in cases:
        expected, got = sdk(*case), ours(*case)
        if expected.startswith("error") != got.startswith("error") or (not got.startswith("error") and got != expected):
            found.append((*case, expected, got))
    return found


def used_sources() -> set[tuple[str, str | None]]:
    """(framework, version) pairs the rules and stacks resolve."""
    pairs: set[tuple[str, str | None]] = set()
    for entry in all_jumpstart_models().values():
        pairs.add((entry.framework, entry.framework_version))
        if entry.cpu_framework is not None:
            pairs.add((entry.cpu_framework, entry.framework_version))
    for gpu, cpu in FRAMEWORKS.values():
        pairs.update({(gpu, None), (cpu or gpu, None)})
    return pairs


def test_every_source_the_kit_uses_resolves_like_the_sdk_everywhere() -> None:
    cases = [(f, v, region, instance) for f, v in sorted(used_sources(), key=str)
             for region in REGIONS for instance in INSTANCES]
    assert len(cases) > 10_000
    assert disagreements(cases) == []
    resolved = [c for c in cases if not ours(*c).startswith("error")]
    assert len(resolved) > len(cases) // 4  # the comparison is about URIs, not only refusals


def shipped_versions(framework: str) -> list[str | None]:
    config = framework_config(framework)
    scoped = config if "versions" in config else config["inference"]
    return [None, *scoped["versions"], *scoped.get("version_aliases", {})]


@pytest.mark.parametrize("framework", sorted(SERVING_FRAMEWORKS))
def test_every_shipped_version_resolves_like_the_sdk(framework: str) -> None:
    families = sorted({re.sub(r"\.[^.]+$", "", i) for i in INSTANCES})  # ml.g5, ml.c7g, ...
    one_per_family = [next(i for i in INSTANCES if i.startswith(f + ".")) for f in families]
    cases = [(framework, v, region, instance) for v in shipped_versions(framework)
             for region in REGIONS for instance in ("ml.g5.2xlarge", "ml.c6i.xlarge")]
    cases += [(framework, v, "us-east-1", instance) for v in shipped_versions(framework) for instance in one_per_family]
    assert disagreements(cases) == []


def test_refusals_match_too() -> None:
    cases = [("huggingface-llm", "9.9.9", "eu-west-1", "ml.g5.xlarge"),  # unknown version
             ("huggingface-llm", None, "eu-west-1", "ml.c7g.xlarge"),  # Graviton: no image
             ("huggingface-llm", None, "mars-north-1", "ml.g5.xlarge"),  # unknown region
             ("huggingface-tei-cpu", None, "eu-west-1", "ml.g5.xlarge"),  # CPU build on a GPU
             ("huggingface-llm", None, "eu-west-1", "ml.trn1.2xlarge")]  # Trainium
    for case in cases:
        assert ours(*case).startswith("error") and sdk(*case).startswith("error"), case


def test_ecr_host_names_follow_botocores_partitions() -> None:
    import botocore.loaders
    import botocore.regions

    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    resolver = botocore.regions.EndpointResolver(endpoints)
    assert [(p["regionRegex"], p["dnsSuffix"]) for p in endpoints["partitions"]] == list(PARTITIONS)
    for region in [*REGIONS, "cn-north-1", "us-gov-west-1", "us-iso-east-1", "eusc-de-east-1"]:
        endpoint = resolver.construct_endpoint("ecr", region)
        assert endpoint is not None and ecr_hostname(region) == endpoint["hostname"], region


def test_the_registry_files_are_plain_json_the_sdk_ships() -> None:
    from pathlib import Path

    shipped = Path(image_uris.__file__).parent / "image_uri_config" / "huggingface-llm.json"
    assert framework_config("huggingface-llm") == json.loads(shipped.read_text())
