"""Where the pipeline comes from: `add_pipeline` orders the Stages as configured, and `app.py`
adds the pipeline stack only for a config with `project.pipeline` when no single environment is
selected (the default config has none, so `make synth` needs no connection)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from fmkit.config.pipeline import pipeline_of
from fmkit.validate import load_validated
from stacks.app_builder import build_app
from stacks.pipeline.app_pipeline import add_pipeline
from tests.infra.conftest import CDK_CONTEXT, ROOT, new_app
from tests.infra.pipeline.conftest import EXAMPLE

pytestmark = pytest.mark.infra


def test_stages_deploy_in_the_configured_order(tmp_path: Path) -> None:
    loaded = load_validated(ROOT / EXAMPLE)
    config = pipeline_of(loaded)
    assert config is not None
    reversed_order = config.model_copy(update={"environments": ["prod", "dev"], "manual_approval": ["dev"]})
    app = new_app(tmp_path)
    stack = add_pipeline(app, reversed_order, build_app(app, loaded.environments.values()), project="fmkit-demo",
                         config_dir=EXAMPLE)
    [pipeline] = Template.from_stack(stack).find_resources("AWS::CodePipeline::Pipeline").values()
    stages = pipeline["Properties"]["Stages"]
    assert [s["Name"] for s in stages][-2:] == ["prod", "dev"]
    approvals = {s["Name"]: [a["Name"] for a in s["Actions"] if a["ActionTypeId"]["Category"] == "Approval"]
                 for s in stages}
    assert approvals["dev"] == ["Approve-dev"] and approvals["prod"] == []


def test_the_default_config_has_no_pipeline() -> None:
    assert pipeline_of(load_validated(ROOT / "model_configs")) is None


def run_app(outdir: Path, **context: str) -> set[str]:
    """`python app.py` as the CDK CLI runs it (cdk.json's context, no bundling): the artifact ids."""
    env = {**os.environ, "CDK_OUTDIR": str(outdir), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
           "CDK_CONTEXT_JSON": json.dumps({**CDK_CONTEXT, "aws:cdk:bundling-stacks": [], **context})}
    result = subprocess.run([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return set(json.loads((outdir / "manifest.json").read_text())["artifacts"])


def test_app_adds_the_pipeline_for_the_whole_config_only(tmp_path: Path) -> None:
    everything = run_app(tmp_path / "all", config_dir=EXAMPLE)
    assert {"Pipeline", "assembly-dev", "assembly-prod"} <= everything
    one = run_app(tmp_path / "dev", config_dir=EXAMPLE, env="dev")
    assert "assembly-dev" in one and "Pipeline" not in one and "assembly-prod" not in one
