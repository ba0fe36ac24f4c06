"""Tags: every taggable resource carries the mandatory tags; deployment resources the hardware/estimate tags."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from fmkit.config import LoadedConfig
from stacks.tagging import GRID_TAG, mandatory_tags, tag_deployment, tag_safe

MANDATORY = ("fmkit:project", "fmkit:environment", "fmkit:owner", "fmkit:cost-center", GRID_TAG)
DEPLOYMENT = ("fmkit:model", "fmkit:hardware-arch", "fmkit:accelerator", "fmkit:est-kgco2e-month",
              "fmkit:est-usd-month")
# AWS tag rules: key 1-128, value 0-256, letters (any language), digits, spaces and _ . : / = + - @
ALLOWED = re.compile(r"^[\w\s.:/=+\-@]*$")


def _tags(resource: dict[str, Any]) -> dict[str, str] | None:
    tags = resource.get("Properties", {}).get("Tags")
    if tags is None:
        return None
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {t["Key"]: str(t["Value"]) for t in tags if isinstance(t, dict) and "Key" in t}


def _all_tags(templates: dict[str, Template]) -> list[tuple[str, str, dict[str, str]]]:
    out = []
    for name, template in templates.items():
        for logical, resource in template.to_json()["Resources"].items():
            tags = _tags(resource)
            if tags is not None:
                out.append((f"{name}/{logical}", resource["Type"], tags))
    return out


def test_every_tagged_resource_has_the_mandatory_tags(default_templates: dict[str, Template]) -> None:
    tagged = _all_tags(default_templates)
    assert len(tagged) > 20
    for where, _, tags in tagged:
        missing = [k for k in MANDATORY if k not in tags]
        assert not missing, f"{where} lacks {missing}"


def test_every_resource_whose_type_supports_tags_is_tagged(default_templates: dict[str, Template]) -> None:
    """CloudFormation's own resource schemas (shipped with cfn-lint) say which types take Tags."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    untagged = []
    for name, template in default_templates.items():
        for logical, resource in template.to_json()["Resources"].items():
            kind = resource["Type"]
            if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
                continue
            schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", kind).schema
            if "Tags" in schema.get("properties", {}) and _tags(resource) is None:
                untagged.append(f"{name}/{logical} ({kind})")
    assert not untagged


def test_deployment_resources_carry_hardware_and_estimate_tags(default_templates: dict[str, Template],
                                                               default_config: LoadedConfig) -> None:
    models: dict[str, list[dict[str, str]]] = {}
    for _, _, tags in _all_tags(default_templates):
        if "fmkit:model" in tags:
            models.setdefault(tags["fmkit:model"], []).append(tags)
    assert {"nova-lite", "qwen-chat", "llama-small"} <= set(models)
    for name, tag_sets in models.items():
        for tags in tag_sets:
            missing = [k for k in DEPLOYMENT if k not in tags]
            assert not missing, f"{name}: {missing}"
            float(tags["fmkit:est-kgco2e-month"]), float(tags["fmkit:est-usd-month"])
    qwen = models["qwen-chat"][0]
    assert (qwen["fmkit:hardware-arch"], qwen["fmkit:accelerator"]) == ("x86_64", "gpu-a10g")
    assert models["llama-small"][0]["fmkit:hardware-arch"] == "arm64"
    assert models["nova-lite"][0]["fmkit:hardware-arch"] == "managed"


def test_tag_keys_and_values_respect_aws_limits(default_templates: dict[str, Template]) -> None:
    for where, _, tags in _all_tags(default_templates):
        for key, value in tags.items():
            assert 1 <= len(key) <= 128 and ALLOWED.match(key) and not key.lower().startswith("aws:"), where
            assert len(value) <= 256 and ALLOWED.match(value), f"{where}: {key}={value!r}"


def test_grid_factor_tag_matches_the_region(default_config: LoadedConfig) -> None:
    assert mandatory_tags(default_config.environment("prod"))[GRID_TAG] == "379.1"
    assert mandatory_tags(default_config.environment("dev"))[GRID_TAG] == "278.6"


def test_tag_deployment_tags_constructs_with_the_estimate(default_config: LoadedConfig) -> None:
    env = default_config.environment("prod")
    stack = cdk.Stack(cdk.App(), "T")
    bucket = s3.Bucket(stack, "B")
    tag_deployment(bucket, "qwen-chat", env.models["qwen-chat"], env)
    cfn = bucket.node.default_child
    assert isinstance(cfn, s3.CfnBucket)
    tags = _tags(Template.from_stack(stack).to_json()["Resources"][stack.get_logical_id(cfn)])
    assert tags is not None
    assert tags["fmkit:model"] == "qwen-chat" and tags["fmkit:accelerator"] == "gpu-a10g"
    assert float(tags["fmkit:est-usd-month"]) == pytest.approx(730 * 1.515, abs=0.01)  # one ml.g5.2xlarge


@pytest.mark.parametrize("raw, safe", [("gpu:A10G", "gpu:A10G"), ("a,b;c", "a-b-c"), ("x" * 300, "x" * 256)])
def test_tag_safe(raw: str, safe: str) -> None:
    assert tag_safe(raw) == safe
