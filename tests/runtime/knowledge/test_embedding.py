"""Embedders: request/response formats and batching (Stubber), retries on botocore's real
retry path (a loopback server) and model-side retries (tenacity)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from fmkit.knowledge.embedding import BedrockEmbedder, HashEmbedder, SageMakerEmbedder
from fmkit.knowledge.errors import ConfigurationError, EmbeddingRejected, EmbeddingUnavailable
from fmkit.knowledge.retries import aws_client_config, call_model
from tests.runtime.knowledge.loopback import aws_error, ok, scripted_aws

TITAN = "amazon.titan-embed-text-v2:0"


@pytest.fixture
def backoff(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """botocore's standard-mode delays, recorded and then skipped (the curve is botocore's own)."""
    from botocore.retries.standard import ExponentialBackoff

    computed: list[float] = []
    real = ExponentialBackoff.delay_amount

    def record(self: ExponentialBackoff, context: Any) -> float:
        computed.append(real(self, context))
        return 0.0

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", record)
    yield computed


def _body(payload: Any) -> dict[str, Any]:
    return {"body": io.BytesIO(json.dumps(payload).encode()), "contentType": "application/json"}


def _expected(model: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"modelId": model, "body": json.dumps(body), "contentType": "application/json", "accept": "application/json"}


def test_titan_v2_request_and_response_format() -> None:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    embedder = BedrockEmbedder(model_id="amazon.titan-embed-text-v2:0", dimensions=256, client=client, concurrency=1)
    with Stubber(client) as stub:
        for text, value in (("first", 0.1), ("second", 0.2)):
            stub.add_response(
                "invoke_model",
                _body({"embedding": [value] * 256, "inputTextTokenCount": 1}),
                _expected("amazon.titan-embed-text-v2:0", {"inputText": text, "dimensions": 256, "normalize": True}),
            )
        vectors = embedder.embed_documents(["first", "second"])
    assert [v[0] for v in vectors] == [0.1, 0.2] and len(vectors[0]) == 256


def test_titan_v2_parallel_calls_keep_order() -> None:
    class FakeBedrock:
        def invoke_model(self, **kwargs: Any) -> dict[str, Any]:
            text = json.loads(kwargs["body"])["inputText"]
            return _body({"embedding": [float(text)] * 512})

    embedder = BedrockEmbedder(
        model_id="amazon.titan-embed-text-v2:0", dimensions=512, client=FakeBedrock(), concurrency=8
    )
    assert [v[0] for v in embedder.embed_documents([str(i) for i in range(40)])] == [float(i) for i in range(40)]


def test_cohere_v3_batches_of_96_with_input_types() -> None:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    embedder = BedrockEmbedder(model_id="cohere.embed-multilingual-v3", dimensions=1024, client=client, batch_size=500)
    texts = [f"t{i}" for i in range(100)]
    with Stubber(client) as stub:
        for batch in (texts[:96], texts[96:]):
            stub.add_response(
                "invoke_model",
                _body({"embeddings": [[0.5] * 1024 for _ in batch], "response_type": "embeddings_floats"}),
                _expected(
                    "cohere.embed-multilingual-v3",
                    {"texts": batch, "input_type": "search_document", "truncate": "END", "embedding_types": ["float"]},
                ),
            )
        stub.add_response(
            "invoke_model",
            _body({"embeddings": {"float": [[0.25] * 1024]}, "response_type": "embeddings_by_type"}),
            _expected(
                "cohere.embed-multilingual-v3",
                {"texts": ["q"], "input_type": "search_query", "truncate": "END", "embedding_types": ["float"]},
            ),
        )
        assert len(embedder.embed_documents(texts)) == 100
        assert embedder.embed_query("q")[0] == 0.25


def test_dimension_mismatch_is_a_configuration_error() -> None:
    class Wrong:
        def invoke_model(self, **kwargs: Any) -> dict[str, Any]:
            return _body({"embedding": [0.1] * 512})

    embedder = BedrockEmbedder(model_id="amazon.titan-embed-text-v2:0", dimensions=1024, client=Wrong())
    with pytest.raises(ConfigurationError, match="512-dimensional"):
        embedder.embed_query("x")
    with pytest.raises(ConfigurationError, match="256, 512 or 1024"):
        BedrockEmbedder(model_id="amazon.titan-embed-text-v2:0", dimensions=300, client=Wrong())
    with pytest.raises(ConfigurationError, match="EMBEDDING_REQUEST_FORMAT"):
        BedrockEmbedder(
            model_id="arn:aws:bedrock:us-east-1:1:application-inference-profile/x", dimensions=1024, client=Wrong()
        )


def test_hash_embedder_is_deterministic_normalised_and_meaningful() -> None:
    embedder = HashEmbedder(128)
    a, b, c = embedder.embed_documents(["red apples and pears", "red apples and pears", "quantum field theory"])
    assert a == b
    assert sum(v * v for v in a) == pytest.approx(1.0)
    q = embedder.embed_query("apples")
    assert sum(x * y for x, y in zip(q, a, strict=True)) > sum(x * y for x, y in zip(q, c, strict=True))


# --------------------------------------------------------------------------- retries


def test_throttling_is_retried_by_botocore_within_the_attempt_budget(backoff: list[float]) -> None:
    throttled = aws_error("ThrottlingException", 429)
    with scripted_aws(throttled, throttled, ok({"embedding": [0.5] * 256})) as aws:
        client = aws.client("bedrock-runtime", aws_client_config(max_attempts=3))
        embedder = BedrockEmbedder(model_id=TITAN, dimensions=256, client=client, max_attempts=3)
        assert embedder.embed_query("x") == [0.5] * 256
        assert [path for path, _ in aws.requests] == ["/model/amazon.titan-embed-text-v2%3A0/invoke"] * 3
    assert len(backoff) == 2 and backoff[0] <= 1.0 and backoff[1] <= 2.0  # full jitter, doubling


def test_throttling_beyond_the_budget_is_unavailable_not_rejected(backoff: list[float]) -> None:
    with scripted_aws(*[aws_error("ServiceUnavailableException", 503)] * 5) as aws:
        client = aws.client("bedrock-runtime", aws_client_config(max_attempts=4))
        embedder = BedrockEmbedder(model_id=TITAN, dimensions=256, client=client, max_attempts=4)
        with pytest.raises(EmbeddingUnavailable, match="still unavailable after retries: ServiceUnavailableException"):
            embedder.embed_query("x")
        assert len(aws.requests) == 4  # EMBEDDING_MAX_ATTEMPTS requests in total, no retries on top
    assert len(backoff) == 3


def test_validation_errors_are_permanent_and_not_retried(backoff: list[float]) -> None:
    with scripted_aws(aws_error("ValidationException", 400), ok({"embedding": [0.5] * 256})) as aws:
        client = aws.client("bedrock-runtime", aws_client_config(max_attempts=6))
        embedder = BedrockEmbedder(model_id=TITAN, dimensions=256, client=client)
        with pytest.raises(EmbeddingRejected, match="ValidationException"):
            embedder.embed_documents(["x" * 10])
        assert len(aws.requests) == 1
    assert backoff == []


def test_a_busy_tei_container_is_retried_with_tenacity(backoff: list[float]) -> None:
    """SageMaker reports the container's 429 as a ModelError (HTTP 424), which botocore does
    not retry; the model-side retry does, with the same budget."""
    delays: list[float] = []
    busy = aws_error("ModelError", 424, OriginalStatusCode=429, OriginalMessage="overloaded")
    with scripted_aws(busy, busy, ok([[1, 0, 0]])) as aws:
        client = aws.client("sagemaker-runtime", aws_client_config(max_attempts=3))
        embedder = SageMakerEmbedder(endpoint_name="bge", dimensions=3, client=client, max_attempts=3,
                                     sleep=delays.append)
        assert embedder.embed_query("a") == [1, 0, 0]
        assert len(aws.requests) == 3
    assert backoff == [] and len(delays) == 2


def test_a_tei_client_error_is_rejected_at_once() -> None:
    delays: list[float] = []
    with scripted_aws(aws_error("ModelError", 424, OriginalStatusCode=413)) as aws:
        client = aws.client("sagemaker-runtime", aws_client_config(max_attempts=3))
        embedder = SageMakerEmbedder(endpoint_name="bge", dimensions=3, client=client, sleep=delays.append)
        with pytest.raises(EmbeddingRejected, match="ModelError"):
            embedder.embed_query("a")
    assert delays == []


def test_model_side_backoff_is_exponential_with_full_jitter_and_bounded() -> None:
    from botocore.exceptions import ClientError

    delays: list[float] = []
    attempts: list[int] = []

    def timed_out() -> None:
        attempts.append(1)
        raise ClientError({"Error": {"Code": "ModelTimeoutException", "Message": "slow"}}, "InvokeModel")

    with pytest.raises(EmbeddingUnavailable, match="ModelTimeoutException"):
        call_model(timed_out, what="Bedrock model m", max_attempts=5, sleep=delays.append)
    assert len(attempts) == 5 and len(delays) == 4
    assert [d <= cap for d, cap in zip(delays, (1.0, 2.0, 4.0, 8.0), strict=True)] == [True] * 4
    assert len(set(delays)) == 4  # jittered


def test_the_client_is_configured_with_the_standard_retry_mode() -> None:
    config: Any = aws_client_config(max_attempts=7)
    assert config.retries == {"mode": "standard", "total_max_attempts": 7}
    embedder = BedrockEmbedder(model_id=TITAN, dimensions=256, max_attempts=7)
    assert embedder.client.meta.config.retries["total_max_attempts"] == 7
