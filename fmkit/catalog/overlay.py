"""A project's own catalog entries (`model_configs/catalog/*.yaml`), layered over the shipped catalogs.

A model AWS released after the catalog's `retrieved` date is a fact the team records, not a typo:
the loader validates each entry file and activates the set here; every catalog accessor
(Bedrock models, JumpStart models, model cards) then answers from shipped ∪ overlay, so
validate, plan, `fmkit models` and synth all see the same facts. The overlay in effect is the
one of the config loaded last (one config directory per process in practice); activating a new
one clears the caches derived from the old.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Overlay:
    """Validated rows by catalog: `cards[id]`, `bedrock[model_id]`, `jumpstart[model_id]` (raw dicts)."""

    root: Path | None = None
    cards: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    bedrock: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    jumpstart: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    files: Mapping[str, Path] = field(default_factory=dict)  # card id -> the file that defined it

    def __bool__(self) -> bool:
        return bool(self.cards or self.bedrock or self.jumpstart)


EMPTY = Overlay()
_state: dict[str, Overlay] = {"current": EMPTY}
_listeners: list[Callable[[], None]] = []


def current() -> Overlay:
    return _state["current"]


def activate(overlay: Overlay) -> None:
    """Make `overlay` the project entries in effect (EMPTY to go back to the shipped catalogs)."""
    frozen = Overlay(overlay.root, MappingProxyType(dict(overlay.cards)), MappingProxyType(dict(overlay.bedrock)),
                     MappingProxyType(dict(overlay.jumpstart)), MappingProxyType(dict(overlay.files)))
    if frozen == _state["current"]:
        return
    _state["current"] = frozen
    for listener in _listeners:
        listener()


def on_change(listener: Callable[[], None]) -> Callable[[], None]:
    """Register a cache's `cache_clear` (or any callable) to run when the overlay changes."""
    _listeners.append(listener)
    return listener
