"""Names shared by stacks (which publish) and tools like `fmkit eval` (which read)."""

from __future__ import annotations


def parameter_name(project: str, env: str, deployment: str) -> str:
    """SSM parameter holding a deployment's endpoint JSON (see docs/contributing.md)."""
    return f"/fmkit/{project}/{env}/models/{deployment}/endpoint"


def knowledge_parameter_name(project: str, env: str, knowledge_base: str) -> str:
    return f"/fmkit/{project}/{env}/knowledge/{knowledge_base}/query"
