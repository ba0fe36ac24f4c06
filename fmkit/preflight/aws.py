"""Clients per region from one boto3 session, and the one place AWS errors are classified."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
)

from fmkit.preflight.report import CannotCheck

T = TypeVar("T")
CREDENTIAL_CODES = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
                    "SignatureDoesNotMatch", "InvalidSignatureException"}
DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=20)


class Clients:
    """`clients.get("bedrock", "eu-west-1")`, cached; any boto3-compatible session works (tests pass moto's)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self._get = cache(self._make)

    def _make(self, service: str, region: str) -> Any:
        return self.session.client(service, region_name=region, config=_CONFIG)

    def get(self, service: str, region: str) -> Any:
        return self._get(service, region)


class Denied(Exception):
    """The credentials work but may not make this call: that check is unknown, not failed."""


class Unreachable(Exception):
    """The service has no endpoint in that region (or the network is down)."""


def call(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Run one AWS call; credential problems become CannotCheck, permission problems Denied."""
    try:
        return fn(**kwargs)
    except (NoCredentialsError, PartialCredentialsError) as exc:
        raise CannotCheck("no AWS credentials found: set AWS_PROFILE or the AWS_* variables, then run again") from exc
    except EndpointConnectionError as exc:
        raise Unreachable(str(exc)) from exc
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in CREDENTIAL_CODES:
            raise CannotCheck(f"the AWS credentials were refused ({code}): refresh them, then run again") from exc
        if code in DENIED_CODES:
            raise Denied(f"{code}: {exc.response.get('Error', {}).get('Message', '')}") from exc
        raise
    except BotoCoreError as exc:  # e.g. a profile that does not exist
        raise CannotCheck(f"cannot use the AWS credentials: {exc}") from exc
