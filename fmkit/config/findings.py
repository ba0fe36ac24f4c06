"""What a semantic check reports to the loader, and the shape of a set of such checks.

The checks themselves live above this layer (`fmkit.validate`: they need catalogs, estimates
and the resolved environment). The loader only needs this shape to place each finding at the
`file:line:col` of whichever file set the value, so it takes the checks as a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from fmkit.config.environment import EnvironmentConfig

DocPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """A problem at `path` in the resolved environment document, e.g. `("models", "llama", "instance_type")`."""

    path: DocPath
    message: str
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"


RuleSet = Callable[[EnvironmentConfig], Iterable[tuple[str, Finding]]]
"""Runs every check on one resolved environment, yielding (rule id, finding)."""
