"""Where the top-k chunks come from: a local store, the deployed query URL, or a Bedrock knowledge base.

Every retriever answers `retrieve(question, k)` with `fmkit.knowledge.models.QueryHit`s, best
first, and raises `RetrievalError` when a question could not be answered (that item is recorded
as an error; the others still count).

- `LocalRetriever` embeds with the kit's own embedder and queries the kit's own store (a local
  pgvector built by `local.build_local_index`): the pipeline that would be deployed.
- `QueryUrlRetriever` POSTs to the knowledge stack's query function URL (`AuthType: AWS_IAM`),
  signed with botocore's SigV4 signer for service `lambda`, and sent with botocore's own HTTP
  session (TLS verification, proxies and timeouts as every AWS call has them). Throttling and
  5xx answers are retried with exponential back-off.
- `BedrockKbRetriever` calls `bedrock-agent-runtime` `Retrieve` for `mode: bedrock-kb` bases.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from fmkit.knowledge.embedding import Embedder
from fmkit.knowledge.models import QueryFilters, QueryHit, content_hash
from fmkit.knowledge.stores import VectorStore

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
_URL_REGION = re.compile(r"\.lambda-url\.([a-z0-9-]+)\.on\.aws$")


class RetrievalError(Exception):
    """One question could not be answered; `kind` says why (`client_error`, `throttled`, …)."""

    def __init__(self, kind: str, message: str, *, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.attempts = attempts


@runtime_checkable
class Retriever(Protocol):
    """Top-k chunks for a question, best first."""

    def retrieve(self, question: str, k: int) -> list[QueryHit]: ...


class LocalRetriever:
    """The kit's embedder + the kit's store (what the query Lambda does, without Lambda).

    One question at a time: a store holds one database connection, as one Lambda execution
    environment does (run local evaluations with concurrency 1 so latency is not queueing).
    """

    def __init__(self, embedder: Embedder, store: VectorStore, filters: QueryFilters | None = None) -> None:
        self.embedder = embedder
        self.store = store
        self.filters = filters
        self._lock = threading.Lock()

    def retrieve(self, question: str, k: int) -> list[QueryHit]:
        with self._lock:
            return self.store.query(self.embedder.embed_query(question), k, self.filters)


def region_of_function_url(url: str) -> str | None:
    """`https://<id>.lambda-url.<region>.on.aws/` → `<region>` (None for other hosts)."""
    match = _URL_REGION.search(urlsplit(url).hostname or "")
    return match.group(1) if match else None


class QueryUrlRetriever:
    """The deployed query function URL, IAM-authenticated (SigV4, service `lambda`).

    `credentials` are botocore credentials (`boto3.Session().get_credentials()`); `send`
    replaces botocore's HTTP session (tests); `sleep` the back-off wait.
    """

    def __init__(
        self,
        url: str,
        *,
        credentials: Any,
        region: str | None = None,
        filters: QueryFilters | None = None,
        timeout_s: float = 30.0,
        max_attempts: int = 4,
        send: Callable[[Any], Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if credentials is None:
            raise RetrievalError("client_error", "no AWS credentials to sign the query URL request with")
        resolved = region or region_of_function_url(url)
        if not resolved:
            raise RetrievalError("client_error", f"cannot tell the region of {url}; pass it explicitly")
        self.url = url
        self.region = resolved
        self.credentials = credentials
        self.filters = filters
        self.max_attempts = max(1, max_attempts)
        self.sleep = sleep
        self._send = send or self._botocore_sender(timeout_s)

    @staticmethod
    def _botocore_sender(timeout_s: float) -> Callable[[Any], Any]:
        from botocore.httpsession import URLLib3Session

        session = URLLib3Session(timeout=max(1, round(timeout_s)))
        return lambda prepared: session.send(prepared)

    def _signed(self, body: bytes) -> Any:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(method="POST", url=self.url, data=body, headers={"Content-Type": "application/json"})
        SigV4Auth(self.credentials.get_frozen_credentials(), "lambda", self.region).add_auth(request)
        return request.prepare()

    def _once(self, body: bytes, attempt: int) -> tuple[int, bytes]:
        try:
            response = self._send(self._signed(body))  # signed per attempt: the signature carries the time
        except Exception as exc:  # botocore: connection refused, DNS, read timeout
            raise RetrievalError("connection", f"{type(exc).__name__}: {exc}", attempts=attempt) from exc
        return int(response.status_code), bytes(response.content or b"")

    def retrieve(self, question: str, k: int) -> list[QueryHit]:
        payload: dict[str, Any] = {"question": question, "k": k}
        if self.filters is not None:
            payload["filters"] = self.filters.model_dump(exclude_none=True)
        body = json.dumps(payload).encode("utf-8")
        for attempt in range(1, self.max_attempts + 1):
            status, content = self._once(body, attempt)
            if status == 200:
                return _hits_from_body(content, attempt)
            if status not in RETRYABLE_STATUS or attempt == self.max_attempts:
                kind = "throttled" if status == 429 else "server_error" if status >= 500 else "client_error"
                raise RetrievalError(kind, f"HTTP {status}: {content[:300].decode('utf-8', 'replace')}",
                                     status=status, attempts=attempt)
            self.sleep(min(8.0, 0.25 * 2 ** (attempt - 1)))
        raise AssertionError("unreachable")  # pragma: no cover


def _hits_from_body(content: bytes, attempt: int) -> list[QueryHit]:
    try:
        results = json.loads(content)["results"]
        return [QueryHit.model_validate(result) for result in results]
    except (ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        raise RetrievalError("malformed_response", f"unexpected query response: {exc}"[:300],
                             attempts=attempt) from exc


class BedrockKbRetriever:
    """`bedrock-agent-runtime` `Retrieve` on a Bedrock knowledge base (`mode: bedrock-kb`)."""

    def __init__(self, knowledge_base_id: str, *, client: Any) -> None:
        self.knowledge_base_id = knowledge_base_id
        self.client = client

    def retrieve(self, question: str, k: int) -> list[QueryHit]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.retrieve(
                knowledgeBaseId=self.knowledge_base_id, retrievalQuery={"text": question},
                retrievalConfiguration={"vectorSearchConfiguration": {"numberOfResults": k}})
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            kind = "throttled" if code == "ThrottlingException" else "client_error"
            raise RetrievalError(kind, f"{code}: {exc}"[:300]) from exc
        except BotoCoreError as exc:
            raise RetrievalError("connection", str(exc)[:300]) from exc
        return [_kb_hit(index, result) for index, result in enumerate(response.get("retrievalResults", []))]


def _kb_hit(index: int, result: dict[str, Any]) -> QueryHit:
    uri = str(result.get("location", {}).get("s3Location", {}).get("uri", ""))
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    text = str(result.get("content", {}).get("text", ""))
    return QueryHit(text=text, score=float(result.get("score", 0.0)), source_key=uri, bucket=bucket, key=key,
                    version_id=None, chunk_index=index, content_hash=content_hash(text))
