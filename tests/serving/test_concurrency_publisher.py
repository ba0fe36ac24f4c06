"""The concurrency publisher an instance runs, rendered from the user data and run against the real
server: it scrapes /metrics with the API key, sums requests processing + deferred, and calls
`aws cloudwatch put-metric-data` (a recording stand-in for `aws`, the one part that needs AWS)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from pathlib import Path

from tests.serving.conftest import API_KEY, ROOT, ServerProcess

USER_DATA = ROOT / "stacks" / "graviton" / "user_data.sh"
METRICS = ("llamacpp:requests_processing", "llamacpp:requests_deferred")


def render_publisher(tmp_path: Path, port: int) -> Path:
    """The publisher exactly as the boot script writes it (its heredoc, expanded by bash)."""
    match = re.search(r"cat > /usr/local/bin/fmkit-publish-concurrency <<SCRIPT\n(.*?)\nSCRIPT\n",
                      USER_DATA.read_text(), re.DOTALL)
    assert match, "the publisher heredoc is not in user_data.sh"
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "api-key").write_text(API_KEY + "\n")
    target = tmp_path / "publisher.sh"
    renderer = (f"CONF_DIR={conf} PORT={port} REGION=eu-west-1 METRIC_NAMESPACE=fmkit/Graviton "
                f"PROJECT=demo ENVIRONMENT=dev DEPLOYMENT=llama-small\n"
                f"cat > {target} <<SCRIPT\n{match.group(1)}\nSCRIPT\n")
    subprocess.run(["bash", "-c", renderer], check=True)
    target.chmod(0o755)
    return target


def fake_aws(tmp_path: Path) -> tuple[Path, Path]:
    bin_dir, record = tmp_path / "bin", tmp_path / "aws-calls.jsonl"
    bin_dir.mkdir()
    recorder = "import json,sys; print(json.dumps(sys.argv[1:]))"
    (bin_dir / "aws").write_text(f"#!/bin/bash\npython3 -c '{recorder}' \"$@\" >> {record}\n")
    (bin_dir / "aws").chmod(0o755)
    return bin_dir, record


def _in_flight(server: ServerProcess) -> float:
    _, body = server.request("/metrics")
    return sum(float(line.split()[1]) for line in body.decode().splitlines() if line.split(" ")[0] in METRICS)


def test_metrics_expose_the_names_the_publisher_reads(server: ServerProcess) -> None:
    status, body = server.request("/metrics")
    assert status == 200
    names = {line.split()[0] for line in body.decode().splitlines() if line and not line.startswith("#")}
    assert set(METRICS) <= names


def test_publisher_reports_in_flight_requests(server: ServerProcess, tmp_path: Path) -> None:
    port = int(server.base_url.rsplit(":", 1)[1])
    publisher = render_publisher(tmp_path, port)
    bin_dir, record = fake_aws(tmp_path)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    prompt = {"model": "any", "max_tokens": 400, "temperature": 0, "ignore_eos": True,
              "messages": [{"role": "user", "content": "Count from one to a thousand in words."}]}
    threads = [threading.Thread(target=server.request, args=("/v1/chat/completions",),
                                kwargs={"body": json.dumps(prompt).encode(), "timeout": 600})
               for _ in range(3)]
    for thread in threads:
        thread.start()
    # The server counts a request once its HTTP thread has templated and queued it: on a busy machine
    # that takes longer than a fixed pause, so wait (bounded) until all three are in, then publish.
    deadline = time.monotonic() + 60
    while _in_flight(server) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    subprocess.run([str(publisher)], env=env, check=True, timeout=30)
    for thread in threads:
        thread.join()
    subprocess.run([str(publisher)], env=env, check=True, timeout=30)
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(calls) == 2
    busy, idle = (float(call[call.index("--value") + 1]) for call in calls)
    # Three requests on the configured slots: processing + deferred counts all three.
    assert busy == 3, calls[0]
    assert idle == 0, calls[1]
    assert calls[0][:2] == ["cloudwatch", "put-metric-data"]
    assert "ConcurrentRequests" in calls[0]
    assert "Project=demo,Environment=dev,Deployment=llama-small" in calls[0]
