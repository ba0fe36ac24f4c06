"""Cold-start wiring shared by the three entry points: boto3 clients and the settings.

Clients are created once per execution environment and reused while it is warm; the settings
are the stack's `EvaluationSettings`, parsed from the environment it rendered them into.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3

from fmkit.contracts.evaluation import EvaluationSettings


@cache
def client(service: str) -> Any:
    session: Any = boto3.session.Session()  # Any: the service name is only known at run time
    return session.client(service)


def settings() -> EvaluationSettings:
    return EvaluationSettings.from_environment(os.environ)
