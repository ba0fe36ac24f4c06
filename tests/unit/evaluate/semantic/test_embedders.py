"""Embedding APIs: OpenAI /v1/embeddings and TEI /embed on loopback, Bedrock and SageMaker with Stubber."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from fmkit.evaluate.adapters import RetryPolicy
from fmkit.evaluate.adapters.base import InvocationError
from fmkit.evaluate.semantic import BedrockEmbeddings, HttpEmbeddings, SageMakerTeiEmbeddings, build_embedder
from fmkit.evaluate.targets import BedrockEndpoint, SageMakerEndpoint, Target, parse_endpoint_override
from fmkit.evaluate.testing import Behaviour, FakeOpenAIServer, word_hash_embedding

FAST = RetryPolicy(max_attempts=2, base_delay_s=0.01, max_delay_s=0.02)
ARN = "arn:aws:bedrock:eu-west-1:111111111111:application-inference-profile/emb"


def test_openai_embeddings_on_loopback_with_a_key() -> None:
    with FakeOpenAIServer({"emb": Behaviour(embed=word_hash_embedding, api_key="k1")}) as server:
        target = parse_endpoint_override(f"emb={server.base_url('emb')}", api_key="k1")
        embedder = build_embedder(target)
        assert isinstance(embedder, HttpEmbeddings) and embedder.url.endswith("/v1/embeddings")
        vectors = embedder.embed(["refunds take five days", "refunds take five days", "tents"])
        assert vectors[0] == vectors[1] == pytest.approx(word_hash_embedding("refunds take five days"))
        with pytest.raises(InvocationError, match="HTTP 401"):
            HttpEmbeddings(server.base_url("emb"), api_key="wrong", retry=FAST).embed(["x"])


class _Tei(BaseHTTPRequestHandler):
    calls: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, *_: Any) -> None:
        return

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Tei.calls.append({"path": self.path, **body})
        data = json.dumps([[float(len(t)), 1.0] for t in body["inputs"]]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def tei() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tei)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_tei_embed_route_for_urls_not_ending_in_v1(tei: str) -> None:
    embedder = HttpEmbeddings(tei)
    assert embedder.embed(["ab", "abcd"]) == [[2.0, 1.0], [4.0, 1.0]]
    assert _Tei.calls[-1] == {"path": "/embed", "inputs": ["ab", "abcd"], "truncate": True}


def _body(payload: Any) -> StreamingBody:
    raw = json.dumps(payload).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


def test_bedrock_titan_sends_one_text_per_call_through_the_profile() -> None:
    client = boto3.client("bedrock-runtime", region_name="eu-west-1")
    embedder = BedrockEmbeddings(client, ARN, model_id="amazon.titan-embed-text-v2:0", retry=FAST)
    with Stubber(client) as stub:
        for text, vector in (("a", [0.1, 0.2]), ("b", [0.3, 0.4])):
            stub.add_response("invoke_model", {"body": _body({"embedding": vector}), "contentType": "application/json"},
                              {"modelId": ARN, "body": json.dumps({"inputText": text, "normalize": True}),
                               "contentType": "application/json", "accept": "application/json"})
        assert embedder.embed(["a", "b"]) == [[0.1, 0.2], [0.3, 0.4]]
        stub.assert_no_pending_responses()


def test_bedrock_cohere_batches_and_throttling_is_retried() -> None:
    client = boto3.client("bedrock-runtime", region_name="eu-west-1")
    embedder = BedrockEmbeddings(client, ARN, model_id="cohere.embed-multilingual-v3", retry=FAST)
    expected = {"modelId": ARN, "contentType": "application/json", "accept": "application/json",
                "body": json.dumps({"texts": ["a", "b"], "input_type": "search_document", "truncate": "END"})}
    with Stubber(client) as stub:
        stub.add_client_error("invoke_model", "ThrottlingException", "slow down", 429, expected_params=expected)
        stub.add_response("invoke_model", {"body": _body({"embeddings": {"float": [[1.0], [2.0]]}}),
                                           "contentType": "application/json"}, expected)
        assert embedder.embed(["a", "b"]) == [[1.0], [2.0]]
    with pytest.raises(ValueError, match="not a Bedrock embedding model"):
        BedrockEmbeddings(client, ARN, model_id="amazon.nova-lite-v1:0")


def test_sagemaker_tei_endpoint_and_a_wrong_count_is_malformed() -> None:
    client = boto3.client("sagemaker-runtime", region_name="eu-west-1")
    embedder = SageMakerTeiEmbeddings(client, "bge", inference_component_name="bge-ic", retry=FAST)
    expected = {"EndpointName": "bge", "ContentType": "application/json", "Accept": "application/json",
                "Body": json.dumps({"inputs": ["a", "b"], "truncate": True}), "InferenceComponentName": "bge-ic"}
    with Stubber(client) as stub:
        stub.add_response("invoke_endpoint", {"Body": _body([[1.0, 0.0], [0.0, 1.0]])}, expected)
        assert embedder.embed(["a", "b"]) == [[1.0, 0.0], [0.0, 1.0]]
        stub.add_response("invoke_endpoint", {"Body": _body([[1.0, 0.0]])}, expected)
        with pytest.raises(InvocationError, match="no list of 2 vectors"):
            embedder.embed(["a", "b"])


def test_build_embedder_picks_the_api_from_the_discovery_payload() -> None:
    session = boto3.session.Session(region_name="eu-west-1")
    bedrock = Target(name="titan", endpoint=BedrockEndpoint(inference_profile_arn=ARN,
                                                            model_id="amazon.titan-embed-text-v2:0"))
    assert isinstance(build_embedder(bedrock, session=session), BedrockEmbeddings)
    sagemaker = Target(name="bge", endpoint=SageMakerEndpoint(endpoint_name="bge", region="eu-west-1"))
    assert isinstance(build_embedder(sagemaker, session=session), SageMakerTeiEmbeddings)
    with pytest.raises(ValueError, match="model id is unknown"):
        build_embedder(Target(name="x", endpoint=BedrockEndpoint(inference_profile_arn=ARN)), session=session)
