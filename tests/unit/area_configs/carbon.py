"""A project with a carbon policy (for the carbon-policy field and rule tests)."""

from __future__ import annotations


def project(policy: str) -> str:
    return f"""
        name: demo
        owner: team@example.com
        cost_center: CC-1
        carbon_policy: {policy}
    """
