"""Every function the stacks deploy has a settings contract in fmkit.contracts, and its
synthesized environment parses as that contract — so a renamed or missing variable fails here,
not at a cold start.

Functions built with `PythonFunction` map to their contract by asset and entry point (the
`lambda/` folder and handler); functions CDK builds for itself (the provider framework, its
singleton custom resources) are listed with the variables CDK gives them. A function that is
neither fails the test. Synthesized: the default config, plus a pgvector knowledge base (the
schema job's functions) and the customization example (the workflow's functions). CloudFormation tokens in
values become placeholders.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from pydantic import BaseModel

from fmkit.config import EnvironmentConfig
from fmkit.contracts.bedrock import BedrockLoggingSettings
from fmkit.contracts.customization import CustomizationRegistrySettings, CustomizationSettings
from fmkit.contracts.evaluation import EvaluationSettings
from fmkit.contracts.functions import FunctionSettings
from fmkit.contracts.graviton import GravitonArtifactsSettings
from fmkit.contracts.knowledge import KnowledgeSettings
from fmkit.validate import load_validated
from stacks.app_builder import build_app
from stacks.common.python_lambda import PythonFunction
from tests.helpers import load_env
from tests.infra.conftest import ROOT, new_app

# (lambda/ folder, handler) → the settings model its environment must parse as.
CONTRACTS: dict[tuple[str, str], type[BaseModel]] = {
    ("evaluate", "prepare.handler"): EvaluationSettings,
    ("evaluate", "evaluate.handler"): EvaluationSettings,
    ("evaluate", "summarize.handler"): EvaluationSettings,
    ("ingest", "handler.handler"): KnowledgeSettings,
    ("ingest", "bulk.handler"): KnowledgeSettings,
    ("ingest", "bulk.index_handler"): KnowledgeSettings,  # pgvector bulk loads: begin, then build the index
    ("query", "handler.handler"): KnowledgeSettings,
    ("knowledge_index", "handler.is_complete"): KnowledgeSettings,
    ("knowledge_index", "handler.on_event"): FunctionSettings,  # only names the resource
    ("bedrock_logging", "handler.handler"): BedrockLoggingSettings,
    ("graviton_artifacts", "handler.on_event"): GravitonArtifactsSettings,
    ("graviton_artifacts", "handler.is_complete"): GravitonArtifactsSettings,
    **{("customize", f"{step}.handler"): CustomizationSettings
       for step in ("validate", "register", "serve", "answer", "decide", "publish")},
    ("customize_registry", "handler.on_event"): CustomizationRegistrySettings,
}
# Functions CDK writes itself, by handler → the variables CDK sets (its contract, not ours).
PROVIDER_FRAMEWORK = frozenset({"USER_ON_EVENT_FUNCTION_ARN", "USER_IS_COMPLETE_FUNCTION_ARN",
                                "WAITER_STATE_MACHINE_ARN"})
CDK_OWNED: dict[str, frozenset[str]] = {
    "framework.onEvent": PROVIDER_FRAMEWORK,  # custom_resources.Provider
    "framework.isComplete": PROVIDER_FRAMEWORK,
    "framework.onTimeout": PROVIDER_FRAMEWORK,
    "index.handler": frozenset(),  # custom_resources.AwsCustomResource's singleton
    "__entrypoint__.handler": frozenset(),  # CustomResourceProvider (e.g. the VPC's default-SG cleanup)
}
PGVECTOR_KB: dict[str, str | None] = {
    "project.yaml": """
        name: demo
        owner: team@example.com
        cost_center: CC-1
        knowledge_bases:
          docs: {vector_store: aurora-pgvector, aurora: {min_capacity: 0, max_capacity: 2}}
    """,
}


def variables(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(field.alias for field in model.model_fields.values() if field.alias)


def placeholders(environment: Mapping[str, Any]) -> dict[str, str]:
    """Tokens (Ref, Fn::GetAtt, Fn::Join…) become a string of the kind a deploy would resolve."""
    return {name: value if isinstance(value, str) else "token-placeholder" for name, value in environment.items()}


def contract_problems(model: type[BaseModel], environment: Mapping[str, str]) -> list[str]:
    """Why `environment` does not satisfy `model` (plus the common function settings)."""
    problems = [f"unknown variable {name}" for name in sorted(
        set(environment) - variables(model) - FunctionSettings.variables())]
    parsers: list[type[BaseModel]] = [model] if model is FunctionSettings else [model, FunctionSettings]
    for parser in parsers:
        try:
            parser.from_environment(environment)  # type: ignore[attr-defined]
        except ValueError as exc:  # pydantic's ValidationError and the contracts' SettingsError
            problems.append(f"{parser.__name__}: {exc}")
    return problems


def synthesized_functions(environments: list[EnvironmentConfig], outdir: Path) -> Iterator[
        tuple[str, PythonFunction | None, dict[str, Any]]]:
    """(stack/logical id, the PythonFunction behind it or None, its properties) of every function."""
    app = new_app(outdir)
    stages = build_app(app, environments)
    assembly = app.synth()
    for stage in stages.values():
        for stack in stage.stacks.values():
            ours = {stack.resolve(stack.get_logical_id(fn.function.node.default_child)): fn  # type: ignore[arg-type]
                    for fn in stack.node.find_all() if isinstance(fn, PythonFunction)}
            template = assembly.get_stack_artifact(stack.artifact_id).template
            for logical_id, resource in template["Resources"].items():
                if resource["Type"] == "AWS::Lambda::Function":
                    yield f"{stack.node.path}/{logical_id}", ours.get(logical_id), resource["Properties"]


@pytest.fixture(scope="module")
def functions(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, PythonFunction | None, dict[str, Any]]]:
    default = list(load_validated(ROOT / "model_configs").environments.values())
    pgvector = load_env(tmp_path_factory.mktemp("cfg-pgvector"), PGVECTOR_KB)
    found = list(synthesized_functions(default, tmp_path_factory.mktemp("cdk-default")))
    found += synthesized_functions([pgvector], tmp_path_factory.mktemp("cdk-pgvector"))
    customization = list(load_validated(ROOT / "examples" / "configs" / "customization").environments.values())
    found += synthesized_functions(customization, tmp_path_factory.mktemp("cdk-customization"))
    return found


def function_problems(ours: PythonFunction | None, props: Mapping[str, Any]) -> list[str]:
    """Why a synthesized function's environment does not satisfy its contract (none: it does)."""
    environment = placeholders(props.get("Environment", {}).get("Variables", {}))
    if ours is None:
        expected = CDK_OWNED.get(props["Handler"])
        if expected is None:
            return [f"no contract for {props['Handler']} (neither a PythonFunction nor CDK's own)"]
        return [f"CDK's function has unexpected variable {name}" for name in sorted(set(environment) - expected)]
    model = CONTRACTS.get((ours.entry, ours.handler))
    if model is None:
        return [f"lambda/{ours.entry} {ours.handler} has no contract in fmkit.contracts"]
    return [f"{ours.entry} {ours.handler}: {problem}" for problem in contract_problems(model, environment)]


