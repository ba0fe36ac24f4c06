"""Answer a customization run's holdout requests with a llama-server on this host.

Runs in the conversion build (CodeBuild, arm64), where fmkit is not installed: standard library
only. It waits for `/health`, then sends each request of `holdout.jsonl` (the chat requests the
workflow's validation step wrote: id, messages, max_tokens, temperature) to
`/v1/chat/completions` one at a time, and prints one `{"id", "output", "error"}` line per
request. A failed request is an answer with an error (it scores as an empty answer), never a
failed build: the gate decides, not the network.

    python3 answer_holdout.py http://127.0.0.1:8090 holdout.jsonl > answers.jsonl
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

HEALTH_TIMEOUT_S = 600
REQUEST_TIMEOUT_S = 300


def wait_healthy(base_url: str, timeout_s: float = HEALTH_TIMEOUT_S) -> None:
    """llama-server answers /health with 503 while it loads the model and 200 once it serves."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"llama-server at {base_url} not healthy after {timeout_s:.0f} s")
        time.sleep(1)


def answer(base_url: str, request: dict[str, object]) -> dict[str, object]:
    body = {"messages": request["messages"], "max_tokens": request.get("max_tokens", 512),
            "temperature": request.get("temperature", 0), "stream": False}
    http = urllib.request.Request(f"{base_url}/v1/chat/completions", data=json.dumps(body).encode("utf-8"),
                                  headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(http, timeout=REQUEST_TIMEOUT_S) as response:
            payload = json.loads(response.read().decode("utf-8"))
        return {"id": request["id"], "output": payload["choices"][0]["message"]["content"], "error": None}
    except (urllib.error.URLError, OSError, KeyError, IndexError, ValueError) as exc:
        return {"id": request["id"], "output": None, "error": type(exc).__name__}


def requests_of(path: str) -> Iterator[dict[str, object]]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: answer_holdout.py BASE_URL HOLDOUT_JSONL", file=sys.stderr)
        return 2
    base_url, path = argv[1].rstrip("/"), argv[2]
    wait_healthy(base_url)
    for request in requests_of(path):
        print(json.dumps(answer(base_url, request)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
