"""How embedding calls are retried, and what a failure that outlasts the retries means.

Two layers, each owning a distinct kind of failure, with one attempt budget
(`EMBEDDING_MAX_ATTEMPTS`) and one backoff curve (full jitter, doubling from 1 s, capped at
20 s — botocore's standard mode):

- **AWS said no** (throttling, HTTP 5xx, timeouts, dropped connections): botocore's own
  `standard` retry mode on the client (`aws_client_config`). It knows every service's
  throttling codes and modeled retryable errors, and keeps a retry quota per client.
- **The model said no, through a successful AWS call**: Bedrock's `ModelTimeoutException`,
  or a SageMaker `ModelError` whose container answered 429 or 5xx (a busy TEI). AWS models
  these as client errors, so botocore does not retry them; `call_model` does, with tenacity.

Whatever is left is mapped to the error taxonomy: input the model rejects becomes
`EmbeddingRejected` (permanent: dead-lettered), a failure that outlasted the retries becomes
`EmbeddingUnavailable` (transient: SQS redelivers the message later).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from .errors import EmbeddingRejected, EmbeddingUnavailable

T = TypeVar("T")

MAX_BACKOFF_S = 20.0
"""Cap of one backoff delay, as in botocore's standard retry mode."""

UNAVAILABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "ModelNotReadyException",
        "ModelTimeoutException",
        "InternalServerException",
        "InternalFailure",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
"""Error codes that mean "not now" once botocore (or `call_model`) gave up retrying them."""
REJECTED_CODES = frozenset({"ValidationException", "ValidationError"})
RETRYABLE_MODEL_STATUS = frozenset({429, 502, 503, 504})

Verdict = Literal["reject", "unavailable", "raise"]


def aws_client_config(max_attempts: int) -> Any:
    """botocore client config: standard retry mode with `max_attempts` attempts in total."""
    from botocore.config import Config

    return Config(retries={"mode": "standard", "total_max_attempts": max_attempts}, read_timeout=60,
                  connect_timeout=10)


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def describe(exc: BaseException) -> str:
    code = error_code(exc)
    return f"{code}: {exc}" if code else f"{type(exc).__name__}: {exc}"


def _model_status(exc: BaseException) -> int | None:
    """The status the model container answered with, when AWS reports a `ModelError`."""
    if error_code(exc) != "ModelError":
        return None
    status = getattr(exc, "response", {}).get("OriginalStatusCode")
    return status if isinstance(status, int) else 0


def is_model_retryable(exc: BaseException) -> bool:
    """A model-side failure worth another attempt (botocore leaves these alone)."""
    if error_code(exc) == "ModelTimeoutException":
        return True
    status = _model_status(exc)
    return status is not None and (status in RETRYABLE_MODEL_STATUS or not 400 <= status < 500)


def verdict(exc: BaseException) -> Verdict:
    """What a failure means once no retry is left."""
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import ReadTimeoutError

    if isinstance(exc, BotoConnectionError | ReadTimeoutError):
        return "unavailable"
    code = error_code(exc)
    if code in UNAVAILABLE_CODES:
        return "unavailable"
    if code in REJECTED_CODES:
        return "reject"
    if code == "ModelError":
        return "unavailable" if is_model_retryable(exc) else "reject"
    return "raise"


def call_model(call: Callable[[], T], *, what: str, max_attempts: int,
               sleep: Callable[[float], None] = time.sleep) -> T:
    """Run one embedding request: retry model-side failures, then map what is left."""
    retrying = Retrying(
        retry=retry_if_exception(is_model_retryable),
        stop=stop_after_attempt(max_attempts),
        wait=wait_random_exponential(multiplier=1, max=MAX_BACKOFF_S),
        sleep=sleep,
        reraise=True,
    )
    try:
        return retrying(call)
    except Exception as exc:
        outcome = verdict(exc)
        if outcome == "reject":
            raise EmbeddingRejected(f"{what} rejected the input: {describe(exc)}") from exc
        if outcome == "unavailable":
            raise EmbeddingUnavailable(f"{what} still unavailable after retries: {describe(exc)}") from exc
        raise
