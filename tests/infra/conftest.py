"""Template fixtures: the default config synthesized once per session, plus custom configs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Template

from fmkit.config import EnvironmentConfig, LoadedConfig
from fmkit.validate import load_validated
from stacks.app_builder import build_app

ROOT = Path(__file__).resolve().parents[2]
CDK_CONTEXT = json.loads((ROOT / "cdk.json").read_text())["context"]


class NagViolations(AssertionError):
    """Unacknowledged cdk-nag findings, listed one per line."""


def _nag_violations(outdir: Path) -> list[str]:
    report = outdir / "validation-report.json"
    if not report.is_file():
        return []
    lines = []
    for plugin in json.loads(report.read_text()).get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                lines.append(f"{violation['ruleName']} at {construct['constructPath']}: {violation['description']}")
    return lines


def new_app(outdir: Path, *, bundle: bool = False) -> cdk.App:
    """An app with cdk.json's context (feature flags), as `cdk synth` builds it; bundling off unless asked."""
    context = dict(CDK_CONTEXT)
    if not bundle:
        context["aws:cdk:bundling-stacks"] = []
    return cdk.App(outdir=str(outdir), context=context)


def synth_checked(app: cdk.App, outdir: Path) -> cx_api.CloudAssembly:
    """Synthesize `app`; raise NagViolations listing any unacknowledged cdk-nag finding."""
    try:
        return app.synth()
    except RuntimeError:
        violations = _nag_violations(outdir)
        if violations:
            raise NagViolations("\n".join(violations)) from None
        raise


def templates_of(assembly: cx_api.CloudAssembly, stacks: dict[str, cdk.Stack]) -> dict[str, Template]:
    return {name: Template.from_json(assembly.get_stack_artifact(stack.artifact_id).template)
            for name, stack in stacks.items()}


def synth(environments: Iterable[EnvironmentConfig], outdir: Path, *, bundle: bool = False) -> dict[str, Template]:
    """Synthesize environments into `outdir`; return "<env>/<StackId>" → Template.

    Raises NagViolations when cdk-nag reports an unacknowledged finding. Bundling of Lambda
    assets is skipped unless `bundle` (the smoke test bundles for real).
    """
    app = new_app(outdir, bundle=bundle)
    stages = build_app(app, environments)
    assembly = synth_checked(app, outdir)
    return templates_of(assembly, {f"{env_name}/{stack_id}": stack for env_name, stage in stages.items()
                                   for stack_id, stack in stage.stacks.items()})


def only_provider(env: EnvironmentConfig, provider: str, *, opt_in_stacks: bool = True) -> EnvironmentConfig:
    """The environment with only its `provider` models and no knowledge bases (and, unless
    `opt_in_stacks`, no evaluation or sustainability stack), so other capabilities cannot
    decide a capability's tests."""
    update: dict[str, object] = {"knowledge_bases": {}}
    if not opt_in_stacks:
        update["evaluation"] = env.project.evaluation.model_copy(update={"enabled": False})
        update["sustainability"] = env.project.sustainability.model_copy(update={"enabled": False})
    models = {name: model for name, model in env.models.items() if model.provider == provider}
    return env.model_copy(update={"models": models, "project": env.project.model_copy(update=update)})


@pytest.fixture(scope="session")
def default_config() -> LoadedConfig:
    return load_validated(ROOT / "model_configs")


@pytest.fixture(scope="session")
def default_templates(default_config: LoadedConfig, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template]:
    """The bundled default config, every environment, synthesized once (with nag) per session."""
    return synth(default_config.environments.values(), tmp_path_factory.mktemp("cdk-default"))


@pytest.fixture
def synth_environment(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[EnvironmentConfig], dict[str, Template]]:
    """Synthesize one custom EnvironmentConfig (nag on, bundling off)."""

    def _synth(env: EnvironmentConfig) -> dict[str, Template]:
        return {key.split("/", 1)[1]: t for key, t in synth([env], tmp_path_factory.mktemp("cdk")).items()}

    return _synth
