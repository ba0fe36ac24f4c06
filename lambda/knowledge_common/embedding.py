"""Embedding adapters behind one small protocol.

* :class:`BedrockEmbedder` speaks the InvokeModel formats of Amazon Titan Text
  Embeddings v2 (one text per request, sent ``EMBEDDING_CONCURRENCY`` at a time) and
  Cohere Embed v3 (up to 96 texts per request, ``input_type`` search_document /
  search_query).
* :class:`SageMakerEmbedder` calls a SageMaker endpoint running Hugging Face Text
  Embeddings Inference (TEI): ``{"inputs": [...], "truncate": true}`` -> ``[[...], ...]``.
* :class:`HashEmbedder` is a deterministic, dependency-free double (feature hashing of
  word unigrams and bigrams, L2-normalised) for tests and benchmarks: texts that share
  words get similar vectors, so retrieval tests are meaningful.

Every remote call goes through :class:`RetryPolicy`: exponential backoff with full
jitter on throttling / unavailability, a bounded number of attempts, then
:class:`EmbeddingUnavailable` (transient: the message is retried by SQS). A validation
error from the model raises :class:`EmbeddingRejected` (permanent: dead-lettered).
The boto3 clients are created with botocore retries disabled so the budget is not
multiplied by the SDK's own retries.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import re
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from .errors import ConfigurationError, EmbeddingRejected, EmbeddingUnavailable

T = TypeVar("T")

RETRYABLE_CODES = frozenset(
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
REJECTED_CODES = frozenset({"ValidationException", "ValidationError"})


@runtime_checkable
class Embedder(Protocol):
    model_id: str
    dimensions: int

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


@dataclass
class RetryPolicy:
    """Bounded exponential backoff with full jitter (sleep ~ U(0, min(cap, base * 2**n)))."""

    max_attempts: int = 6
    base_delay: float = 0.25
    max_delay: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0.0, min(self.max_delay, self.base_delay * (2 ** (attempt - 1))))

    def run(self, call: Callable[[], T], classify: Callable[[BaseException], str], what: str) -> T:
        """Run ``call``; ``classify(exc)`` returns ``"retry"``, ``"reject"`` or ``"raise"``."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                return call()
            except Exception as exc:
                verdict = classify(exc)
                if verdict == "reject":
                    raise EmbeddingRejected(f"{what} rejected the input: {_describe(exc)}") from exc
                if verdict != "retry":
                    raise
                if attempt == self.max_attempts:
                    raise EmbeddingUnavailable(
                        f"{what} still unavailable after {attempt} attempts: {_describe(exc)}"
                    ) from exc
                self.sleep(self.delay(attempt))
        raise AssertionError("unreachable")  # pragma: no cover


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _describe(exc: BaseException) -> str:
    code = _error_code(exc)
    return f"{code}: {exc}" if code else f"{type(exc).__name__}: {exc}"


def classify_aws_error(exc: BaseException) -> str:
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import ReadTimeoutError

    if isinstance(exc, BotoConnectionError | ReadTimeoutError):
        return "retry"
    code = _error_code(exc)
    if code in RETRYABLE_CODES:
        return "retry"
    if code == "ModelError":
        status = getattr(exc, "response", {}).get("OriginalStatusCode")
        if status in (429, 502, 503, 504):
            return "retry"
        return "reject" if isinstance(status, int) and 400 <= status < 500 else "retry"
    if code in REJECTED_CODES:
        return "reject"
    return "raise"


def no_retry_config() -> Any:
    from botocore.config import Config

    return Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=60, connect_timeout=10)


def _check_vectors(vectors: list[list[float]], expected: int, dimensions: int, what: str) -> list[list[float]]:
    if len(vectors) != expected:
        raise EmbeddingUnavailable(f"{what} returned {len(vectors)} vectors for {expected} texts")
    for vector in vectors:
        if len(vector) != dimensions:
            raise ConfigurationError(
                f"{what} returned {len(vector)}-dimensional vectors but EMBEDDING_DIMENSIONS={dimensions}"
            )
    return vectors


