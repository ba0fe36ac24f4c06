"""The example pipeline config (examples/configs/pipeline) synthesized once, as app.py builds it:
its Stages, then the pipeline stack deploying them; cdk-nag on, bundling off."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Template

from fmkit.config.pipeline import PipelineConfig, pipeline_of
from fmkit.validate import load_validated
from stacks.app_builder import build_app
from stacks.pipeline.app_pipeline import add_pipeline
from stacks.pipeline.stack import DeployPipelineStack
from tests.infra.conftest import ROOT, new_app, synth_checked

EXAMPLE = "examples/configs/pipeline"


@dataclass
class SynthesizedPipeline:
    app: cdk.App
    stack: DeployPipelineStack
    config: PipelineConfig
    assembly: cx_api.CloudAssembly
    outdir: Path

    @property
    def template(self) -> Template:
        return Template.from_json(self.assembly.get_stack_artifact(self.stack.artifact_id).template)

    def codepipeline(self) -> dict[str, Any]:
        [pipeline] = self.template.find_resources("AWS::CodePipeline::Pipeline").values()
        return dict(pipeline["Properties"])

    def stage(self, name: str) -> list[dict[str, Any]]:
        [stage] = [s for s in self.codepipeline()["Stages"] if s["Name"] == name]
        return list(stage["Actions"])


def synthesize_pipeline(config_dir: str, outdir: Path) -> SynthesizedPipeline:
    loaded = load_validated(ROOT / config_dir)
    config = pipeline_of(loaded)
    assert config is not None
    app = new_app(outdir)
    stages = build_app(app, loaded.environments.values())
    project = next(iter(loaded.environments.values())).project.name
    stack = add_pipeline(app, config, stages, project=project, config_dir=config_dir)
    return SynthesizedPipeline(app, stack, config, synth_checked(app, outdir), outdir)


@pytest.fixture(scope="session")
def example_pipeline(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedPipeline:
    return synthesize_pipeline(EXAMPLE, tmp_path_factory.mktemp("cdk-pipeline"))
