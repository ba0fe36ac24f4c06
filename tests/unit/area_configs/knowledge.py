"""A project with one knowledge base, and the problem helpers of the knowledge field and rule tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config import ConfigError
from tests.helpers import load

PROJECT = """
    name: demo
    owner: team@example.com
    cost_center: CC-1
    knowledge_bases:
      docs:
{body}
"""

Problem = tuple[str, str, str | None, str | None]


def kb_files(body: str, **extra: str) -> dict[str, str | None]:
    indented = "\n".join("        " + line for line in body.strip("\n").splitlines())
    return {"project.yaml": PROJECT.format(body=indented), **extra}


def problems(tmp_path: Path, body: str, **extra: str) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, kb_files(body, **extra))
    # Only what concerns knowledge bases: other areas' rules on helper model files are not ours.
    return [(p.location.display(tmp_path), p.message, p.hint, p.rule) for p in info.value.problems
            if p.location.display(tmp_path).startswith("project.yaml")]


def only(found: list[Problem]) -> Problem:
    assert len(found) == 1, found
    return found[0]
