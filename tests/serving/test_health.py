"""`/health` answers 503 while the model loads and 200 once it serves; it needs no API key."""

from __future__ import annotations

from tests.serving.conftest import ServerProcess


def test_health_is_503_while_loading_then_200(server: ServerProcess) -> None:
    answers = [answer for answer, _ in server.health_sequence]
    assert answers[-1] == 200
    assert 503 in answers, f"never saw 503 while loading: {server.health_sequence}"
    assert answers.index(503) < answers.index(200)


def test_health_needs_no_api_key(server: ServerProcess) -> None:
    status, body = server.request("/health", key=None)
    assert status == 200, body
