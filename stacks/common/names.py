"""Deterministic names derived from config: length-safe physical names and PascalCase ids."""

from __future__ import annotations

import hashlib
import re


def bounded_name(*parts: str, max_length: int) -> str:
    """Join parts with '-', squeeze repeated '-', and shorten with a content hash if too long.

    Clients and IAM policies refer to these names, so they come from config (stable across
    synths) rather than from CloudFormation.
    """
    name = re.sub(r"-{2,}", "-", "-".join(p.strip("-") for p in parts if p))
    if len(name) <= max_length:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: max_length - 9].rstrip('-')}-{digest}"


def pascal(name: str) -> str:
    """`qwen-chat` → `QwenChat` (for construct ids, logical ids and output names)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)
