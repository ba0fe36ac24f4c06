"""Builds the app from resolved configs: one Stage per environment, cdk-nag, tagging."""

from __future__ import annotations

from collections.abc import Iterable

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from fmkit.config import EnvironmentConfig
from stacks.stage import EnvironmentStage


def build_app(app: cdk.App, environments: Iterable[EnvironmentConfig]) -> dict[str, EnvironmentStage]:
    """Add a Stage per environment and the AwsSolutions policy-validation plugin (cdk-nag 3.x)."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks())
    return {env.name: EnvironmentStage(app, env.name, config=env) for env in environments}