def _batches(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


RequestFormat = Literal["titan-v2", "cohere-v3"]


def detect_format(model_id: str) -> RequestFormat:
    lowered = model_id.lower()
    if "titan-embed-text-v2" in lowered:
        return "titan-v2"
    if "cohere.embed" in lowered:
        return "cohere-v3"
    raise ConfigurationError(
        f"cannot infer the request format of {model_id!r}; set EMBEDDING_REQUEST_FORMAT to titan-v2 or cohere-v3"
    )


class BedrockEmbedder:
    """Titan Text Embeddings v2 / Cohere Embed v3 on Amazon Bedrock (InvokeModel)."""

    COHERE_MAX_BATCH = 96

    def __init__(
        self,
        *,
        model_id: str,
        dimensions: int,
        request_format: RequestFormat | Literal["auto"] = "auto",
        client: Any | None = None,
        batch_size: int = 32,
        concurrency: int = 4,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.model_id = model_id
        self.dimensions = dimensions
        self.format: RequestFormat = detect_format(model_id) if request_format == "auto" else request_format
        if self.format == "titan-v2" and dimensions not in (256, 512, 1024):
            raise ConfigurationError("Titan Text Embeddings v2 needs EMBEDDING_DIMENSIONS 256, 512 or 1024")
        if self.format == "cohere-v3" and dimensions != 1024:
            raise ConfigurationError("Cohere Embed v3 returns 1024 dimensions; set EMBEDDING_DIMENSIONS=1024")
        if client is None:
            import boto3

            client = boto3.client("bedrock-runtime", config=no_retry_config())
        self.client = client
        self.batch_size = max(1, min(batch_size, self.COHERE_MAX_BATCH))
        self.concurrency = max(1, concurrency)
        self.retry = retry or RetryPolicy()

    def _invoke(self, body: dict[str, Any]) -> dict[str, Any]:
        def call() -> dict[str, Any]:
            response = self.client.invoke_model(
                modelId=self.model_id,
                body=json.dumps(body),
                contentType="application/json",
                accept="application/json",
            )
            payload = response["body"].read()
            return dict(json.loads(payload))

        return self.retry.run(call, classify_aws_error, f"Bedrock model {self.model_id}")

    def _titan(self, text: str) -> list[float]:
        payload = self._invoke({"inputText": text, "dimensions": self.dimensions, "normalize": True})
        vector = payload.get("embedding")
        if vector is None:
            vector = payload.get("embeddingsByType", {}).get("float")
        if not isinstance(vector, list):
            raise EmbeddingUnavailable(f"unexpected Titan response keys: {sorted(payload)}")
        return [float(v) for v in vector]

    def _cohere(self, texts: Sequence[str], input_type: str) -> list[list[float]]:
        payload = self._invoke(
            {"texts": list(texts), "input_type": input_type, "truncate": "END", "embedding_types": ["float"]}
        )
        embeddings = payload.get("embeddings")
        if isinstance(embeddings, dict):  # response_type "embeddings_by_type"
            embeddings = embeddings.get("float")
        if not isinstance(embeddings, list):
            raise EmbeddingUnavailable(f"unexpected Cohere response keys: {sorted(payload)}")
        return [[float(v) for v in vector] for vector in embeddings]

    def _embed(self, texts: Sequence[str], input_type: str) -> list[list[float]]:
        if not texts:
            return []
        what = f"Bedrock model {self.model_id}"
        if self.format == "cohere-v3":
            vectors = [v for batch in _batches(texts, self.batch_size) for v in self._cohere(batch, input_type)]
        elif self.concurrency == 1 or len(texts) == 1:
            vectors = [self._titan(t) for t in texts]
        else:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(texts))) as pool:
                vectors = list(pool.map(self._titan, texts))
        return _check_vectors(vectors, len(texts), self.dimensions, what)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self._embed(texts, "search_document")

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text], "search_query")[0]


class SageMakerEmbedder:
    """A SageMaker real-time endpoint serving Text Embeddings Inference (TEI)."""

    def __init__(
        self,
        *,
        endpoint_name: str,
        dimensions: int,
        model_id: str = "",
        client: Any | None = None,
        batch_size: int = 32,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.endpoint_name = endpoint_name
        self.model_id = model_id or f"sagemaker:{endpoint_name}"
        self.dimensions = dimensions
        if client is None:
            import boto3

            client = boto3.client("sagemaker-runtime", config=no_retry_config())
        self.client = client
        self.batch_size = max(1, batch_size)
        self.retry = retry or RetryPolicy()

    def _call(self, texts: Sequence[str]) -> list[list[float]]:
        def call() -> list[list[float]]:
            response = self.client.invoke_endpoint(
                EndpointName=self.endpoint_name,
                ContentType="application/json",
                Accept="application/json",
                Body=json.dumps({"inputs": list(texts), "truncate": True, "normalize": True}),
            )
            payload = json.loads(response["Body"].read())
            if isinstance(payload, dict) and "embeddings" in payload:
                payload = payload["embeddings"]
            if not isinstance(payload, list):
                raise EmbeddingUnavailable(f"unexpected TEI response: {type(payload).__name__}")
            return [[float(v) for v in vector] for vector in payload]

        return self.retry.run(call, classify_aws_error, f"SageMaker endpoint {self.endpoint_name}")

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = [v for batch in _batches(texts, self.batch_size) for v in self._call(batch)]
        return _check_vectors(vectors, len(texts), self.dimensions, f"SageMaker endpoint {self.endpoint_name}")

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


_WORD = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    """Deterministic local embedder with the :class:`Embedder` interface (tests, bench)."""

    def __init__(self, dimensions: int = 256, model_id: str = "local-hash-v1") -> None:
        self.dimensions = dimensions
        self.model_id = model_id
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        words = [w.lower() for w in _WORD.findall(text)]
        features = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
        vector = [0.0] * self.dimensions
        for feature in features:
            h = zlib.crc32(feature.encode("utf-8"))
            vector[h % self.dimensions] += 1.0 if (h >> 31) & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vector))
        if norm == 0.0:
            vector[0] = 1.0
            return vector
        return [v / norm for v in vector]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        self.calls += 1
        return self._vector(text)
