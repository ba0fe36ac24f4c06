"""Query Lambda: embed a question and return the top-k chunks.

**Invocation**: a direct `Invoke` with `{"question": str, "k": int?, "filters": {...}?}`, or
a Lambda function URL (`AuthType: AWS_IAM`) with that JSON as the POST body.

`filters` (all optional, combined with AND): `bucket` (str), `keys` (exact object
keys), `key_prefix` (folder prefix ending in `/`), `doc_types` (`pdf`, `md`, ...).

Responses
    direct invoke, success: `{"question", "k", "model_id", "results": [hit, ...]}`
    where a hit is ``{"text", "score", "source_key", "bucket", "key", "version_id",
    "chunk_index", "content_hash", "section", "doc_type"}` and `score`` is the cosine
    similarity (higher is closer), best first.
    direct invoke, error: `{"statusCode": 400|503, "error": {"type", "message", "details"}}`.
    function URL: `{"statusCode", "headers", "body": <the JSON above>}`.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fmkit.contracts.knowledge import KnowledgeSettings
from fmkit.knowledge.build import build_embedder, build_store
from fmkit.knowledge.embedding import Embedder
from fmkit.knowledge.errors import TransientError
from fmkit.knowledge.models import QueryFilters
from fmkit.knowledge.stores import VectorStore

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "knowledge-query")


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    question: str = Field(min_length=1, max_length=8000)
    k: int | None = Field(None, ge=1)
    filters: QueryFilters | None = None


class BadRequest(Exception):
    def __init__(self, message: str, details: list[dict[str, Any]] | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.status = status


@dataclass
class Runtime:
    settings: KnowledgeSettings
    embedder: Embedder
    store: VectorStore


_runtime: Runtime | None = None


def configure(
    *, settings: KnowledgeSettings | None = None, embedder: Embedder | None = None, store: VectorStore | None = None
) -> Runtime:
    global _runtime
    settings = settings or KnowledgeSettings.from_environment(os.environ)
    store = store or build_store(settings)
    if settings.ensure_schema:
        store.ensure_schema()
    _runtime = Runtime(settings=settings, embedder=embedder or build_embedder(settings), store=store)
    return _runtime


def reset() -> None:
    global _runtime
    _runtime = None


def _is_function_url(event: dict[str, Any]) -> bool:
    context = event.get("requestContext")
    return isinstance(context, dict) and isinstance(context.get("http"), dict)


def _payload(event: dict[str, Any], url: bool) -> Any:
    if not url:
        return event
    method = event["requestContext"]["http"].get("method", "POST")
    if method != "POST":
        raise BadRequest(f"method {method} not allowed; POST a JSON body", status=405)
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"body is not valid base64 UTF-8: {exc}") from exc
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"body is not JSON: {exc.msg}") from exc


def answer(event: dict[str, Any], rt: Runtime) -> dict[str, Any]:
    url = _is_function_url(event)
    payload = _payload(event, url)
    if not isinstance(payload, dict):
        raise BadRequest("request must be a JSON object with 'question'")
    try:
        request = QueryRequest.model_validate(payload)
    except ValidationError as exc:
        details = [
            {"loc": ".".join(str(p) for p in err["loc"]), "msg": err["msg"], "type": err["type"]}
            for err in exc.errors()
        ]
        raise BadRequest("invalid query request", details) from exc
    k = request.k or rt.settings.query_default_k
    if k > rt.settings.query_max_k:
        raise BadRequest(
            f"k={k} exceeds the maximum of {rt.settings.query_max_k}",
            [{"loc": "k", "msg": f"must be <= {rt.settings.query_max_k}", "type": "less_than_equal"}],
        )
    vector = rt.embedder.embed_query(request.question)
    hits = rt.store.query(vector, k, request.filters)
    logger.info("query answered", extra={"k": k, "hits": len(hits), "filters": bool(request.filters)})
    return {
        "question": request.question,
        "k": k,
        "model_id": rt.embedder.model_id,
        "results": [hit.model_dump() for hit in hits],
    }


def _respond(url: bool, status: int, body: dict[str, Any]) -> dict[str, Any]:
    if url:
        return {
            "statusCode": status,
            "headers": {"content-type": "application/json"},
            "body": json.dumps(body),
        }
    return body if status == 200 else {"statusCode": status, **body}


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    url = _is_function_url(event) if isinstance(event, dict) else False
    try:
        if not isinstance(event, dict):
            raise BadRequest("request must be a JSON object with 'question'")
        rt = _runtime or configure()
        return _respond(url, 200, answer(event, rt))
    except BadRequest as exc:
        logger.info("bad query request", extra={"error": exc.message, "status": exc.status})
        kind = "bad_request" if exc.status == 400 else "method_not_allowed"
        error = {"type": kind, "message": exc.message}
        return _respond(url, exc.status, {"error": {**error, "details": exc.details}})
    except TransientError as exc:
        logger.warning("query dependency unavailable", extra={"error": exc.reason})
        unavailable: dict[str, Any] = {"type": "unavailable", "message": exc.reason, "details": []}
        return _respond(url, 503, {"error": unavailable})
