"""Adds the deploy pipeline to an app whose Stages are already built (`app.py`)."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk

from fmkit.config.pipeline import PipelineConfig
from stacks.pipeline.stack import DeployPipelineStack


def add_pipeline(app: cdk.App, config: PipelineConfig, stages: Mapping[str, cdk.Stage], *, project: str,
                 config_dir: str) -> DeployPipelineStack:
    """The pipeline stack (`Pipeline`, named `<project>-pipeline`) deploying `stages` in the
    configured order; `config_dir` is the config's path in the repository."""
    ordered = [stages[name] for name in config.environments]
    return DeployPipelineStack(app, "Pipeline", config=config, project=project, stages=ordered,
                               config_dir=config_dir, stack_name=f"{project}-pipeline")
