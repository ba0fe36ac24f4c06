"""Serving-container image URIs for SageMaker deployments, resolved offline.

`sagemaker-core` ships the Deep Learning Container registry (account per region,
repository, tags) as JSON (`sagemaker/core/image_uri_config/<framework>.json`), so
validation and synth need no network and no hand-written account ids. The execution role
is scoped to the repository parsed from the URI.

The JSON is read directly; `sagemaker.core` is never imported here. Importing it costs
seconds (it pulls in boto3, numpy and pandas), which `fmkit validate` and every synth would
pay for a lookup in a few small files. `_retrieve` follows `sagemaker.core.image_uris.retrieve`
step by step for the serving frameworks the kit uses (`SERVING_FRAMEWORKS`: TGI, LMI,
vLLM, llama.cpp, TEI), with the same answers and the same refusals; a unit test compares
both on every catalog region, instance type and framework version. The ECR host name
comes from the partition of the region, as botocore's endpoint data gives it.

Config-free: callers pass the instance type and the model source as plain values
(`SageMakerDeployment.serving_image` does it for a configured deployment).
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fmkit.catalog.instances import get_instance
from fmkit.catalog.jumpstart import get_jumpstart_model

# Config name → sagemaker-core image_uri_config framework (GPU, CPU).
FRAMEWORKS: dict[str, tuple[str, str | None]] = {
    "tgi": ("huggingface-llm", None),
    "lmi": ("djl-lmi", None),
    "vllm": ("vllm", None),
    "llama-cpp": ("llama-cpp", "llama-cpp"),
    "tei": ("huggingface-tei", "huggingface-tei-cpu"),
}
URI_RE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
                    r"(?P<repository>[^:@]+)[:@](?P<tag>.+)$")


class ImageError(ValueError):
    """No image for this framework/version/region/instance (message says which)."""


@dataclass(frozen=True)
class ContainerImage:
    uri: str
    account: str
    region: str
    repository: str
    tag: str

    @classmethod
    def from_uri(cls, uri: str) -> ContainerImage:
        """Split an ECR image URI into the parts the stacks grant and tag by (ImageError if it is not one)."""
        match = URI_RE.match(uri)
        if match is None:
            raise ImageError(f"unexpected image URI '{uri}'")
        return cls(uri=uri, account=match["account"], region=match["region"], repository=match["repository"],
                   tag=match["tag"])


@dataclass(frozen=True)
class ImageSource:
    """Where a deployment's serving image comes from: a JumpStart model, else a container framework."""

    jumpstart_model_id: str | None = None
    container_framework: str | None = None
    container_version: str | None = None


def is_gpu_instance(instance_type: str) -> bool:
    spec = get_instance(instance_type)
    return spec is not None and spec.has_gpu


def image_framework(source: ImageSource, instance_type: str, *, serverless: bool) -> tuple[str, str | None]:
    """(sagemaker-core framework, version or None for the newest) for a model source on an instance type."""
    gpu = not serverless and is_gpu_instance(instance_type)
    if source.jumpstart_model_id is not None:
        model = get_jumpstart_model(source.jumpstart_model_id)
        if model is None:
            raise ImageError(f"unknown JumpStart model '{source.jumpstart_model_id}'")
        framework = model.framework if gpu or model.cpu_framework is None else model.cpu_framework
        return framework, model.framework_version
    if source.container_framework not in FRAMEWORKS:
        raise ImageError(f"unknown serving container '{source.container_framework}'")
    gpu_name, cpu_name = FRAMEWORKS[source.container_framework]
    return (gpu_name if gpu or cpu_name is None else cpu_name), source.container_version


SERVING_FRAMEWORKS = frozenset({"huggingface-llm", "djl-lmi", "vllm", "llama-cpp", "huggingface-tei",
                                "huggingface-tei-cpu"})
