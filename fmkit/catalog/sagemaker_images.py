"""Serving-container image URIs for SageMaker deployments, resolved offline.

`sagemaker-core` ships the Deep Learning Container registry (account per region,
repository, tags) as JSON, so validation and synth need no network and no hand-written
account ids. The execution role is scoped to the repository parsed from the URI.

Config-free: callers pass the instance type and the model source as plain values
(`SageMakerDeployment.serving_image` does it for a configured deployment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

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


@cache
def _retrieve(framework: str, version: str | None, region: str, instance_type: str) -> str:
    from sagemaker.core import image_uris  # heavy import (≈1.5 s): only when an image is needed

    try:
        return str(image_uris.retrieve(framework=framework, region=region, version=version,
                                       image_scope="inference", instance_type=instance_type))
    except (ValueError, KeyError) as exc:
        raise ImageError(f"no {framework} image {version or '(newest)'} for {instance_type} in {region}: "
                         f"{str(exc).splitlines()[0][:200]}") from exc


def resolve_image(source: ImageSource, instance_type: str, region: str, *, serverless: bool) -> ContainerImage:
    """The serving image for `source` on `instance_type` in `region` (raises ImageError if there is none)."""
    framework, version = image_framework(source, instance_type, serverless=serverless)
    if serverless and is_gpu_instance(instance_type):
        raise ImageError("serverless endpoints run on CPU; pick a CPU instance_type for the image")
    uri = _retrieve(framework, version, region, instance_type)
    match = URI_RE.match(uri)
    if match is None:
        raise ImageError(f"unexpected image URI '{uri}'")
    return ContainerImage(uri=uri, account=match["account"], region=match["region"],
                          repository=match["repository"], tag=match["tag"])
