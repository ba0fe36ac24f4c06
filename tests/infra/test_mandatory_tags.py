"""The tagging aspect: every taggable resource carries the project's mandatory tags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk.assertions import Template

MANDATORY = {
    "fmkit:project": "fmkit-demo",
    "fmkit:owner": "platform-team@example.com",
    "fmkit:cost-center": "CC-1042",
    "team": "ml-platform",
}


def _tags(resource: Mapping[str, Any]) -> dict[str, str] | None:
    tags = resource.get("Properties", {}).get("Tags")
    if isinstance(tags, list):
        return {t["Key"]: t["Value"] for t in tags if isinstance(t, dict) and "Key" in t}
    if isinstance(tags, dict):
        return {k: v for k, v in tags.items() if isinstance(v, str)}
    return None


def test_every_tagged_resource_has_the_mandatory_tags(default_templates: dict[str, Template]) -> None:
    checked = 0
    for name, template in default_templates.items():
        env = name.split("/")[0]
        for logical_id, resource in template.to_json()["Resources"].items():
            tags = _tags(resource)
            if tags is None:
                continue
            checked += 1
            for key, value in {**MANDATORY, "fmkit:environment": env}.items():
                assert tags.get(key) == value, f"{name}:{logical_id} ({resource['Type']}) lacks {key}={value}"
    assert checked >= 6


def test_taggable_platform_resources_are_tagged(default_templates: dict[str, Template]) -> None:
    template = default_templates["prod/Platform"]
    for resource_type in ("AWS::KMS::Key", "AWS::S3::Bucket", "AWS::SNS::Topic"):
        for resource in template.find_resources(resource_type).values():
            assert _tags(resource), f"{resource_type} has no tags"
