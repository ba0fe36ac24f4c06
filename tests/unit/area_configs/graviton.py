"""Graviton model files and the problem helpers of the Graviton field and rule tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from fmkit.config import ConfigError
from tests.helpers import load

MODEL = """\
provider: ec2-graviton
instance_type: {instance_type}
model:
  hf:
    repo: bartowski/Llama-3.2-3B-Instruct-GGUF
    file: Llama-3.2-3B-Instruct-Q4_0.gguf
    revision: 0123456789abcdef0123456789abcdef01234567
  size_gib: {size}
  quantization: Q4_0
{extra}"""

Problem = tuple[str, str, str | None]


def model_yaml(instance_type: str = "c7g.xlarge", size: float = 1.8, extra: str = "") -> str:
    return MODEL.format(instance_type=instance_type, size=size, extra=extra)


def errors(tmp_path: Path, files: Mapping[str, str | None]) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, dict(files))
    return [(p.location.display(tmp_path), p.message, p.hint) for p in info.value.errors]


def only(found: list[Problem]) -> Problem:
    assert len(found) == 1, found
    return found[0]
