"""SSM names and ARNs shared by stacks (which publish and grant) and tools like `fmkit eval` (which read)."""

from __future__ import annotations


def parameter_name(project: str, env: str, deployment: str) -> str:
    """SSM parameter holding a deployment's endpoint JSON (see docs/contributing.md)."""
    return f"/fmkit/{project}/{env}/models/{deployment}/endpoint"


def knowledge_parameter_name(project: str, env: str, knowledge_base: str) -> str:
    return f"/fmkit/{project}/{env}/knowledge/{knowledge_base}/query"


def parameter_arn(name: str, *, partition: str, region: str, account: str) -> str:
    """IAM resource ARN of SSM parameter `name`: a hierarchical name keeps its leading '/' after
    `parameter` (`arn:aws:ssm:eu-west-1:111111111111:parameter/fmkit/…`), a flat one gets one."""
    path = name if name.startswith("/") else f"/{name}"
    return f"arn:{partition}:ssm:{region}:{account}:parameter{path}"
