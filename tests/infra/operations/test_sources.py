"""What the dashboard reads from the default config's stages: one source per deployment and
knowledge base, the evaluation's headline figures, and each alarm exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import aws_cloudwatch as cloudwatch

from fmkit.config import LoadedConfig
from stacks.app_builder import build_app
from stacks.operations.dashboard import all_alarms
from stacks.operations.sources import alarms_under, collect_sources
from stacks.stage import EnvironmentStage
from tests.infra.conftest import new_app, synth_checked

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def stages(default_config: LoadedConfig, tmp_path_factory: pytest.TempPathFactory) -> dict[str, EnvironmentStage]:
    """The default config's stages, synthesized (references, hence stack dependencies, resolve then)."""
    app = new_app(Path(tmp_path_factory.mktemp("sources")))
    built = build_app(app, default_config.environments.values())
    synth_checked(app, Path(app.outdir))
    return built


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_one_source_per_deployment_by_provider(env: str, default_config: LoadedConfig,
                                               stages: dict[str, EnvironmentStage]) -> None:
    config = default_config.environment(env)
    sources = collect_sources(config, stages[env].stacks)
    assert [s.name for s in sources.bedrock] == sorted(config.enabled_by_provider("bedrock"))
    assert [s.name for s in sources.sagemaker] == sorted(config.enabled_by_provider("sagemaker"))
    assert [s.name for s in sources.graviton] == sorted(config.enabled_by_provider("ec2-graviton"))
    assert [s.name for s in sources.knowledge] == sorted(config.project.knowledge_bases)
    for graviton in sources.graviton:
        assert graviton.group_name == f"{config.stack_prefix}-{graviton.name}"
        assert graviton.usd_per_hour and graviton.usd_per_hour > 0
    for sagemaker in sources.sagemaker:
        assert sagemaker.endpoint_name.startswith(config.stack_prefix)
    for bedrock in sources.bedrock:
        assert bedrock.usd_per_1k_tokens is not None


def test_dev_evaluation_headline_is_the_primary_metric_then_minimums_then_checks(
    default_config: LoadedConfig, stages: dict[str, EnvironmentStage]
) -> None:
    config = default_config.environment("dev")
    evaluation = collect_sources(config, stages["dev"].stacks).evaluation
    assert evaluation is not None
    assert evaluation.quality_metrics == ["rougeL", "json_valid"]  # primary rougeL = the minimum; json@triage
    assert evaluation.environment == "dev" and evaluation.models


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_every_alarm_is_collected_exactly_once(env: str, default_config: LoadedConfig,
                                               stages: dict[str, EnvironmentStage]) -> None:
    stage = stages[env]
    everywhere = [alarm for key, stack in stage.stacks.items() if key != "Operations" for alarm in alarms_under(stack)]
    collected = all_alarms(collect_sources(default_config.environment(env), stage.stacks))
    assert everywhere and all(isinstance(a, cloudwatch.Alarm) for a in everywhere)
    assert sorted(a.node.path for a in collected) == sorted(a.node.path for a in everywhere)


def test_the_operations_stack_is_the_stage_s_last_and_depends_on_what_it_reads(
    stages: dict[str, EnvironmentStage],
) -> None:
    stage = stages["dev"]
    assert list(stage.stacks)[-1] == "Operations"
    depends_on = {d.node.id for d in stage.stacks["Operations"].dependencies}
    assert {"Bedrock", "SageMaker", "Graviton", "Knowledge", "Evaluation"} <= depends_on