def test_every_function_has_a_contract_and_its_environment_parses(
        functions: list[tuple[str, PythonFunction | None, dict[str, Any]]]) -> None:
    failures = [f"{where}: {problem}" for where, ours, props in functions for problem in function_problems(ours, props)]
    assert not failures, "\n".join(failures)


def test_every_kind_of_function_was_seen(functions: list[tuple[str, PythonFunction | None, dict[str, Any]]]) -> None:
    """The synthesized configs exercise every contract of the table (else the table hides a gap)."""
    seen = {(fn.entry, fn.handler) for _, fn, _ in functions if fn is not None}
    assert seen == set(CONTRACTS)
    assert {props["Handler"] for _, fn, props in functions if fn is None} <= set(CDK_OWNED)


def test_a_renamed_or_missing_variable_is_reported() -> None:
    environment = {"POWERTOOLS_SERVICE_NAME": "evaluate", "EVAL_BUCKETS": "b", "DATASET_BUCKET": "b",
                   "DATASET_KEY": "k", "FMKIT_PROJECT": "p", "FMKIT_ENVIRONMENT": "dev", "EVAL_MODELS": "[]"}
    problems = contract_problems(EvaluationSettings, environment)
    assert problems[0] == "unknown variable EVAL_BUCKETS"
    assert any("EVAL_BUCKET" in p and "EvaluationSettings" in p for p in problems[1:])
    assert contract_problems(BedrockLoggingSettings, {"POWERTOOLS_LOG_LEVEL": "INFO"})  # no service name
    assert contract_problems(KnowledgeSettings, {"POWERTOOLS_SERVICE_NAME": "query", "VECTOR_STORE": "qdrant"})
    assert function_problems(None, {"Handler": "app.main"}) == [
        "no contract for app.main (neither a PythonFunction nor CDK's own)"]
    assert function_problems(None, {"Handler": "framework.onEvent", "Environment": {"Variables": {"X": "1"}}}) == [
        "CDK's function has unexpected variable X"]


def test_the_tokens_of_a_stack_become_placeholders() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    token = stack.resolve(cdk.Fn.ref("Bucket"))
    assert placeholders({"A": "a", "B": token}) == {"A": "a", "B": "token-placeholder"}
