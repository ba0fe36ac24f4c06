"""Build throwaway config directories from YAML strings (for loader, rule and infra tests)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

from fmkit.config import EnvironmentConfig, LoadedConfig
from fmkit.validate import load_validated

BASE_FILES = {
    "project.yaml": """
        name: demo
        owner: team@example.com
        cost_center: CC-1
    """,
    "environments/dev.yaml": """
        account: "111111111111"
        region: eu-west-1
    """,
}


def write_config(root: Path, files: Mapping[str, str | None], *, base: bool = True) -> Path:
    """Write BASE_FILES (unless base=False) updated with `files` (None deletes a base file)."""
    merged: dict[str, str | None] = {**(BASE_FILES if base else {}), **files}
    for relative, text in merged.items():
        if text is None:
            continue
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def load(root: Path, files: Mapping[str, str | None], *, base: bool = True) -> LoadedConfig:
    return load_validated(write_config(root, files, base=base))


def load_env(root: Path, files: Mapping[str, str | None], env: str = "dev") -> EnvironmentConfig:
    return load(root, files).environment(env)
