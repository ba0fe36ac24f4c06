"""Every config field, at the top level and one level down (also inside maps of entries such as
knowledge_bases), rejects a wrong value with exit 2 at the file:line of that field — generated from
the models, so a field added later is covered too."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from fmkit.cli import app
from fmkit.config.deployments import BedrockDeployment, GravitonDeployment, SageMakerDeployment
from fmkit.config.environment import EnvironmentFile
from fmkit.config.project import ProjectConfig
from tests.helpers import write_config

runner = CliRunner()
BAD = "{zz_not_a_field: [1]}"  # a mapping with an unknown key and a list: no field accepts it

PROJECT = "name: demo\nowner: team@example.com\ncost_center: CC-1\n"
ENVIRONMENT = 'account: "111111111111"\nregion: eu-west-1\n'
BEDROCK = "provider: bedrock\nmodel_id: amazon.nova-lite-v1:0\ncross_region: geo\n"
SAGEMAKER = ("provider: sagemaker\nsource:\n  jumpstart:\n"
             "    model_id: huggingface-sentencesimilarity-bge-large-en-v1-5\n"
             "instance_type: ml.c6i.xlarge\nserverless:\n  memory_mb: 4096\n  max_concurrency: 10\n")
GRAVITON = ("provider: ec2-graviton\ninstance_type: c7g.xlarge\nmodel:\n  s3_uri: s3://models/llama.gguf\n"
            "  size_gib: 1.8\n  quantization: Q4_0\n")

# (file written, its valid base text, the model that validates it)
KINDS: list[tuple[str, str, type[BaseModel]]] = [
    ("project.yaml", PROJECT, ProjectConfig),
    ("environments/dev.yaml", ENVIRONMENT, EnvironmentFile),
    ("models/m.yaml", BEDROCK, BedrockDeployment),
    ("models/m.yaml", SAGEMAKER, SageMakerDeployment),
    ("models/m.yaml", GRAVITON, GravitonDeployment),
]
DISCRIMINATOR = {"provider"}  # a wrong provider is covered by test_loader_errors (unknown-provider)


def _single_model(annotation: Any) -> type[BaseModel] | None:
    """The model class behind `X` or `X | None` (not unions of several models, not containers)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _single_model(members[0])
    return None


def _map_value_model(annotation: Any) -> type[BaseModel] | None:
    """The model class of a `dict[str, Model]` field's values."""
    if get_origin(annotation) is dict:
        return _single_model(get_args(annotation)[1])
    return None


def _key(model: type[BaseModel], name: str) -> str:
    info = model.model_fields[name]
    return info.alias or name


def _cases() -> list[Any]:
    cases = []
    for file, base, model in KINDS:
        for name, info in model.model_fields.items():
            if name in DISCRIMINATOR:
                continue
            key = _key(model, name)
            cases.append(pytest.param(file, base, (key,), id=f"{model.__name__}.{key}"))
            nested = _single_model(info.annotation)
            entry = _map_value_model(info.annotation)
            if nested is not None:
                for sub in nested.model_fields:
                    if sub in DISCRIMINATOR:
                        continue
                    sub_key = _key(nested, sub)
                    cases.append(pytest.param(file, base, (key, sub_key), id=f"{model.__name__}.{key}.{sub_key}"))
            elif entry is not None:  # e.g. knowledge_bases: {docs: {...}}
                for sub in entry.model_fields:
                    sub_key = _key(entry, sub)
                    cases.append(pytest.param(file, base, (key, "docs", sub_key),
                                              id=f"{model.__name__}.{key}.docs.{sub_key}"))
    return cases


def _without_top_key(text: str, key: str) -> str:
    """Drop `key` (and its indented block) from a YAML text, so the bad value replaces it."""
    out, skipping = [], False
    for line in text.splitlines():
        if line.startswith(f"{key}:"):
            skipping = True
            continue
        if skipping and line.startswith("  "):
            continue
        skipping = False
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(("file", "base", "path"), _cases())
def test_wrong_value_is_reported_at_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file: str, base: str, path: tuple[str, ...]
) -> None:
    text = _without_top_key(base, path[0])
    for depth, key in enumerate(path):
        text += "  " * depth + f"{key}:" + (f" {BAD}\n" if depth == len(path) - 1 else "\n")
    expected_line = len(text.splitlines())
    config_dir = write_config(tmp_path / "cfg", {file: text})
    monkeypatch.chdir(config_dir)
    result = runner.invoke(app, ["validate", "--config-dir", "."])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    at = f"{file}:{expected_line}:"
    assert any(line.startswith(at) for line in result.output.splitlines()), (
        f"no problem reported at {at} for {'.'.join(path)}:\n{text}\n{result.output}")
