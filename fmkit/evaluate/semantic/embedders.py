"""Embedding APIs behind one protocol, retried with the chat adapters' policy.

| deployment | call | body |
|---|---|---|
| Bedrock Titan Text Embeddings v2 | InvokeModel, one text per request | `{"inputText", "normalize": true}` |
| Bedrock Cohere Embed v3 | InvokeModel, up to 96 texts | `{"texts", "input_type": "search_document"}` |
| SageMaker TEI | InvokeEndpoint | `{"inputs": [...], "truncate": true}` → `[[...], ...]` |
| HTTP, URL ending in `/v1` | POST `/v1/embeddings` (OpenAI; llama-server, TEI, vLLM) | `{"input": [...], "model"}` |
| HTTP, other URL | POST `/embed` (TEI) | `{"inputs": [...], "truncate": true}` |

Bedrock's model id comes from the discovery payload (`model_id`), since the application
inference profile ARN it is called through does not tell Titan from Cohere. Every call is
retried on throttling and 5xx like a chat request (`RetryPolicy`); any other failure raises
`InvocationError`, which the caller records as unscored items.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from botocore.exceptions import BotoCoreError, ClientError

from fmkit.evaluate.adapters import AdapterOptions
from fmkit.evaluate.adapters._aws import classify_aws_error, client_config
from fmkit.evaluate.adapters.base import InvocationError, RetryPolicy, classify_http_status, parse_retry_after
from fmkit.evaluate.targets import (
    BedrockEndpoint,
    OpenAICompatEndpoint,
    SageMakerEndpoint,
    Target,
    resolve_api_key,
)

Vectors = list[list[float]]


@runtime_checkable
class Embedder(Protocol):
    """Texts in, one vector per text out (same order); raises `InvocationError`."""

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def _vectors(payload: Any, expected: int, what: str) -> Vectors:
    if not isinstance(payload, list) or len(payload) != expected or not all(isinstance(v, list) for v in payload):
        raise InvocationError("malformed_response", f"{what} returned no list of {expected} vectors")
    try:
        return [[float(x) for x in vector] for vector in payload]
    except (TypeError, ValueError) as exc:
        raise InvocationError("malformed_response", f"{what} returned a vector that is not numbers") from exc


class _Retrying:
    """Batches texts and retries each batch with `RetryPolicy` (throttling, 5xx)."""

    batch_size = 32

    def __init__(self, retry: RetryPolicy | None = None) -> None:
        self.retry = retry or RetryPolicy()

    def _call(self, texts: Sequence[str]) -> Vectors:
        raise NotImplementedError

    def _with_retries(self, batch: Sequence[str]) -> Vectors:
        vectors: Vectors = []
        for attempt in self.retry.retrying():
            with attempt:
                vectors = self._call(batch)
        return vectors

    def embed(self, texts: Sequence[str]) -> Vectors:
        out: Vectors = []
        for start in range(0, len(texts), self.batch_size):
            out += self._with_retries(list(texts[start:start + self.batch_size]))
        return out


class HttpEmbeddings(_Retrying):
    """OpenAI-compatible `/v1/embeddings` (base URL ending in /v1) or TEI's `/embed` (any other URL)."""

    def __init__(self, base_url: str, *, api_key: str | None = None, model: str | None = None,
                 timeout_s: float = 60.0, retry: RetryPolicy | None = None) -> None:
        super().__init__(retry)
        base = base_url.rstrip("/")
        self.openai = urllib.parse.urlsplit(base).path.endswith("/v1")
        self.url = base + ("/embeddings" if self.openai else "/embed")
        self.model = model or "default"
        self.timeout_s = timeout_s
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # like the chat adapter

    def _call(self, texts: Sequence[str]) -> Vectors:
        body = {"input": list(texts), "model": self.model} if self.openai else {"inputs": list(texts), "truncate": True}
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=self._headers,
                                         method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout_s) as response:
                payload = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                detail = exc.read(300).decode("utf-8", "replace")
            raise classify_http_status(exc.code, detail, parse_retry_after(exc.headers.get("Retry-After"))) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise InvocationError("connection", f"{type(exc).__name__}: {exc}") from exc
        except ValueError as exc:
            raise InvocationError("malformed_response", f"embeddings response is not JSON: {exc}") from exc
        if self.openai:
            data = payload.get("data") if isinstance(payload, dict) else None
            if not isinstance(data, list):
                raise InvocationError("malformed_response", "no 'data' list in the embeddings response")
            payload = [d.get("embedding") for d in sorted(data, key=lambda d: d.get("index", 0))]
        return _vectors(payload, len(texts), self.url)


