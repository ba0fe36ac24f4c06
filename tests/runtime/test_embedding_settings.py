"""Embedders (request/response formats, batching, backoff) and the settings contract."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from knowledge_common.embedding import BedrockEmbedder, HashEmbedder, RetryPolicy, SageMakerEmbedder
from knowledge_common.errors import ConfigurationError, EmbeddingRejected, EmbeddingUnavailable
from knowledge_common.runtime import build_embedder, build_store
from knowledge_common.settings import Settings
from knowledge_common.stores import OpenSearchStore, S3VectorsStore


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


def test_backoff_is_exponential_with_full_jitter_and_bounded() -> None:
    delays: list[float] = []
    policy = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=3.0, sleep=delays.append, rng=random.Random(7))
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    embedder = BedrockEmbedder(model_id="cohere.embed-english-v3", dimensions=1024, client=client, retry=policy)
    with Stubber(client) as stub:
        for code in (
            "ThrottlingException",
            "ServiceUnavailableException",
            "ThrottlingException",
            "ModelNotReadyException",
            "ThrottlingException",
        ):
            stub.add_client_error("invoke_model", service_error_code=code, http_status_code=429)
        with pytest.raises(EmbeddingUnavailable, match="still unavailable after 5 attempts: ThrottlingException"):
            embedder.embed_documents(["x"])
    assert len(delays) == 4
    assert [d <= cap for d, cap in zip(delays, (1.0, 2.0, 3.0, 3.0), strict=True)] == [True] * 4
    assert len(set(delays)) == 4  # jittered


def test_validation_errors_are_permanent_and_not_retried() -> None:
    delays: list[float] = []
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    embedder = BedrockEmbedder(
        model_id="amazon.titan-embed-text-v2:0", dimensions=1024, client=client, retry=RetryPolicy(sleep=delays.append)
    )
    with Stubber(client) as stub:
        stub.add_client_error("invoke_model", service_error_code="ValidationException", http_status_code=400)
        with pytest.raises(EmbeddingRejected, match="ValidationException"):
            embedder.embed_documents(["x" * 10])
    assert delays == []


def test_sagemaker_tei_format_and_model_error_retry() -> None:
    client = boto3.client("sagemaker-runtime", region_name="us-east-1")
    delays: list[float] = []
    embedder = SageMakerEmbedder(
        endpoint_name="bge-small", dimensions=3, client=client, batch_size=2, retry=RetryPolicy(sleep=delays.append)
    )
    with Stubber(client) as stub:
        expected = {
            "EndpointName": "bge-small",
            "ContentType": "application/json",
            "Accept": "application/json",
            "Body": ANY,
        }
        stub.add_client_error(
            "invoke_endpoint",
            service_error_code="ModelError",
            http_status_code=424,
            response_meta={},
            modeled_fields={"OriginalStatusCode": 429},
        )
        stub.add_response("invoke_endpoint", {"Body": io.BytesIO(b"[[1,0,0],[0,1,0]]")}, expected)
        stub.add_response("invoke_endpoint", {"Body": io.BytesIO(b"[[0,0,1]]")}, expected)
        assert embedder.embed_documents(["a", "b", "c"]) == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert len(delays) == 1


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


# --------------------------------------------------------------------------- settings


def test_settings_defaults_and_csv_lists() -> None:
    settings = Settings.from_env(
        {"DB_DSN": "postgresql:///x", "ALLOWED_SUFFIXES": ".PDF, .md", "SOURCE_PREFIXES": "a/,b/"}
    )
    assert settings.vector_store == "pgvector" and settings.embedding_dimensions == 1024
    assert settings.allowed_suffixes == (".pdf", ".md")
    assert settings.source_prefixes == ("a/", "b/")
    assert settings.max_object_bytes == 20 * 1024 * 1024
    assert settings.accepts_key("a/x.pdf") == (True, "")
    assert settings.accepts_key("c/x.pdf")[0] is False
    assert settings.accepts_key("a/x.png")[1].startswith("suffix not in ALLOWED_SUFFIXES")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "needs DB_SECRET_ARN"),
        ({"VECTOR_STORE": "s3-vectors"}, "VECTOR_BUCKET_NAME"),
        ({"VECTOR_STORE": "opensearch", "OPENSEARCH_ENDPOINT": "https://x"}, "OPENSEARCH_INDEX"),
        ({"DB_DSN": "x", "EMBEDDING_PROVIDER": "sagemaker"}, "EMBEDDING_ENDPOINT_NAME"),
        ({"DB_DSN": "x", "CHUNK_SIZE": "100", "CHUNK_OVERLAP": "100"}, "CHUNK_OVERLAP must be smaller"),
        ({"DB_DSN": "x", "VECTOR_STORE": "chroma"}, "VECTOR_STORE"),
        ({"DB_DSN": "x", "EMBEDDING_DIMENSIONS": "many"}, "EMBEDDING_DIMENSIONS"),
    ],
)
def test_invalid_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(env)


def test_empty_values_count_as_unset_and_fingerprint_tracks_the_pipeline() -> None:
    base = Settings.from_env({"DB_DSN": "x", "CHUNK_SIZE": "", "DLQ_URL": ""})
    assert base.chunk_size == 1000 and base.dlq_url is None
    with pytest.raises(ConfigurationError, match="DLQ_URL"):
        base.require("DLQ_URL")
    other = Settings.from_env({"DB_DSN": "x", "CHUNK_SIZE": "800"})
    assert base.pipeline_fingerprint != other.pipeline_fingerprint
    assert base.pipeline_fingerprint == Settings.from_env({"DB_DSN": "y"}).pipeline_fingerprint


def test_factories_build_the_configured_adapters() -> None:
    s3v = Settings.from_env(
        {
            "VECTOR_STORE": "s3-vectors",
            "VECTOR_BUCKET_NAME": "vb",
            "VECTOR_INDEX_NAME": "ix",
            "EMBEDDING_PROVIDER": "hash",
        }
    )
    assert isinstance(build_store(s3v, client=object()), S3VectorsStore)
    assert isinstance(build_embedder(s3v), HashEmbedder)
    aoss = Settings.from_env(
        {"VECTOR_STORE": "opensearch", "OPENSEARCH_ENDPOINT": "https://x.aoss.amazonaws.com", "OPENSEARCH_INDEX": "kb"}
    )
    assert isinstance(build_store(aoss), OpenSearchStore)
    cohere = Settings.from_env(
        {"DB_DSN": "x", "EMBEDDING_MODEL_ID": "cohere.embed-english-v3", "EMBEDDING_BATCH_SIZE": "200"}
    )
    embedder = build_embedder(cohere, client=object())
    assert isinstance(embedder, BedrockEmbedder) and embedder.format == "cohere-v3" and embedder.batch_size == 96
