"""The config change the rehearsal's update deploys: one more instance at most for a Graviton deployment.

The change goes into a copy of the config directory (passed to the CLI with `-c config_dir=…`), in
the environment's overlay, so the update is what a user's one-line edit would deploy. Its effect is
observable through the emulator: the Auto Scaling group's MaxSize.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.validate import load_validated

ASG_TYPE = "AWS::AutoScaling::AutoScalingGroup"


@dataclass(frozen=True)
class ConfigChange:
    """`models.<deployment>.autoscaling.max` raised from `old` to `new` in `overlay`."""

    deployment: str
    old: int
    new: int
    overlay: Path

    @property
    def description(self) -> str:
        return f"models.{self.deployment}.autoscaling.max {self.old}→{self.new}"


def copy_config(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def raise_graviton_max(config_dir: Path, env_name: str) -> ConfigChange:
    """Edit `config_dir` in place: the first Graviton deployment of `env_name` may scale one instance further."""
    environment = load_validated(config_dir).environment(env_name)
    graviton = environment.deployments_of(GravitonDeployment)
    if not graviton:
        raise ValueError(f"environment {env_name} has no ec2-graviton deployment: the rehearsal's update "
                         "changes one (tests/rehearse/config_change.py)")
    name, deployment = next(iter(graviton.items()))
    old = deployment.autoscaling.max
    overlay = config_dir / "environments" / f"{env_name}.yaml"
    yaml = YAML()
    document = yaml.load(overlay)
    node = document
    for key in ("models", name, "autoscaling"):
        if node.get(key) is None:
            node[key] = CommentedMap()
        node = node[key]
    node["max"] = old + 1
    yaml.dump(document, overlay)
    change = ConfigChange(name, old, old + 1, overlay)
    reloaded = load_validated(config_dir).environment(env_name).deployments_of(GravitonDeployment)[name]
    if reloaded.autoscaling.max != change.new:
        raise ValueError(f"editing {overlay} did not set {change.description}")
    return change
