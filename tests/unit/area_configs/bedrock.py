"""Bedrock model files and the problem helpers of the Bedrock field and rule tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config import ConfigError, ConfigProblem
from tests.helpers import load

NOVA = "amazon.nova-lite-v1:0"


def model(body: str) -> str:
    return "provider: bedrock\n" + body.strip("\n") + "\n"


def problems(tmp_path: Path, files: dict[str, str | None]) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, files)
    return info.value.problems


def only(tmp_path: Path, files: dict[str, str | None]) -> tuple[str, str, str | None, str | None]:
    found = problems(tmp_path, files)
    assert len(found) == 1, [p.format() for p in found]
    p = found[0]
    return p.location.display(tmp_path), p.message, p.hint, p.rule
