"""Property tests: whatever a user does to a valid config, the loader answers with a
ConfigError (or a valid config) — never any other exception."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from fmkit.config import ConfigError
from fmkit.validate import load_validated

ROOT = Path(__file__).resolve().parents[3]
DEFAULT = ROOT / "model_configs"

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**13), 10**13), st.floats(allow_nan=False),
    st.text(max_size=30), st.sampled_from(["eu-west-1", "111111111111", "bedrock", "dev", "", "*"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(min_size=1, max_size=12), inner, max_size=3)),
    max_leaves=8)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(data: Any, path: tuple, action: str, value: Any, key: str) -> Any:
    if not path:
        return value if action == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete" and isinstance(parent, dict):
        del parent[last]
    elif action == "add" and isinstance(parent[last], dict):
        parent[last][key] = value
    return data


def _config_files() -> list[Path]:
    return sorted(p for p in DEFAULT.rglob("*.yaml"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    file_index=st.integers(min_value=0, max_value=100),
    path_index=st.integers(min_value=0, max_value=1000),
    action=st.sampled_from(["replace", "delete", "add"]),
    value=values,
    key=st.text(min_size=1, max_size=12),
)
def test_random_structural_mutations_only_raise_config_error(
    file_index: int, path_index: int, action: str, value: Any, key: str
) -> None:
    files = _config_files()
    target_rel = files[file_index % len(files)].relative_to(DEFAULT)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cfg"
        shutil.copytree(DEFAULT, root)
        yaml = YAML(typ="safe", pure=True)
        target = root / target_rel
        data = yaml.load(target.read_text()) or {}
        paths = _paths(data)
        data = _mutate(data, paths[path_index % len(paths)], action, value, key)
        with target.open("w") as handle:
            yaml.dump(data, handle)
        try:
            load_validated(root)
        except ConfigError as exc:
            assert exc.problems
            assert all(p.location.line >= 1 and p.location.col >= 1 for p in exc.problems)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200), file_index=st.integers(min_value=0, max_value=100))
def test_random_text_in_a_config_file_only_raises_config_error(text: str, file_index: int) -> None:
    files = _config_files()
    target_rel = files[file_index % len(files)].relative_to(DEFAULT)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cfg"
        shutil.copytree(DEFAULT, root)
        (root / target_rel).write_text(text)
        try:
            load_validated(root)
        except ConfigError as exc:
            assert exc.problems
