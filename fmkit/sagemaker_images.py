"""Serving-container image URIs for SageMaker deployments, resolved offline.

`sagemaker-core` ships the Deep Learning Container registry (account per region,
repository, tags) as JSON, so validation and synth need no network and no hand-written
account ids. The execution role is scoped to the repository parsed from the URI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from fmkit.catalog.instances import get_instance
from fmkit.catalog.jumpstart import get_jumpstart_model

if TYPE_CHECKING:  # importing fmkit.config here would be circular (its rules import this module)
    from fmkit.config.providers.sagemaker import SageMakerDeployment

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


def is_gpu_instance(instance_type: str) -> bool:
    spec = get_instance(instance_type)
    return spec is not None and spec.has_gpu


def image_framework(deployment: SageMakerDeployment) -> tuple[str, str | None]:
    """(sagemaker-core framework, version or None for the newest) for a deployment."""
    gpu = deployment.serverless is None and is_gpu_instance(deployment.instance_type)
    if deployment.source.jumpstart is not None:
        model = get_jumpstart_model(deployment.source.jumpstart.model_id)
        if model is None:
            raise ImageError(f"unknown JumpStart model '{deployment.source.jumpstart.model_id}'")
        framework = model.framework if gpu or model.cpu_framework is None else model.cpu_framework
        return framework, model.framework_version
    container = deployment.source.container
    assert container is not None  # Source validates exactly one
    gpu_name, cpu_name = FRAMEWORKS[container.framework]
    return (gpu_name if gpu or cpu_name is None else cpu_name), container.version


@cache
def _retrieve(framework: str, version: str | None, region: str, instance_type: str) -> str:
    from sagemaker.core import image_uris  # heavy import (≈1.5 s): only when an image is needed

    try:
        return str(image_uris.retrieve(framework=framework, region=region, version=version,
                                       image_scope="inference", instance_type=instance_type))
    except (ValueError, KeyError) as exc:
        raise ImageError(f"no {framework} image {version or '(newest)'} for {instance_type} in {region}: "
                         f"{str(exc).splitlines()[0][:200]}") from exc


def resolve_image(deployment: SageMakerDeployment, region: str) -> ContainerImage:
    """The serving image for `deployment` in `region` (raises ImageError if there is none)."""
    framework, version = image_framework(deployment)
    instance_type = deployment.instance_type
    if deployment.serverless is not None and is_gpu_instance(instance_type):
        raise ImageError("serverless endpoints run on CPU; pick a CPU instance_type for the image")
    uri = _retrieve(framework, version, region, instance_type)
    match = URI_RE.match(uri)
    if match is None:
        raise ImageError(f"unexpected image URI '{uri}'")
    return ContainerImage(uri=uri, account=match["account"], region=match["region"],
                          repository=match["repository"], tag=match["tag"])
