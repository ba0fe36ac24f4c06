"""What really bounds a request. `--n-predict` (the config's `default_max_tokens`) is the answer length
of a request that sends no `max_tokens`; a request's own `max_tokens` wins, even above it (llama-server:
"the per-request limit takes priority over the global one"). Every answer stops at its slot's context
(`--ctx-size` / `--parallel` tokens, prompt included; context shift is off). `--timeout` is only a
socket timeout and bounds nothing."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.serving.conftest import ServerProcess, free_port, watch_health

STORY = [{"role": "user", "content": "Write a very long story."}]


def _value(args: list[str], flag: str) -> str:
    assert flag in args, f"{flag} is not rendered: {args}"
    return args[args.index(flag) + 1]


def _completion(server: ServerProcess, **fields: object) -> dict[str, object]:
    body = json.dumps({"model": "any", "temperature": 0, "ignore_eos": True, "messages": STORY, **fields}).encode()
    status, raw = server.request("/v1/chat/completions", body=body, timeout=600)
    assert status == 200, raw
    answer: dict[str, object] = json.loads(raw)
    return answer


def _usage(answer: dict[str, object]) -> dict[str, int]:
    usage = answer["usage"]
    assert isinstance(usage, dict)
    return {key: int(value) for key, value in usage.items() if isinstance(value, int)}


def test_n_predict_bounds_a_request_without_max_tokens(server: ServerProcess) -> None:
    cap = int(_value(server.args, "--n-predict"))
    assert _usage(_completion(server))["completion_tokens"] == cap


def test_request_max_tokens_below_the_default_is_honoured(server: ServerProcess) -> None:
    assert _usage(_completion(server, max_tokens=5))["completion_tokens"] == 5


def test_a_request_max_tokens_above_n_predict_wins(server: ServerProcess) -> None:
    """Why `--n-predict` is a default, not a cap: if llama-server starts capping, this fails and the
    docs (docs/graviton.md, "What bounds a request") must say so."""
    cap = int(_value(server.args, "--n-predict"))
    assert _usage(_completion(server, max_tokens=cap + 8))["completion_tokens"] == cap + 8


def test_streaming_reports_usage_in_the_last_chunk(server: ServerProcess) -> None:
    body = json.dumps({"model": "any", "max_tokens": 8, "stream": True, "stream_options": {"include_usage": True},
                       "messages": [{"role": "user", "content": "Hi"}]}).encode()
    status, raw = server.request("/v1/chat/completions", body=body)
    assert status == 200
    events = [json.loads(line[6:]) for line in raw.decode().splitlines()
              if line.startswith("data: ") and line != "data: [DONE]"]
    assert events[-1]["usage"]["completion_tokens"] > 0


def test_the_slot_context_bounds_every_request(server: ServerProcess, tmp_path: Path) -> None:
    """The rendered command with a small context (256 tokens per slot, so the test stays short): an
    unbounded max_tokens stops when the slot is full, prompt included."""
    args = list(server.args)
    port, parallel = free_port(), int(_value(args, "--parallel"))
    args[args.index("--port") + 1] = str(port)
    args[args.index("--ctx-size") + 1] = str(256 * parallel)
    binary = server.process.args[0] if isinstance(server.process.args, list) else str(server.process.args)
    with (tmp_path / "small-context.log").open("wb") as log:
        process = subprocess.Popen([str(binary), *args], stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        assert watch_health(base, process, 120)[-1][0] == 200
        small = ServerProcess(base, args, process, tmp_path / "small-context.log")
        answer = _completion(small, max_tokens=100_000)
        usage = _usage(answer)
        assert usage["prompt_tokens"] + usage["completion_tokens"] <= 256
        assert usage["completion_tokens"] > 100
        choices = answer["choices"]
        assert isinstance(choices, list) and choices[0]["finish_reason"] == "length"
    finally:
        process.terminate()
        process.wait(timeout=30)
