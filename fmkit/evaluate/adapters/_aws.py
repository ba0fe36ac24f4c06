"""Turn botocore exceptions into `InvocationError`s, shared by the Bedrock and SageMaker adapters.

boto3's own retries are switched off on the clients we create (`client_config`): retrying in
one place keeps the attempt count and back-off visible in the results.
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from fmkit.evaluate.adapters.base import InvocationError

# Error codes compared lower-cased: event-stream errors use camelCase (throttlingException).
_THROTTLED = {"throttlingexception", "throttling", "toomanyrequestsexception", "requestlimitexceeded"}
_RETRYABLE_SERVER = {
    "serviceunavailableexception",
    "serviceunavailable",
    "internalserverexception",
    "internalfailure",
    "internalservererror",
    "internaldependencyexception",
    "internalstreamfailure",
    "modelnotreadyexception",
}
_TIMEOUT = {"modeltimeoutexception", "requesttimeout", "requesttimeoutexception"}
_MODEL = {"modelerrorexception", "modelerror", "modelstreamerror", "modelstreamerrorexception"}


def client_config(timeout_s: float) -> Config:
    """botocore config for benchmark clients: our timeout, no SDK-level retries."""
    return Config(
        read_timeout=timeout_s,
        connect_timeout=min(10.0, timeout_s),
        retries={"total_max_attempts": 1, "mode": "standard"},
    )


def _status(response: dict[str, Any]) -> int | None:
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if isinstance(status, int) else None


def _model_error(message: str, response: dict[str, Any], status: int | None) -> InvocationError:
    """SageMaker's ModelError carries the container's own status: a TGI/LMI server that is
    overloaded answers 429/503, which is worth retrying like a throttle."""
    original = response.get("OriginalStatusCode", response.get("Error", {}).get("OriginalStatusCode"))
    try:
        original_status = int(original) if original is not None else None
    except (TypeError, ValueError):
        original_status = None
    if original_status == 429:
        return InvocationError("throttled", message, status=429, retryable=True)
    if original_status is not None and original_status >= 500:
        return InvocationError("server_error", message, status=original_status, retryable=True)
    return InvocationError("model_error", message, status=original_status or status)


def _client_error(exc: ClientError) -> InvocationError:
    response: dict[str, Any] = dict(exc.response)
    error = response.get("Error", {})
    code = str(error.get("Code", "")) or "Unknown"
    message = f"{code}: {error.get('Message', str(exc))}"
    status = _status(response)
    lowered = code.lower()
    if lowered in _THROTTLED or status == 429:
        return InvocationError("throttled", message, status=status or 429, retryable=True)
    if lowered in _TIMEOUT:
        return InvocationError("timeout", message, status=status)
    if lowered in _MODEL:
        return _model_error(message, response, status)
    if lowered in _RETRYABLE_SERVER or (status is not None and status >= 500):
        return InvocationError("server_error", message, status=status, retryable=True)
    return InvocationError("client_error", message, status=status)


def classify_aws_error(exc: BotoCoreError | ClientError) -> InvocationError:
    if isinstance(exc, ClientError):
        return _client_error(exc)
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError):
        return InvocationError("timeout", f"{type(exc).__name__}: {exc}")
    if isinstance(exc, EndpointConnectionError | ConnectionClosedError | ResponseStreamingError):
        return InvocationError("connection", f"{type(exc).__name__}: {exc}")
    # NoCredentialsError, ParamValidationError, ...: retrying cannot help.
    return InvocationError("client_error", f"{type(exc).__name__}: {exc}")
