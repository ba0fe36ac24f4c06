"""The deployed path: a SigV4-signed POST to a function URL served, on loopback, by the real query
handler over a real pgvector index. The server checks the signature as IAM would."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from fmkit.contracts.knowledge import KnowledgeSettings
from fmkit.evaluate.retrieval.dataset import parse_retrieval_dataset
from fmkit.evaluate.retrieval.retrievers import QueryUrlRetriever, RetrievalError, region_of_function_url
from fmkit.evaluate.retrieval.runner import evaluate_retriever
from fmkit.knowledge.build import build_store
from fmkit.knowledge.embedding import HashEmbedder
from fmkit.knowledge.local import ingest_folder
from tests.runtime.knowledge.helpers import FakeContext

pytestmark = pytest.mark.runtime

CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token")
REGION = "eu-west-1"


def signature_is_valid(method: str, url: str, headers: dict[str, str], body: bytes) -> bool:
    """Recompute the SigV4 signature over what arrived (service lambda, REGION) and compare."""
    authorization = headers.get("Authorization", "")
    if f"/{REGION}/lambda/aws4_request" not in authorization:
        return False
    signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    request = AWSRequest(method=method, url=url, data=body,
                         headers={k: v for k, v in headers.items() if k.lower() in signed})
    request.context["timestamp"] = headers["X-Amz-Date"]
    signer = SigV4Auth(CREDENTIALS.get_frozen_credentials(), "lambda", REGION)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    return authorization.endswith(f"Signature={expected}")


class FunctionUrl(BaseHTTPRequestHandler):
    """Turns an HTTP request into a function URL event for the real handler (IAM auth checked first)."""

    handler: Any
    throttle_next: list[int]
    seen: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = dict(self.headers.items())
        url = f"http://{self.headers['Host']}{self.path}"
        if not signature_is_valid("POST", url, headers, body):
            return self._send(403, b'{"Message": "Forbidden"}')
        self.seen.append(json.loads(body))
        if self.throttle_next:
            self.throttle_next.pop()
            return self._send(429, b'{"Message": "Rate exceeded"}')
        event = {"version": "2.0", "rawPath": self.path, "headers": headers, "body": body.decode(),
                 "isBase64Encoded": False, "requestContext": {"http": {"method": "POST", "path": self.path}}}
        response = self.handler.handler(event, FakeContext("knowledge-query"))
        self._send(response["statusCode"], response["body"].encode())

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def function_url(tmp_path: Path, pg_dsn: str) -> Iterator[tuple[str, type[FunctionUrl]]]:
    import query.handler as query_handler

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "vacation.md").write_text("# Vacation\n\nEmployees get thirty days of paid vacation a year.")
    (docs / "laptops.md").write_text("# Laptops\n\nLaptops are replaced every three years by IT.")
    settings = KnowledgeSettings(db_dsn=pg_dsn, db_table_prefix=f"q{abs(hash(tmp_path)) % 10**9}",
                                 embedding_provider="hash", embedding_dimensions=64, query_max_k=5)
    ingest_folder(docs, settings)
    query_handler.configure(settings=settings, embedder=HashEmbedder(64), store=build_store(settings))
    handler = type("Handler", (FunctionUrl,), {"handler": query_handler, "throttle_next": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", handler
    finally:
        server.shutdown()
        query_handler.reset()


def test_signed_questions_are_answered_and_scored(function_url: tuple[str, type[FunctionUrl]]) -> None:
    url, handler = function_url
    dataset = parse_retrieval_dataset(
        '{"id": "v", "question": "how many days of paid vacation", "expected_sources": ["vacation.md"]}\n'
        '{"id": "l", "question": "when are laptops replaced", "expected_passages": ["replaced every three years"]}',
        Path("q.jsonl"))
    retriever = QueryUrlRetriever(url, credentials=CREDENTIALS, region=REGION)
    summary, results = evaluate_retriever(dataset, retriever, name="deployed", description=url, k=2)
    assert [r.error for r in results] == [None, None]
    assert [r.hits[0].key for r in results] == ["vacation.md", "laptops.md"]
    assert summary.metrics["hit_rate"] == 1.0 and summary.metrics["mrr"] == 1.0
    assert handler.seen[0] == {"question": "how many days of paid vacation", "k": 2}


def test_throttling_is_retried_and_a_rejected_request_is_an_item_error(
        function_url: tuple[str, type[FunctionUrl]]) -> None:
    url, handler = function_url
    waits: list[float] = []
    retriever = QueryUrlRetriever(url, credentials=CREDENTIALS, region=REGION, sleep=waits.append)
    handler.throttle_next.extend([1, 1])
    assert retriever.retrieve("vacation", 1)[0].key == "vacation.md"
    assert waits == [0.25, 0.5]
    with pytest.raises(RetrievalError) as rejected:  # k above the function's QUERY_MAX_K: a 400, not retried
        retriever.retrieve("vacation", 50)
    assert (rejected.value.kind, rejected.value.status, rejected.value.attempts) == ("client_error", 400, 1)


def test_a_wrong_signature_is_refused(function_url: tuple[str, type[FunctionUrl]]) -> None:
    url, _ = function_url
    wrong = Credentials("AKIDEXAMPLE", "not-the-secret", "session-token")
    with pytest.raises(RetrievalError) as refused:
        QueryUrlRetriever(url, credentials=wrong, region=REGION).retrieve("vacation", 1)
    assert refused.value.status == 403


def test_the_region_comes_from_the_function_url_host() -> None:
    assert region_of_function_url("https://abc123.lambda-url.eu-central-1.on.aws/") == "eu-central-1"
    assert region_of_function_url("http://127.0.0.1:9000/") is None
    with pytest.raises(RetrievalError, match="region"):
        QueryUrlRetriever("http://127.0.0.1:9000/", credentials=CREDENTIALS)
