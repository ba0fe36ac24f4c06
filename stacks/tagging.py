"""Tags every taggable resource: mandatory project tags everywhere, model tags per deployment.

Tags drive cost allocation (Cost Explorer, CUR/FOCUS). The mandatory values come from
validated config, so a missing owner or cost center is a config error, never a silent gap.
"""

from __future__ import annotations

import re

from aws_cdk import CfnResource, Tags
from constructs import IConstruct

from fmkit.config import EnvironmentConfig
from fmkit.config.deployment_base import DeploymentBase
from fmkit.estimate import estimate_deployment
from fmkit.estimate.carbon import grid_g_per_kwh

TAG_PREFIX = "fmkit:"
GRID_TAG = f"{TAG_PREFIX}grid-gco2e-per-kwh"
# Types CDK emits as raw CfnResource (custom-resource providers) whose Tags is a Key/Value list.
RAW_TAGGABLE = frozenset({"AWS::IAM::Role", "AWS::Lambda::Function"})
# AWS tag limits (shared with config validation): key <= 128, value <= 256, restricted characters.
MAX_KEY, MAX_VALUE = 128, 256
_UNSAFE = re.compile(r"[^\w\s.:/=+\-@]", re.UNICODE)


def tag_safe(value: str) -> str:
    """A value AWS accepts as a tag value: disallowed characters become '-', cut to 256 characters."""
    return _UNSAFE.sub("-", value)[:MAX_VALUE]


def mandatory_tags(config: EnvironmentConfig) -> dict[str, str]:
    """The tags every resource of an environment carries (project tags first, ours win)."""
    tags = dict(config.project.tags)
    tags.update({
        f"{TAG_PREFIX}project": config.project.name,
        f"{TAG_PREFIX}environment": config.name,
        f"{TAG_PREFIX}owner": config.project.owner,
        f"{TAG_PREFIX}cost-center": config.project.cost_center,
    })
    grid = grid_g_per_kwh(config.region)
    if grid is not None:  # the region's grid factor, so CUR/FOCUS carbon tools can group by it
        tags[GRID_TAG] = f"{grid:.1f}"
    return tags


PROVIDER_SUFFIX = "CustomResourceProvider"  # CDK's core custom-resource providers: raw Role and Handler


def tag_raw_resources(stage: IConstruct, tags: dict[str, str]) -> None:
    """The mandatory tags on the raw CfnResources CDK's core custom-resource providers emit.

    Those providers (e.g. the VPC's restrict-default-security-group handler) sit directly under a
    stack, and their Role and Handler are plain CfnResources that no TagManager sees. Looking only
    there keeps the cost to a few calls per stack instead of a Python callback per construct; the
    infra test that every taggable resource carries the mandatory tags guards the assumption.
    """
    values = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
    for stack in stage.node.children:
        for child in stack.node.children:
            if not child.node.id.startswith("Custom::") or not child.node.id.endswith(PROVIDER_SUFFIX):
                continue
            for resource in child.node.children:
                if type(resource) is CfnResource and resource.cfn_resource_type in RAW_TAGGABLE:
                    resource.add_property_override("Tags", values)


class MandatoryTags:
    """The mandatory tags on every taggable resource of a scope.

    CDK's own Tags aspect (which runs in the CDK runtime: one call per tag, not a Python callback
    per resource) covers ITaggable and ITaggableV2 — newer L1s such as CfnInferenceComponent, and
    L2s whose `tags` jsii does not surface in Python (ec2.LaunchTemplate); `tag_raw_resources`
    covers the raw CfnResources of CDK's custom-resource providers.
    """

    PRIORITY = 50  # below Tags.of(...).add's default (100) so per-deployment tags can refine

    def __init__(self, config: EnvironmentConfig) -> None:
        self._tags = mandatory_tags(config)

    def apply(self, stage: IConstruct) -> None:
        """Call once the stage's stacks are built (the raw providers exist by then)."""
        for key, value in self._tags.items():
            Tags.of(stage).add(key, value, priority=self.PRIORITY, apply_to_launched_instances=True)
        tag_raw_resources(stage, self._tags)


def deployment_tags(name: str, deployment: DeploymentBase) -> dict[str, str]:
    tags = dict(deployment.tags)
    tags[f"{TAG_PREFIX}model"] = name
    if deployment.owner:
        tags[f"{TAG_PREFIX}owner"] = deployment.owner
    return tags


def estimate_tags(name: str, deployment: DeploymentBase, config: EnvironmentConfig) -> dict[str, str]:
    """Hardware and the plan's monthly estimate (expected values), as tags Cost Explorer can group by."""
    estimate = estimate_deployment(name, deployment, config)
    fp = estimate.footprint
    return {
        f"{TAG_PREFIX}hardware-arch": tag_safe(estimate.arch),
        f"{TAG_PREFIX}accelerator": tag_safe(estimate.accelerator),
        f"{TAG_PREFIX}est-kgco2e-month": f"{fp.kg_co2e.expected:.2f}",
        f"{TAG_PREFIX}est-usd-month": f"{fp.usd.expected:.2f}",
    }


def tag_deployment(scope: IConstruct, name: str, deployment: DeploymentBase, config: EnvironmentConfig) -> None:
    """Tag every resource under `scope` as belonging to model deployment `name` (+ hardware, estimates)."""
    tags = deployment_tags(name, deployment)
    tags.update(estimate_tags(name, deployment, config))
    for key, value in tags.items():
        Tags.of(scope).add(key, value)


__all__ = [
    "MandatoryTags",
    "deployment_tags",
    "estimate_tags",
    "mandatory_tags",
    "tag_deployment",
    "tag_raw_resources",
    "tag_safe",
]
