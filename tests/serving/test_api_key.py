"""With the API key on (the default), every route but /health needs it; the web UI is not served."""

from __future__ import annotations

import json

import pytest

from tests.serving.conftest import API_KEY, ServerProcess


@pytest.mark.parametrize("path", ["/v1/models", "/metrics", "/slots", "/props"])
def test_routes_refuse_requests_without_the_key(server: ServerProcess, path: str) -> None:
    status, _ = server.request(path, key=None)
    assert status == 401


def test_a_wrong_key_is_refused(server: ServerProcess) -> None:
    status, _ = server.request("/v1/models", key="not-the-key")
    assert status == 401


def test_bearer_and_x_api_key_headers_are_accepted(server: ServerProcess) -> None:
    status, body = server.request("/v1/models")
    assert status == 200, body
    assert b"llama-small" in body  # the alias the kit renders
    status, _ = server.request("/v1/models", key=None, headers={"X-Api-Key": API_KEY})
    assert status == 200


def test_the_web_ui_is_not_served(server: ServerProcess) -> None:
    """The UI is on by default in llama-server and served without the key: the kit turns it off."""
    for key in (None, API_KEY):
        status, body = server.request("/", key=key)
        assert status in (401, 404), (status, body[:200])
    assert "--no-webui" in server.args


def test_chat_completion_with_the_key(server: ServerProcess) -> None:
    body = json.dumps({"model": "any", "max_tokens": 16,
                       "messages": [{"role": "user", "content": "Say hello."}]}).encode()
    status, raw = server.request("/v1/chat/completions", body=body)
    assert status == 200, raw
    answer = json.loads(raw)
    assert answer["choices"][0]["message"]["content"]
    assert 0 < answer["usage"]["completion_tokens"] <= 16
