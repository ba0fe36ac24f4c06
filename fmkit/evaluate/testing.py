"""A scripted OpenAI-compatible server on 127.0.0.1, for tests, demos and dry runs.

It speaks just enough of llama-server's `/v1/chat/completions` (JSON and SSE streaming with
usage) to exercise the whole pipeline without a model, and can misbehave on purpose: hang
before answering, stream slowly, throttle the first attempts, fail with any status, or send
malformed JSON. Each route (`http://127.0.0.1:PORT/<route>/v1`) is one simulated model.
It only ever binds the loopback interface.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Messages = Sequence[Mapping[str, str]]


def echo_last_user(messages: Messages) -> str:
    return f"You said: {messages[-1]['content']}"


@dataclass(frozen=True)
class Behaviour:
    """How one simulated model answers."""

    answer: Callable[[Messages], str] = echo_last_user
    headers_delay_s: float = 0.0  # silence before the status line: a hung or overloaded server
    first_token_delay_s: float = 0.0
    token_delay_s: float = 0.0
    fail_status: int | None = None  # answer every request with this HTTP status
    fail_first: int = 0  # the first N requests for each distinct prompt fail ...
    fail_first_status: int = 429  # ... with this status
    retry_after: str | None = "0"
    malformed: bool = False  # 200 with a body (or SSE event) that is not JSON
    api_key: str | None = None  # when set, requests without "Authorization: Bearer <key>" get 401


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out close the socket while a handler is still sleeping; that is the
        # scenario under test, not an error worth a traceback.
        return


class FakeOpenAIServer:
    """Context manager running the routes on an ephemeral loopback port."""

    def __init__(self, routes: Mapping[str, Behaviour]) -> None:
        self.routes = dict(routes)
        self.requests: Counter[str] = Counter()  # route -> requests received
        self.max_in_flight: Counter[str] = Counter()  # route -> most requests handled at once
        self._in_flight: Counter[str] = Counter()
        self._per_prompt: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        # A short poll interval makes shutdown() return quickly (the default waits up to 0.5 s).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def base_url(self, route: str) -> str:
        return f"http://127.0.0.1:{self.port}/{route}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _count(self, route: str, prompt_key: str) -> int:
        with self._lock:
            self.requests[route] += 1
            self._in_flight[route] += 1
            self.max_in_flight[route] = max(self.max_in_flight[route], self._in_flight[route])
            self._per_prompt[(route, prompt_key)] += 1
            return self._per_prompt[(route, prompt_key)]

    def _done(self, route: str) -> None:
        with self._lock:
            self._in_flight[route] -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"fake": self})


class _Handler(BaseHTTPRequestHandler):
    """Serves one request for the `FakeOpenAIServer` in `fake` (set per server by a subclass)."""

    protocol_version = "HTTP/1.0"  # the body ends when the connection closes
    fake: FakeOpenAIServer
    _route: str | None = None

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        match = re.fullmatch(r"/([^/]+)/v1/chat/completions", self.path)
        behaviour = self.fake.routes.get(match.group(1)) if match else None
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if match is None or behaviour is None:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        messages = body.get("messages", [])
        route = match.group(1)
        attempt = self.fake._count(route, json.dumps(messages, sort_keys=True))
        self._route = route
        try:
            self._answer(behaviour, body, messages, attempt)
        finally:
            self._finished()

    def _finished(self) -> None:
        # Called before the last write: once the client has the last byte it may send its
        # next request, which must not be counted as overlapping with this one.
        if self._route is not None:
            self.fake._done(self._route)
            self._route = None

    def _answer(self, behaviour: Behaviour, body: dict[str, Any], messages: Messages, attempt: int) -> None:
        time.sleep(behaviour.headers_delay_s)
        if behaviour.api_key is not None and self.headers.get("Authorization") != f"Bearer {behaviour.api_key}":
            self._send_json(401, {"error": {"message": "invalid api key"}})
            return
        if behaviour.fail_status is not None:
            self._send_json(behaviour.fail_status, {"error": {"message": "scripted failure"}})
            return
        if attempt <= behaviour.fail_first:
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after is not None else {}
            self._send_json(behaviour.fail_first_status, {"error": {"message": "slow down"}}, headers)
            return
        text = behaviour.answer(messages)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(behaviour, messages, text, include_usage)
        else:
            self._complete(behaviour, messages, text)

    def _send_json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self._finished()
        self.wfile.write(data)

    def _usage(self, messages: Messages, tokens: Sequence[str]) -> dict[str, int]:
        prompt = sum(len(str(m.get("content", "")).split()) for m in messages)
        return {"prompt_tokens": prompt, "completion_tokens": len(tokens), "total_tokens": prompt + len(tokens)}

    def _complete(self, behaviour: Behaviour, messages: Messages, text: str) -> None:
        time.sleep(behaviour.first_token_delay_s)
        if behaviour.malformed:
            data = b"<html>upstream error</html>"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self._finished()
            self.wfile.write(data)
            return
        tokens = _tokens(text)
        self._send_json(
            200,
            {
                "object": "chat.completion",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": self._usage(messages, tokens),
            },
        )

    def _stream(self, behaviour: Behaviour, messages: Messages, text: str, include_usage: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

        def event(payload: str) -> None:
            self.wfile.write(f"data: {payload}\n\n".encode())
            self.wfile.flush()

        event(json.dumps({"choices": [{"index": 0, "delta": {"role": "assistant"}}]}))
        time.sleep(behaviour.first_token_delay_s)
        if behaviour.malformed:
            self._finished()
            event('{"choices": [{"delta": {"content": "trunc')
            return
        tokens = _tokens(text)
        for index, token in enumerate(tokens):
            if index:
                time.sleep(behaviour.token_delay_s)
            event(json.dumps({"choices": [{"index": 0, "delta": {"content": token}}]}))
        event(json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
        if include_usage:
            event(json.dumps({"choices": [], "usage": self._usage(messages, tokens)}))
        self._finished()
        event("[DONE]")


def _tokens(text: str) -> list[str]:
    """Word-ish pieces that concatenate back to `text` (one SSE event each)."""
    return re.findall(r"\s*\S+", text) or [text]
