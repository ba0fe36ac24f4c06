"""A dev environment with `project.evaluation` and two models, and the problem helper of its tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config import ConfigError
from tests.helpers import load

NOVA = "provider: bedrock\nmodel_id: amazon.nova-lite-v1:0\ncross_region: geo\n"
EMBED = "provider: bedrock\nmodel_id: amazon.titan-embed-text-v2:0\n"
DEV = """
    account: "111111111111"
    region: eu-west-1
    project:
      evaluation:
{body}
"""
MODELS = {"models/nova.yaml": NOVA, "models/embed.yaml": EMBED}


def files(body: str, **extra: str | None) -> dict[str, str | None]:
    indented = "\n".join("        " + line for line in body.strip("\n").splitlines())
    return {"environments/dev.yaml": DEV.format(body=indented), **MODELS, **extra}


def problems(tmp_path: Path, body: str, **extra: str | None) -> list[tuple[str, str, str | None, str | None]]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, files(body, **extra))
    return [(p.location.display(tmp_path), p.message, p.hint, p.rule) for p in info.value.problems]
