"""Cold-start wiring shared by the entry points: boto3 clients and the customization's settings.

Clients are created once per execution environment and reused while it is warm; the settings
are the stack's `CustomizationSettings`, parsed from the environment it rendered them into.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3

from fmkit.contracts.customization import CustomizationSettings


@cache
def client(service: str) -> Any:
    session: Any = boto3.session.Session()  # Any: the service name is only known at run time
    return session.client(service)


@cache
def regional_client(service: str, region: str) -> Any:
    session: Any = boto3.session.Session()
    return session.client(service, region_name=region)


def settings() -> CustomizationSettings:
    return CustomizationSettings.from_environment(os.environ)
