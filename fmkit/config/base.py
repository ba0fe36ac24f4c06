"""Shared pydantic base and field types for every config model.

Strict (unknown keys are errors, so typos never pass silently) and frozen (a resolved
config is a value: stacks cannot mutate what the plan and validate saw).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
# AWS tag limits: key ≤ 128, value ≤ 256, characters: letters, digits, spaces, _ . : / = + - @
TAG_CHARS_RE = re.compile(r"^[\w\s.:/=+\-@]*$", re.UNICODE)


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)


def config_error(message: str, hint: str | None = None) -> PydanticCustomError:
    """A validation error that carries a user-facing hint through pydantic to the CLI."""
    ctx: dict[str, Any] = {"hint": hint} if hint else {}
    # Braces would be read as template fields by pydantic-core.
    return PydanticCustomError("fmkit", message.replace("{", "(").replace("}", ")"), ctx)


def _check_name(value: str) -> str:
    if not NAME_RE.match(value):
        raise config_error(
            f"'{value}' is not a valid name",
            "use 1-40 characters: lowercase letters, digits and '-', starting with a letter",
        )
    return value


Name = Annotated[str, AfterValidator(_check_name)]


def check_tag_key(key: str) -> str:
    if not 1 <= len(key) <= 128:
        raise config_error(f"tag key '{key[:40]}' must be 1-128 characters long")
    if key.lower().startswith("aws:"):
        raise config_error(f"tag key '{key}' uses the reserved 'aws:' prefix", "pick another prefix")
    if not TAG_CHARS_RE.match(key):
        raise config_error(
            f"tag key '{key}' has characters AWS does not allow",
            "use letters, digits, spaces and _ . : / = + - @",
        )
    return key


def check_tag_value(value: str) -> str:
    if len(value) > 256:
        raise config_error(f"tag value '{value[:40]}…' is longer than 256 characters")
    if not TAG_CHARS_RE.match(value):
        raise config_error(
            f"tag value '{value}' has characters AWS does not allow",
            "use letters, digits, spaces and _ . : / = + - @",
        )
    return value


TagKey = Annotated[str, AfterValidator(check_tag_key)]
TagValue = Annotated[str, AfterValidator(check_tag_value)]