"""The sagemaker-core frameworks `_retrieve` resolves (the kit's containers and JumpStart catalog)."""
GRAVITON_FAMILIES = frozenset({"m6g", "m6gd", "c6g", "c6gd", "c6gn", "c7g", "r6g", "r6gd"})
"""SageMaker instance families sagemaker-core serves only with its Graviton framework builds."""
PARTITIONS = (  # botocore's endpoints.json: (regionRegex, dnsSuffix) per partition, in its order
    (r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$", "amazonaws.com"),
    (r"^cn\-\w+\-\d+$", "amazonaws.com.cn"),
    (r"^us\-gov\-\w+\-\d+$", "amazonaws.com"),
    (r"^us\-iso\-\w+\-\d+$", "c2s.ic.gov"),
    (r"^us\-isob\-\w+\-\d+$", "sc2s.sgov.gov"),
    (r"^eu\-isoe\-\w+\-\d+$", "cloud.adc-e.uk"),
    (r"^us\-isof\-\w+\-\d+$", "csp.hci.ic.gov"),
    (r"^eusc\-(de)\-\w+\-\d+$", "amazonaws.eu"),
)
FAMILY_RE = re.compile(r"^ml[\._]([a-z\d\-]+)\.?\w*$")


def registry_directory() -> Path:
    """sagemaker-core's `image_uri_config` folder, found without importing the SDK (`sagemaker`
    is a namespace package whose `__init__` imports all of `sagemaker.core`)."""
    spec = importlib.util.find_spec("sagemaker")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        candidate = Path(location) / "core" / "image_uri_config"
        if candidate.is_dir():
            return candidate
    raise ImageError("sagemaker-core is not installed: it ships the registry of serving images")


@cache
def framework_config(framework: str) -> dict[str, Any]:
    path = registry_directory() / f"{framework}.json"
    if not path.is_file():
        raise ImageError(f"sagemaker-core knows no framework '{framework}'")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _one_of(value: str | None, options: list[str], what: str) -> str:
    if value not in options:
        raise ImageError(f"Unsupported {what}: {value}. Supported {what}(s): {', '.join(options)}.")
    return value


def _scoped(framework: str) -> dict[str, Any]:
    """The framework's inference config (sagemaker-core's `_config_for_framework_and_scope`)."""
    config = framework_config(framework)
    scopes = list(config.get("scope", list(config)))
    scope = _one_of(scopes[0] if len(scopes) == 1 else "inference", scopes, "image scope")
    return config if "scope" in config else dict(config[scope])


def _newest(framework: str) -> str | None:
    """The version sagemaker-core picks when none is given (`_fetch_latest_version_from_config`)."""
    config = framework_config(framework)
    scoped = config.get("inference")
    if scoped and "latest" in scoped.get("version_aliases", {}):
        return str(scoped["version_aliases"]["latest"])
    versions: list[str]
    if "versions" in config:
        versions = list(config["versions"])
        if len(versions) == 1:
            return versions[0]
        if "latest" in (versions[0], versions[-1]):
            return None
    elif scoped is not None and "versions" in scoped:
        versions = list(scoped["versions"])
    else:
        return None
    top, bottom = versions[0], versions[-1]
    if top.endswith(".x") or bottom.endswith(".x"):
        return f"{max(int(top[:-2]), int(bottom[:-2]))}.x"
    from packaging.version import InvalidVersion, Version

    try:
        return top if Version(top) >= Version(bottom) else bottom
    except InvalidVersion as exc:
        raise ImageError(f"cannot order {framework} versions: {exc}") from exc


def _version(framework: str, config: dict[str, Any], version: str | None) -> str:
    available: list[str] = list(config["versions"])
    aliased: list[str] = list(config.get("version_aliases", {}))
    if len(available) == 1 and version not in aliased:
        return available[0]
    return _one_of(version or _newest(framework), available + aliased, f"{framework} version")


def _processor(instance_type: str, family: str, available: list[str] | None) -> str | None:
    if not available:
        return None
    if not family:
        raise ImageError(f"Invalid SageMaker instance type: {instance_type}.")
    if family in available:
        return family
    processor = ("inf" if family.startswith("inf") else "trn" if family.startswith("trn")
                 else "gpu" if family[0] in ("g", "p") else "cpu")
    return _one_of(processor, available, "processor")


def _py_version(version_config: dict[str, Any]) -> str | None:
    available = version_config.get("py_versions") if "repository" in version_config else list(version_config)
    if not available:
        return None
    return _one_of(available[0] if len(available) == 1 else None, list(available), "Python version")


def ecr_hostname(region: str) -> str:
    for pattern, suffix in PARTITIONS:
        if re.match(pattern, region):
            return f"ecr.{region}.{suffix}"
    raise ImageError(f"unknown AWS partition for region '{region}'")


def _check_instance(framework: str, instance_type: str, family: str) -> None:
    if "trn" in instance_type and framework not in "pytorch":  # sagemaker-core's substring test
        raise ImageError(f"Unsupported framework: {framework}. Supported for Trainium instances: pytorch.")
    if family in GRAVITON_FAMILIES:
        raise ImageError(f"Unsupported framework: {framework}. Graviton instances need a Graviton build.")


@cache
def _retrieve(framework: str, version: str | None, region: str, instance_type: str) -> str:
    """`sagemaker.core.image_uris.retrieve(framework, region, version, image_scope="inference",
    instance_type)` for the serving frameworks, from the registry JSON alone."""
    if framework not in SERVING_FRAMEWORKS:
        raise ImageError(f"'{framework}' is not a serving framework fmkit resolves")
    match = FAMILY_RE.match(instance_type)
    family = match[1] if match else ""
    _check_instance(framework, instance_type, family)
    config = _scoped(framework)
    version = _version(framework, config, version)
    try:
        version_config = config["versions"][config.get("version_aliases", {}).get(version, version)]
        py_version = _py_version(version_config)
        version_config = version_config.get(py_version) or version_config
        registry = version_config["registries"][_one_of(region, list(version_config["registries"]), "region")]
        repository = version_config["repository"]
        processor = _processor(instance_type, family, config.get("processors") or version_config.get("processors"))
        container = version_config["container_version"][processor] if version_config.get("container_version") \
            else None
    except KeyError as exc:
        raise ImageError(f"the registry has no {exc} for it") from exc
    if repository in (f"{framework}-inference-graviton", f"{framework}-inference-arm64"):
        container = f"{container}-sagemaker"
    if not version_config.get("processor_in_tag", True):
        processor = None
    tag = "-".join(x for x in (version_config.get("tag_prefix", version), processor, py_version, container) if x)
    return f"{registry}.dkr.{ecr_hostname(region)}/{repository}" + (f":{tag}" if tag else "")


def resolve_image(source: ImageSource, instance_type: str, region: str, *, serverless: bool) -> ContainerImage:
    """The serving image for `source` on `instance_type` in `region` (raises ImageError if there is none)."""
    framework, version = image_framework(source, instance_type, serverless=serverless)
    if serverless and is_gpu_instance(instance_type):
        raise ImageError("serverless endpoints run on CPU; pick a CPU instance_type for the image")
    try:
        uri = _retrieve(framework, version, region, instance_type)
    except ImageError as exc:
        raise ImageError(f"no {framework} image {version or '(newest)'} for {instance_type} in {region}: "
                         f"{str(exc)[:200]}") from exc
    return ContainerImage.from_uri(uri)
