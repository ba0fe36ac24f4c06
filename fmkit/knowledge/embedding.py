"""Embedding adapters behind one small protocol.

- `BedrockEmbedder` speaks the InvokeModel formats of Amazon Titan Text Embeddings v2 (one
  text per request, sent `EMBEDDING_CONCURRENCY` at a time) and Cohere Embed v3 (up to 96
  texts per request, `input_type` search_document / search_query).
- `SageMakerEmbedder` calls a SageMaker endpoint running Hugging Face Text Embeddings
  Inference (TEI): `{"inputs": [...], "truncate": true}` -> `[[...], ...]`.
- `HashEmbedder` is a deterministic, dependency-free double (feature hashing of word
  unigrams and bigrams, L2-normalised) for tests, benchmarks and local runs: texts that
  share words get similar vectors, so retrieval tests are meaningful.

Every remote call is retried as `fmkit.knowledge.retries` describes (botocore's standard
mode for AWS failures, tenacity for model-side ones, one attempt budget); a validation
error from the model raises `EmbeddingRejected` (permanent: dead-lettered), a failure that
outlasts the retries `EmbeddingUnavailable` (transient: SQS retries the message).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Protocol, runtime_checkable

from .errors import ConfigurationError, EmbeddingUnavailable
from .retries import aws_client_config, call_model

DEFAULT_MAX_ATTEMPTS = 6


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors of `dimensions` floats; `model_id` labels what made them."""

    model_id: str
    dimensions: int

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


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
    """The request body format of a Bedrock embedding model, from its id."""
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
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
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

            client = boto3.client("bedrock-runtime", config=aws_client_config(max_attempts))
        self.client: Any = client
        self.batch_size = max(1, min(batch_size, self.COHERE_MAX_BATCH))
        self.concurrency = max(1, concurrency)
        self.max_attempts = max_attempts
        self.sleep = sleep

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

        return call_model(call, what=f"Bedrock model {self.model_id}", max_attempts=self.max_attempts,
                          sleep=self.sleep)

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
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint_name = endpoint_name
        self.model_id = model_id or f"sagemaker:{endpoint_name}"
        self.dimensions = dimensions
        if client is None:
            import boto3

            client = boto3.client("sagemaker-runtime", config=aws_client_config(max_attempts))
        self.client: Any = client
        self.batch_size = max(1, batch_size)
        self.max_attempts = max_attempts
        self.sleep = sleep

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

        return call_model(call, what=f"SageMaker endpoint {self.endpoint_name}", max_attempts=self.max_attempts,
                          sleep=self.sleep)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = [v for batch in _batches(texts, self.batch_size) for v in self._call(batch)]
        return _check_vectors(vectors, len(texts), self.dimensions, f"SageMaker endpoint {self.endpoint_name}")

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


_WORD = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    """Deterministic local embedder with the `Embedder` interface (tests, bench, local runs)."""

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
