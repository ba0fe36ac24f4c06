"""Physical names within Bedrock's length and character limits, stable across synths."""

from __future__ import annotations

import hashlib
import re


def bounded_name(*parts: str, max_length: int) -> str:
    """Join parts with '-', squeeze repeated '-', and shorten with a content hash if too long."""
    name = re.sub(r"-{2,}", "-", "-".join(p.strip("-") for p in parts if p))
    if len(name) <= max_length:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: max_length - 9].rstrip('-')}-{digest}"
