"""Tags every taggable resource: mandatory project tags everywhere, model tags per deployment.

Tags drive cost allocation (Cost Explorer, CUR/FOCUS). The mandatory values come from
validated config, so a missing owner or cost center is a config error, never a silent gap.
"""

from __future__ import annotations

import jsii
from aws_cdk import IAspect, ITaggable, Tags, TagManager
from constructs import IConstruct

from fmkit.config import EnvironmentConfig
from fmkit.config.deployment_base import DeploymentBase

TAG_PREFIX = "fmkit:"


def mandatory_tags(config: EnvironmentConfig) -> dict[str, str]:
    """The tags every resource of an environment carries (project tags first, ours win)."""
    tags = dict(config.project.tags)
    tags.update({
        f"{TAG_PREFIX}project": config.project.name,
        f"{TAG_PREFIX}environment": config.name,
        f"{TAG_PREFIX}owner": config.project.owner,
        f"{TAG_PREFIX}cost-center": config.project.cost_center,
    })
    return tags


@jsii.implements(IAspect)
class MandatoryTags:
    """Aspect: set the mandatory tags on every taggable resource of a scope."""

    PRIORITY = 50  # below Tags.of(...).add's default (100) so per-deployment tags can refine

    def __init__(self, config: EnvironmentConfig) -> None:
        self._tags = mandatory_tags(config)

    def visit(self, node: IConstruct) -> None:
        if TagManager.is_taggable(node):
            manager = node.tags  # type: ignore[attr-defined]
            for key, value in self._tags.items():
                manager.set_tag(key, value, self.PRIORITY, True)


def deployment_tags(name: str, deployment: DeploymentBase) -> dict[str, str]:
    tags = dict(deployment.tags)
    tags[f"{TAG_PREFIX}model"] = name
    if deployment.owner:
        tags[f"{TAG_PREFIX}owner"] = deployment.owner
    return tags


def tag_deployment(scope: IConstruct, name: str, deployment: DeploymentBase, config: EnvironmentConfig) -> None:
    """Tag every resource under `scope` as belonging to model deployment `name`."""
    del config  # part of the signature so later tags (hardware, carbon estimates) can use it
    for key, value in deployment_tags(name, deployment).items():
        Tags.of(scope).add(key, value)


__all__ = ["ITaggable", "MandatoryTags", "deployment_tags", "mandatory_tags", "tag_deployment"]
