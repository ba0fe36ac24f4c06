"""Naming: the three names constructs use, and the discovery parameters derived from them."""

from __future__ import annotations

from pathlib import Path

from stacks.common.naming import Naming
from tests.helpers import load_env


def test_naming_of_a_config_is_project_environment_and_prefix(tmp_path: Path) -> None:
    naming = Naming.of(load_env(tmp_path, {}))
    assert naming == Naming(project="demo", environment="dev", prefix="demo-dev")


def test_discovery_parameters_follow_the_contract() -> None:
    naming = Naming(project="demo", environment="prod", prefix="demo-prod")
    assert naming.endpoint_parameter("chat") == "/fmkit/demo/prod/models/chat/endpoint"
    assert naming.knowledge_parameter("docs") == "/fmkit/demo/prod/knowledge/docs/query"
