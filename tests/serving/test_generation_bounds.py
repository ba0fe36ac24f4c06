"""What really bounds a request: `--n-predict` (the config's max output tokens) caps generation when
a client sends no `max_tokens`; `--timeout` is only a socket timeout and caps nothing."""

from __future__ import annotations

import json

from tests.serving.conftest import ServerProcess


def _value(args: list[str], flag: str) -> str:
    assert flag in args, f"{flag} is not rendered: {args}"
    return args[args.index(flag) + 1]


def test_n_predict_caps_a_request_without_max_tokens(server: ServerProcess) -> None:
    cap = int(_value(server.args, "--n-predict"))
    body = json.dumps({"model": "any", "temperature": 0, "ignore_eos": True,
                       "messages": [{"role": "user", "content": "Write a very long story."}]}).encode()
    status, raw = server.request("/v1/chat/completions", body=body)
    assert status == 200, raw
    assert json.loads(raw)["usage"]["completion_tokens"] == cap


def test_request_max_tokens_below_the_cap_is_honoured(server: ServerProcess) -> None:
    body = json.dumps({"model": "any", "max_tokens": 5, "temperature": 0, "ignore_eos": True,
                       "messages": [{"role": "user", "content": "Write a very long story."}]}).encode()
    status, raw = server.request("/v1/chat/completions", body=body)
    assert status == 200, raw
    assert json.loads(raw)["usage"]["completion_tokens"] == 5


def test_streaming_reports_usage_in_the_last_chunk(server: ServerProcess) -> None:
    body = json.dumps({"model": "any", "max_tokens": 8, "stream": True, "stream_options": {"include_usage": True},
                       "messages": [{"role": "user", "content": "Hi"}]}).encode()
    status, raw = server.request("/v1/chat/completions", body=body)
    assert status == 200
    events = [json.loads(line[6:]) for line in raw.decode().splitlines()
              if line.startswith("data: ") and line != "data: [DONE]"]
    assert events[-1]["usage"]["completion_tokens"] > 0


def test_n_predict_caps_a_larger_max_tokens(server: ServerProcess) -> None:
    cap = int(_value(server.args, "--n-predict"))
    body = json.dumps({"model": "any", "max_tokens": cap * 4, "temperature": 0, "ignore_eos": True,
                       "messages": [{"role": "user", "content": "Write a very long story."}]}).encode()
    status, raw = server.request("/v1/chat/completions", body=body)
    assert status == 200, raw
    assert json.loads(raw)["usage"]["completion_tokens"] == cap
