"""SageMaker model files and the problem helpers of the SageMaker field and rule tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config import ConfigError
from fmkit.config.errors import ConfigProblem
from tests.helpers import load

QWEN = "huggingface-llm-qwen2-5-7b-instruct"
BGE = "huggingface-sentencesimilarity-bge-large-en-v1-5"


def jumpstart(model_id: str = QWEN, instance: str = "ml.g5.2xlarge", extra: str = "") -> str:
    """A model file; line 3 is model_id, line 4 the instance type, `extra` starts at line 5."""
    return (f"provider: sagemaker\nsource:\n  jumpstart: {{model_id: {model_id}}}\n"
            f"instance_type: {instance}\n{extra}")


def container(source: str, extra: str = "", instance: str = "ml.g5.xlarge") -> str:
    """`source` is the flow mapping under container (line 3); instance type is line 4."""
    return f"provider: sagemaker\nsource:\n  container: {source}\ninstance_type: {instance}\n{extra}"


def errors(tmp_path: Path, model: str, env: str | None = None) -> list[ConfigProblem]:
    files: dict[str, str | None] = {"models/m.yaml": model}
    if env is not None:
        files["environments/dev.yaml"] = env
    with pytest.raises(ConfigError) as info:
        load(tmp_path, files)
    return info.value.errors


def only(problems: list[ConfigProblem], rule: str | None = None) -> ConfigProblem:
    matching = [p for p in problems if rule is None or p.rule == rule]
    assert len(matching) == 1, [p.format() for p in problems]
    assert matching[0].hint, "every SageMaker problem carries a hint"
    return matching[0]


def at(problem: ConfigProblem, file: str, line: int) -> None:
    assert problem.location.file.as_posix().endswith(file), problem.format()
    assert problem.location.line == line, problem.format()