class BedrockEmbeddings(_Retrying):
    """Titan Text Embeddings v2 (one text per call) or Cohere Embed v3 (96 per call) through InvokeModel."""

    def __init__(self, client: Any, model_arn: str, *, model_id: str, retry: RetryPolicy | None = None) -> None:
        super().__init__(retry)
        lowered = model_id.lower()
        if "titan-embed-text" in lowered:
            self.format, self.batch_size = "titan", 1
        elif "cohere.embed" in lowered:
            self.format, self.batch_size = "cohere", 96
        else:
            raise ValueError(f"{model_id} is not a Bedrock embedding model fmkit can call (Titan v2, Cohere v3)")
        self.client = client
        self.model_arn = model_arn

    def _invoke(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.client.invoke_model(modelId=self.model_arn, body=json.dumps(body),
                                                contentType="application/json", accept="application/json")
            return dict(json.loads(response["body"].read()))
        except (ClientError, BotoCoreError) as exc:
            raise classify_aws_error(exc) from exc

    def _call(self, texts: Sequence[str]) -> Vectors:
        if self.format == "titan":
            return _vectors([self._invoke({"inputText": texts[0], "normalize": True}).get("embedding")], 1,
                            self.model_arn)
        payload = self._invoke({"texts": list(texts), "input_type": "search_document", "truncate": "END"})
        embeddings = payload.get("embeddings")
        if isinstance(embeddings, dict):  # embeddings_by_type
            embeddings = embeddings.get("float")
        return _vectors(embeddings, len(texts), self.model_arn)


class SageMakerTeiEmbeddings(_Retrying):
    """A SageMaker endpoint running Text Embeddings Inference (TEI), e.g. a JumpStart BGE model."""

    def __init__(self, client: Any, endpoint_name: str, *, inference_component_name: str | None = None,
                 retry: RetryPolicy | None = None) -> None:
        super().__init__(retry)
        self.client = client
        self.endpoint_name = endpoint_name
        self.inference_component_name = inference_component_name

    def _call(self, texts: Sequence[str]) -> Vectors:
        kwargs: dict[str, Any] = {"EndpointName": self.endpoint_name, "ContentType": "application/json",
                                  "Accept": "application/json",
                                  "Body": json.dumps({"inputs": list(texts), "truncate": True})}
        if self.inference_component_name:
            kwargs["InferenceComponentName"] = self.inference_component_name
        try:
            payload = json.loads(self.client.invoke_endpoint(**kwargs)["Body"].read())
        except (ClientError, BotoCoreError) as exc:
            raise classify_aws_error(exc) from exc
        except ValueError as exc:
            raise InvocationError("malformed_response", f"TEI response is not JSON: {exc}") from exc
        if isinstance(payload, dict) and "embeddings" in payload:
            payload = payload["embeddings"]
        return _vectors(payload, len(texts), self.endpoint_name)


def build_embedder(target: Target, options: AdapterOptions | None = None, *, session: Any = None) -> Embedder:
    """The embedder for a resolved target (SSM discovery or an --endpoint override)."""
    options = options or AdapterOptions()
    endpoint = target.endpoint

    def client(service: str, region: str | None) -> Any:
        if session is not None:
            return session.client(service, region_name=region, config=client_config(options.timeout_s))
        import boto3

        chosen: Any = boto3.session.Session()  # Any: the service name is only known at run time
        return chosen.client(service, region_name=region, config=client_config(options.timeout_s))

    if isinstance(endpoint, OpenAICompatEndpoint):
        secrets = None
        if target.api_key is None and endpoint.api_key_secret_arn:
            secrets = client("secretsmanager", endpoint.api_key_secret_arn.split(":")[3] or None)
        return HttpEmbeddings(endpoint.base_url, api_key=resolve_api_key(target, secrets), model=endpoint.model,
                              timeout_s=options.timeout_s, retry=options.retry)
    if isinstance(endpoint, BedrockEndpoint):
        if endpoint.model_id is None:
            raise ValueError(f"{target.name}: the Bedrock model id is unknown (not in its discovery payload)")
        return BedrockEmbeddings(client("bedrock-runtime", endpoint.region), endpoint.inference_profile_arn,
                                 model_id=endpoint.model_id, retry=options.retry)
    if isinstance(endpoint, SageMakerEndpoint):
        return SageMakerTeiEmbeddings(client("sagemaker-runtime", endpoint.region), endpoint.endpoint_name,
                                      inference_component_name=endpoint.inference_component_name,
                                      retry=options.retry)
    raise TypeError(f"unsupported endpoint type {type(endpoint).__name__}")  # pragma: no cover
