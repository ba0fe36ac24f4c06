"""The semantic rules layer: checks that need catalogs, estimates and the resolved environment.

It sits above `fmkit.config` (schema and loader) and `fmkit.estimate`, so the loader takes the
rules as a parameter instead of importing them. Importing this package registers every rule
module (add one import line per area); `load_validated` is what the CLI, `app.py` and the
tests call to load a config the way `fmkit validate` checks it.
"""

from __future__ import annotations

from pathlib import Path

from fmkit.config.loader import LoadedConfig, load_config
from fmkit.validate import (
    bedrock,  # noqa: F401
    carbon,  # noqa: F401
    common,  # noqa: F401
    customization,  # noqa: F401
    evaluation,  # noqa: F401
    graviton,  # noqa: F401
    knowledge,  # noqa: F401
    licensing,  # noqa: F401
    sagemaker,  # noqa: F401
)
from fmkit.validate.registry import RULES, Finding, rule, run_rules

__all__ = ["RULES", "Finding", "load_validated", "rule", "run_rules"]


def load_validated(root: Path | str) -> LoadedConfig:
    """Load every environment under `root` and run every rule on each (raises `ConfigError`)."""
    return load_config(root, rules=run_rules)
