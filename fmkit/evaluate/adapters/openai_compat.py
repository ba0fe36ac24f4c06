"""OpenAI-compatible `/v1/chat/completions` (the Graviton llama-server endpoints, or any local one).

Uses the standard library (`urllib`) rather than a new dependency: the protocol is one POST
with a server-sent-events body. Streaming is on by default because time to first token is only
measurable from a stream.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from fmkit.evaluate.adapters._wire import (
    LineBuffer,
    OpenAIStreamParser,
    ParsedAnswer,
    openai_chat_payload,
    parse_openai_chat_response,
    stream_payload,
)
from fmkit.evaluate.adapters.base import (
    Deadline,
    InvocationError,
    RetryingAdapter,
    Stopwatch,
    classify_http_status,
    parse_retry_after,
)
from fmkit.evaluate.records import ChatRequest, Completion

_READ_SIZE = 8192


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OpenAICompatAdapter(RetryingAdapter):
    """Chat completions over HTTP(S), streaming SSE by default, optional bearer API key."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        model: str | None = None,
        stream: bool = True,
        include_usage: bool = True,
        extra_headers: Mapping[str, str] | None = None,
        **retry_kwargs: Any,
    ) -> None:
        super().__init__(**retry_kwargs)
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model or "default"  # llama-server ignores it; the OpenAI schema requires it
        self.stream = stream
        self.include_usage = include_usage
        self._headers = {"Content-Type": "application/json", **(extra_headers or {})}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        # Environment proxies apply to remote endpoints, never to a llama-server on this machine.
        handlers = [urllib.request.ProxyHandler({})] if _is_loopback(parsed.hostname) else []
        self._opener = urllib.request.build_opener(*handlers)

    def _invoke_once(self, request: ChatRequest, deadline: Deadline) -> Completion:
        body = json.dumps(
            openai_chat_payload(request, model=self.model, stream=self.stream, include_usage=self.include_usage)
        ).encode("utf-8")
        headers = {**self._headers, "Accept": "text/event-stream" if self.stream else "application/json"}
        http_request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        watch = Stopwatch()
        try:
            response = self._opener.open(http_request, timeout=max(deadline.remaining(), 0.001))
        except urllib.error.HTTPError as exc:
            with exc:
                detail = _error_detail(exc)
            raise classify_http_status(exc.code, detail, parse_retry_after(exc.headers.get("Retry-After"))) from exc
        except urllib.error.URLError as exc:
            raise _network_error(exc.reason) from exc
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise _network_error(exc) from exc
        try:
            with response:
                content_type = response.headers.get("Content-Type", "")
                if self.stream and "text/event-stream" in content_type:
                    answer = self._read_stream(response, deadline, watch)
                else:  # also covers servers that ignore "stream": true
                    answer = parse_openai_chat_response(self._read_all(response, deadline))
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise _network_error(exc) from exc
        return Completion(
            text=answer.text,
            latency_s=watch.elapsed(),
            ttft_s=watch.ttft_s,
            input_tokens=answer.input_tokens,
            output_tokens=answer.output_tokens,
            finish_reason=answer.finish_reason,
        )

    @staticmethod
    def _read_all(response: http.client.HTTPResponse, deadline: Deadline) -> bytes:
        chunks = []
        while chunk := response.read1(_READ_SIZE):
            chunks.append(chunk)
            deadline.check()
        return b"".join(chunks)

    @staticmethod
    def _read_stream(response: http.client.HTTPResponse, deadline: Deadline, watch: Stopwatch) -> ParsedAnswer:
        parser = OpenAIStreamParser()
        lines = LineBuffer()
        # read1 returns as soon as any bytes arrive, so TTFT is not delayed by buffering; each
        # blocking read is bounded by the socket timeout and the deadline is checked per chunk.
        while not parser.done and (chunk := response.read1(_READ_SIZE)):
            for line in lines.feed(chunk):
                payload = stream_payload(line)
                if payload is not None and parser.feed(payload):
                    watch.first_token()
            deadline.check()
        for line in lines.flush():
            payload = stream_payload(line)
            if payload is not None and parser.feed(payload):
                watch.first_token()
        if not parser.done and not parser.answer.finish_reason:
            raise InvocationError("connection", "stream ended before the answer was complete")
        return parser.answer


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read(2048).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return exc.reason if isinstance(exc.reason, str) else "no body"
    try:
        data = json.loads(raw)
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            return str(data["error"].get("message", raw))[:300]
    except ValueError:
        pass
    return raw.strip()[:300] or str(exc.reason)


def _network_error(reason: object) -> InvocationError:
    if isinstance(reason, TimeoutError):
        return InvocationError("timeout", f"timed out waiting for the endpoint ({reason})")
    if isinstance(reason, ConnectionRefusedError):
        return InvocationError("connection", f"connection refused ({reason})")
    return InvocationError("connection", f"{type(reason).__name__}: {reason}")
