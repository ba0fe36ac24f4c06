"""Serving images resolve offline from sagemaker-core's registry JSON, for a model source on an instance type."""

from __future__ import annotations

import pytest

from fmkit.catalog.jumpstart import all_jumpstart_models
from fmkit.catalog.sagemaker_images import URI_RE, ImageError, ImageSource, _retrieve, image_framework, resolve_image

QWEN = "huggingface-llm-qwen2-5-7b-instruct"


def test_every_jumpstart_entry_resolves_its_serving_image_offline() -> None:
    """Catalog container versions must be ones sagemaker-core knows (TGI 2.0.3 was not)."""
    for entry in all_jumpstart_models().values():
        for region in sorted({"us-east-1", "eu-west-1"} & entry.regions):
            uri = _retrieve(entry.framework, entry.framework_version, region, entry.default_instance_type)
            match = URI_RE.match(uri)
            assert match is not None and match["region"] == region, (entry.model_id, uri)
            assert entry.framework_version.split("-")[0] in match["tag"], (entry.model_id, uri)


def test_container_framework_picks_the_cpu_build_off_gpu() -> None:
    tei = ImageSource(container_framework="tei", container_version=None)
    assert image_framework(tei, "ml.g5.xlarge", serverless=False) == ("huggingface-tei", None)
    assert image_framework(tei, "ml.c6i.xlarge", serverless=False) == ("huggingface-tei-cpu", None)
    assert image_framework(tei, "ml.g5.xlarge", serverless=True)[0] == "huggingface-tei-cpu"


def test_resolved_image_names_account_region_repository_and_tag() -> None:
    image = resolve_image(ImageSource(jumpstart_model_id=QWEN), "ml.g5.2xlarge", "eu-west-1", serverless=False)
    assert image.region == "eu-west-1" and image.uri.startswith(f"{image.account}.dkr.ecr.eu-west-1.")
    assert image.uri.endswith(f"{image.repository}:{image.tag}")


@pytest.mark.parametrize(("source", "instance", "serverless", "message"), [
    (ImageSource(jumpstart_model_id="no-such-model"), "ml.g5.xlarge", False, "unknown JumpStart model"),
    (ImageSource(container_framework="tgx"), "ml.g5.xlarge", False, "unknown serving container 'tgx'"),
    (ImageSource(container_framework="tei"), "ml.g5.xlarge", True, "serverless endpoints run on CPU"),
])
def test_unresolvable_sources_raise_image_error(source: ImageSource, instance: str, serverless: bool,
                                                message: str) -> None:
    with pytest.raises(ImageError, match=message):
        resolve_image(source, instance, "us-east-1", serverless=serverless)
