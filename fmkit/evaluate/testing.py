"""A scripted OpenAI-compatible server on 127.0.0.1, for tests, demos and dry runs.

It speaks just enough of llama-server's `/v1/chat/completions` (JSON and SSE streaming with
usage) and `/v1/embeddings` to exercise the whole pipeline without a model, and can misbehave
on purpose: hang before answering, stream slowly, throttle the first attempts, fail with any
status, or send malformed JSON. Each route (`http://127.0.0.1:PORT/<route>/v1`) is one
simulated model. It only ever binds the loopback interface.

`overlap_judge` plays a judge (it grades the candidate answer of a judge request by its word
overlap with the reference) and `word_hash_embedding` an embedding model (feature hashing of
words): deterministic doubles for the judge and the embedder, not models.
"""

from __future__ import annotations

import hashlib
import json
import math
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
    embed: Callable[[str], Sequence[float]] | None = None  # serves /v1/embeddings when set


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
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        embeddings = re.fullmatch(r"/([^/]+)/v1/embeddings", self.path)
        if embeddings is not None:
            self._embeddings(self.fake.routes.get(embeddings.group(1)), body)
            return
        match = re.fullmatch(r"/([^/]+)/v1/chat/completions", self.path)
        behaviour = self.fake.routes.get(match.group(1)) if match else None
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

    def _embeddings(self, behaviour: Behaviour | None, body: dict[str, Any]) -> None:
        if behaviour is None or behaviour.embed is None:
            self._send_json(404, {"error": {"message": f"no embeddings at {self.path}"}})
            return
        if behaviour.api_key is not None and self.headers.get("Authorization") != f"Bearer {behaviour.api_key}":
            self._send_json(401, {"error": {"message": "invalid api key"}})
            return
        texts = body.get("input")
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            self._send_json(400, {"error": {"message": "input must be a string or a list of strings"}})
            return
        embed = behaviour.embed
        self._send_json(200, {"object": "list", "data": [
            {"object": "embedding", "index": i, "embedding": list(embed(t))} for i, t in enumerate(texts)],
            "usage": {"prompt_tokens": sum(len(t.split()) for t in texts), "total_tokens": 0}})

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


_WORDS = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


def word_hash_embedding(text: str, dimensions: int = 64) -> list[float]:
    """A deterministic bag-of-words vector (feature hashing, L2-normalised): texts sharing words point
    the same way. A stand-in for an embedding model in demos and tests; it knows no synonyms."""
    vector = [0.0] * dimensions
    for word in _words(text):
        digest = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "big")
        vector[digest % dimensions] += 1.0 if digest & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def _tag(text: str, tag: str) -> str | None:
    match = re.search(rf"<{tag}>\n(.*?)\n</{tag}>", text, re.DOTALL)
    return match.group(1) if match else None


def overlap_judge(messages: Messages) -> str:
    """Answers a judge request (see `fmkit.evaluate.judge.rubric`) with a verdict from word overlap:
    correctness and completeness 1–5 from the F1 of candidate and reference words. Any other
    request gets a one-line reply, so the same route can also be benchmarked."""
    prompt = next((str(m.get("content", "")) for m in messages if m.get("role") == "user"), "")
    reference, candidate = _tag(prompt, "reference_answer"), _tag(prompt, "candidate_answer")
    if reference is None or candidate is None:
        return echo_last_user(messages)
    ref, cand = Counter(_words(reference)), Counter(_words(candidate))
    common = sum((ref & cand).values())
    f1 = 2 * common / (sum(ref.values()) + sum(cand.values())) if common else 0.0
    score = 1 + round(4 * f1)
    context = _tag(prompt, "context") is not None
    verdict = {"correctness": score, "completeness": max(1, score - (1 if f1 < 0.9 else 0)),
               "faithfulness": score if context else None, "instruction_following": 5 if cand else 1,
               "tone": 4, "rationale": f"{common} of {sum(ref.values())} reference words present (F1 {f1:.2f})."}
    return json.dumps(verdict)
