"""OpenAI-compatible adapter against a real HTTP server on 127.0.0.1 (fmkit.evaluate.testing).

Every failure mode must come back as an item error from `invoke_item`, never as an exception.
Timeouts are short (≤ 0.3 s) and the server's sleeps are bounded, so nothing here can hang.
"""

from __future__ import annotations

import socket

import pytest

from fmkit.evaluate.adapters.base import RetryPolicy
from fmkit.evaluate.adapters.openai_compat import OpenAICompatAdapter
from fmkit.evaluate.records import ChatMessage, ChatRequest, GenerationParams
from fmkit.evaluate.runner import invoke_item
from fmkit.evaluate.testing import Behaviour, FakeOpenAIServer
from tests.unit.evaluate._helpers import RecordedSleep

REQUEST = ChatRequest(
    messages=(ChatMessage("user", "How long does shipping take?"),),
    system="Be brief.",
    params=GenerationParams(max_tokens=64),
)
ANSWER = "Standard shipping takes 2 to 4 business days."


def _answer(_messages: object) -> str:
    return ANSWER


def _adapter(server: FakeOpenAIServer, route: str, **kwargs: object) -> OpenAICompatAdapter:
    options: dict[str, object] = {"timeout_s": 30.0, "retry": RetryPolicy(max_attempts=3), "sleep": RecordedSleep()}
    options.update(kwargs)
    return OpenAICompatAdapter(server.base_url(route), **options)  # type: ignore[arg-type]


def test_streaming_success_measures_ttft_and_usage() -> None:
    with FakeOpenAIServer({"llama": Behaviour(answer=_answer, token_delay_s=0.002)}) as server:
        completion = _adapter(server, "llama").invoke(REQUEST)
    assert completion.text == ANSWER
    assert completion.output_tokens == len(ANSWER.split())  # one SSE event per word in the fake
    assert completion.input_tokens == 2 + len(REQUEST.messages[0].content.split())  # "Be brief." + the question
    assert completion.finish_reason == "stop"
    assert completion.ttft_s is not None and 0 < completion.ttft_s <= completion.latency_s
    assert completion.attempts == 1


def test_non_streaming_success() -> None:
    with FakeOpenAIServer({"llama": Behaviour(answer=_answer)}) as server:
        completion = _adapter(server, "llama", stream=False).invoke(REQUEST)
    assert completion.text == ANSWER
    assert completion.ttft_s is None
    assert completion.output_tokens == len(ANSWER.split())


def test_api_key_is_sent_as_bearer_token() -> None:
    with FakeOpenAIServer({"secured": Behaviour(answer=_answer, api_key="s3cret")}) as server:
        good = invoke_item(_adapter(server, "secured", api_key="s3cret"), "m", REQUEST, "a")
        bad = invoke_item(_adapter(server, "secured", api_key="wrong"), "m", REQUEST, "b")
        assert server.requests["secured"] == 2  # 401 is not retried
    assert good.ok and good.output == ANSWER
    assert bad.error is not None and (bad.error.kind, bad.error.status) == ("client_error", 401)
    assert "API key" in bad.error.message


def test_server_that_does_not_answer_in_time_is_a_timeout() -> None:
    with FakeOpenAIServer({"hung": Behaviour(answer=_answer, headers_delay_s=1.0)}) as server:
        record = invoke_item(_adapter(server, "hung", timeout_s=0.2), "m", REQUEST, "a")
        assert server.requests["hung"] == 1  # timeouts are not retried: the budget is already spent
    assert record.error is not None and record.error.kind == "timeout"
    assert record.output is None


def test_stream_slower_than_the_timeout_is_cut_off() -> None:
    slow = Behaviour(answer=lambda _m: " ".join(["word"] * 40), token_delay_s=0.05)
    with FakeOpenAIServer({"slow": slow}) as server:
        record = invoke_item(_adapter(server, "slow", timeout_s=0.3), "m", REQUEST, "a")
    assert record.error is not None and record.error.kind == "timeout"


def test_429_then_success_honours_retry_after() -> None:
    sleep = RecordedSleep()
    behaviour = Behaviour(answer=_answer, fail_first=2, fail_first_status=429, retry_after="0.25")
    with FakeOpenAIServer({"busy": behaviour}) as server:
        record = invoke_item(_adapter(server, "busy", sleep=sleep), "m", REQUEST, "a")
        assert server.requests["busy"] == 3
    assert record.ok and record.output == ANSWER
    assert record.attempts == 3
    assert len(sleep.delays) == 2 and all(d >= 0.25 for d in sleep.delays)


def test_500_is_retried_then_reported() -> None:
    sleep = RecordedSleep()
    with FakeOpenAIServer({"broken": Behaviour(fail_status=500)}) as server:
        record = invoke_item(_adapter(server, "broken", sleep=sleep), "m", REQUEST, "a")
        assert server.requests["broken"] == 3
    assert record.error is not None
    assert (record.error.kind, record.error.status, record.error.attempts) == ("server_error", 500, 3)
    assert "scripted failure" in record.error.message
    assert len(sleep.delays) == 2


@pytest.mark.parametrize("stream", [True, False])
def test_malformed_json_is_reported(stream: bool) -> None:
    with FakeOpenAIServer({"garbled": Behaviour(malformed=True)}) as server:
        record = invoke_item(_adapter(server, "garbled", stream=stream), "m", REQUEST, "a")
        assert server.requests["garbled"] == 1
    assert record.error is not None and record.error.kind == "malformed_response"


def test_connection_refused_is_reported() -> None:
    with socket.socket() as probe:  # find a loopback port with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = OpenAICompatAdapter(f"http://127.0.0.1:{port}/v1", timeout_s=2.0, sleep=RecordedSleep())
    record = invoke_item(adapter, "m", REQUEST, "a")
    assert record.error is not None and record.error.kind == "connection"
    assert record.error.attempts == 1


def test_unknown_route_is_a_client_error_not_a_crash() -> None:
    with FakeOpenAIServer({"llama": Behaviour()}) as server:
        adapter = OpenAICompatAdapter(server.base_url("missing"), timeout_s=30.0)
        record = invoke_item(adapter, "m", REQUEST, "a")
    assert record.error is not None and (record.error.kind, record.error.status) == ("client_error", 404)


def test_base_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        OpenAICompatAdapter("ftp://example.com/v1")
