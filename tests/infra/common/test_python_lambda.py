"""PythonFunction alone: arm64, its own encrypted log group with the given retention, the
Powertools variables, active tracing, and a role that may only decrypt with the key; its code
asset and dependency layers keep their hashes across syntheses and change with the code or lock."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from stacks.common import lambda_bundles
from stacks.common.lambda_bundles import layers_for
from stacks.common.lambda_layout import LAMBDA_ROOT
from stacks.common.python_lambda import PythonFunction
from tests.infra.constructs import bare_stack


def test_function_logs_encrypted_and_its_role_only_decrypts() -> None:
    stack = bare_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    PythonFunction(stack, "Fn", entry="bedrock_logging", key=key, log_retention=logs.RetentionDays.ONE_WEEK,
                   environment={"EXTRA": "1"})
    template = Template.from_stack(stack)
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    props = function["Properties"]
    assert props["Architectures"] == ["arm64"] and props["Handler"] == "handler.handler"
    assert props["Environment"]["Variables"] == {"POWERTOOLS_SERVICE_NAME": "bedrock_logging",
                                                 "POWERTOOLS_LOG_LEVEL": "INFO", "EXTRA": "1"}
    assert props["KmsKeyArn"] == stack.resolve(key.key_arn) and props["TracingConfig"] == {"Mode": "Active"}
    (group,) = template.find_resources("AWS::Logs::LogGroup").values()
    assert group["Properties"]["RetentionInDays"] == 7
    assert group["Properties"]["KmsKeyId"] == stack.resolve(key.key_arn)
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    kms_actions = [s["Action"] for s in policy["Properties"]["PolicyDocument"]["Statement"]
                   if "kms" in str(s["Action"])]
    assert kms_actions == ["kms:Decrypt"]  # reads its encrypted environment; never re-encrypts


# --------------------------------------------------------------------------- assets: code and dependency layers


def assets_of(stack_template: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(code asset key, [layer asset keys]) of the one function of a template."""
    resources = stack_template["Resources"]
    (function,) = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    layers = {logical_id: r for logical_id, r in resources.items() if r["Type"] == "AWS::Lambda::LayerVersion"}
    used = [ref["Ref"] for ref in function["Properties"].get("Layers", [])]
    assert sorted(used) == sorted(layers)
    return function["Properties"]["Code"]["S3Key"], [layers[i]["Properties"]["Content"]["S3Key"] for i in used]


def synth_function(entry: str) -> tuple[str, list[str]]:
    stack = bare_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    PythonFunction(stack, "Fn", entry=entry, key=key, log_retention=logs.RetentionDays.ONE_WEEK)
    return assets_of(Template.from_stack(stack).to_json())


@pytest.fixture
def lambda_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A lambda/ folder of one function `fn` whose lock is bedrock_logging's (fetched by make lambda-deps)."""
    root = tmp_path / "lambda"
    (root / "fn").mkdir(parents=True)
    (root / "fn" / "handler.py").write_text("def handler(event, context):\n    return 1\n")
    shutil.copy(LAMBDA_ROOT / "bedrock_logging" / "requirements.lock", root / "fn" / "requirements.lock")
    monkeypatch.setattr(lambda_bundles, "LAMBDA_ROOT", root)
    monkeypatch.setattr(lambda_bundles, "BUNDLE_ROOT", tmp_path / "bundles")
    return root


def test_asset_hashes_are_stable_and_follow_the_code_and_the_lock(lambda_root: Path) -> None:
    code, layers = synth_function("fn")
    assert layers and synth_function("fn") == (code, layers)  # two syntheses, the same assets

    (lambda_root / "fn" / "handler.py").write_text("def handler(event, context):\n    return 2\n")
    new_code, same_layers = synth_function("fn")
    assert new_code != code and same_layers == layers  # code changed: its asset only

    lock = lambda_root / "fn" / "requirements.lock"
    kept = [pin for pin in lambda_bundles.read_lock(lock) if pin.name != "jmespath"]  # one pin less
    lock.write_text("".join(pin.requirement + "\n" for pin in kept))
    same_code, new_layers = synth_function("fn")
    assert same_code == new_code and new_layers != layers  # lock changed: the layer only

    (lambda_root / "fn" / "README.md").write_text("notes")  # not shipped: no new asset
    assert synth_function("fn") == (new_code, new_layers)


def test_a_function_without_requirements_has_no_layer(lambda_root: Path) -> None:
    (lambda_root / "fn" / "requirements.lock").unlink()
    assert synth_function("fn")[1] == []


def test_functions_pinning_the_same_heavy_distribution_share_its_layer() -> None:
    ingest, query = layers_for("ingest"), layers_for("query")
    shared = {layer.hash for layer in ingest} & {layer.hash for layer in query}
    assert {pin.name for layer in ingest + query if layer.hash in shared for pin in layer.pins} == {"psycopg-binary"}
    evaluate = layers_for("evaluate")
    assert [layer.pins[0].name for layer in evaluate if len(layer.pins) == 1] == ["lxml", "numpy"]
    stack = bare_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    for name, entry in (("Ingest", "ingest"), ("Query", "query")):
        PythonFunction(stack, name, entry=entry, key=key, log_retention=logs.RetentionDays.ONE_WEEK)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::LayerVersion", len({layer.hash for layer in ingest + query}))
