"""The conversion build's `publish` part run for real, with stand-ins for `aws`, `curl` and llama-server
(the conversion lines themselves run in `make test-customize`): the GGUF goes up with its sha256 and S3
version, both models answer the holdout through answer_holdout.py, candidate.json records the pin."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from stacks.customization.conversion_spec import ANSWER, SCRIPT

AWS = r'''#!/bin/bash
# aws s3 cp [--only-show-errors] SRC DST  |  aws s3api put-object --bucket B --key K --body F ...
set -euo pipefail
local_path() { case "$1" in s3://*) echo "$FAKE_S3/${1#s3://}";; *) echo "$1";; esac; }
if [ "$1" = s3 ]; then
  shift 2; [ "$1" = --only-show-errors ] && shift
  src="$(local_path "$1")"; dst="$(local_path "$2")"; [ -f "$src" ] || exit 1
  mkdir -p "$(dirname "$dst")"; cp "$src" "$dst"
elif [ "$1" = s3api ]; then
  while [ $# -gt 0 ]; do
    case "$1" in --bucket) b="$2"; shift;; --key) k="$2"; shift;; --body) f="$2"; shift;; esac; shift
  done
  mkdir -p "$(dirname "$FAKE_S3/$b/$k")"; cp "$f" "$FAKE_S3/$b/$k"; echo "version-1"
fi
'''
CURL = r'''#!/bin/bash
set -euo pipefail
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift;; https://*) url="$1";; esac; shift; done
echo "$url" >> "$FAKE_HUB/requests"
cp "$FAKE_HUB/${url#https://huggingface.co/}" "$out"
'''
SERVER = r'''
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
model = sys.argv[sys.argv.index("--model") + 1]
port = int(sys.argv[sys.argv.index("--port") + 1])
class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args): pass
    def _send(self, status, body):
        data = json.dumps(body).encode(); self.send_response(status)
        self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(data)))
        self.end_headers(); self.wfile.write(data)
    def do_GET(self): self._send(200, {"status": "ok"})
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        question = request["messages"][-1]["content"]
        answer = f"{model.rsplit('/', 1)[-1]}: {question}"
        self._send(200, {"choices": [{"message": {"role": "assistant", "content": answer}}]})
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
'''


def executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def test_publish_uploads_the_candidate_and_both_models_answer(tmp_path: Path) -> None:
    work, s3, hub, bin_dir = tmp_path / "work", tmp_path / "s3", tmp_path / "hub", tmp_path / "bin"
    for folder in (work / "out", work / "llama" / "bin", s3 / "art" / "runs", hub / "org/repo-GGUF/resolve/main",
                   bin_dir):
        folder.mkdir(parents=True)
    executable(bin_dir / "aws", AWS)
    executable(bin_dir / "curl", CURL)
    executable(work / "llama" / "bin" / "llama-server", f"#!{sys.executable}\n{SERVER}")
    gguf = work / "out" / "tuned.Q4_0.gguf"
    gguf.write_bytes(b"GGUF candidate")
    digest = hashlib.sha256(gguf.read_bytes()).hexdigest()
    (work / "out" / "tuned.Q4_0.gguf.sha256").write_text(f"{digest}  tuned.Q4_0.gguf\n")
    served = hub / "org/repo-GGUF/resolve/main/model.gguf"
    served.write_bytes(b"GGUF served")
    holdout = s3 / "art/customizations/tuned/runs/r1/holdout.jsonl"
    holdout.parent.mkdir(parents=True)
    holdout.write_text("".join(json.dumps({"id": f"h{i}", "messages": [{"role": "user", "content": f"q{i}"}],
                                           "max_tokens": 8, "temperature": 0}) + "\n" for i in range(3)))
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "WORK": str(work), "FAKE_S3": str(s3),
           "FAKE_HUB": str(hub), "BUCKET": "art", "STEM": "tuned", "QUANT": "Q4_0",
           "GGUF_PREFIX": "customizations/tuned/gguf/r1", "RUN_PREFIX": "customizations/tuned/runs/r1",
           "SERVED_ARTIFACT": "hf://org/repo-GGUF/model.gguf@main",
           "SERVED_SHA256": hashlib.sha256(b"GGUF served").hexdigest(), "ANSWER_SCRIPT": str(ANSWER),
           "SERVER_ARGS": "--ctx-size 512 --parallel 1"}
    result = subprocess.run(["bash", str(SCRIPT), "publish"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    uploaded = s3 / "art/customizations/tuned/gguf/r1"
    assert (uploaded / "tuned.Q4_0.gguf").read_bytes() == b"GGUF candidate"
    assert (uploaded / "tuned.Q4_0.gguf.sha256").read_text() == f"{digest}  tuned.Q4_0.gguf\n"
    run = s3 / "art/customizations/tuned/runs/r1"
    assert json.loads((run / "candidate.json").read_text()) == {
        "uri": "s3://art/customizations/tuned/gguf/r1/tuned.Q4_0.gguf", "version_id": "version-1",
        "sha256": digest, "size_bytes": 14}
    candidate = [json.loads(line) for line in (run / "answers/candidate.jsonl").read_text().splitlines()]
    served_answers = [json.loads(line) for line in (run / "answers/served.jsonl").read_text().splitlines()]
    assert candidate[0] == {"id": "h0", "output": "tuned.Q4_0.gguf: q0", "error": None}
    assert [a["output"] for a in served_answers] == ["served.gguf: q0", "served.gguf: q1", "served.gguf: q2"]
    assert (hub / "requests").read_text() == "https://huggingface.co/org/repo-GGUF/resolve/main/model.gguf\n"


def test_a_served_model_that_is_not_the_pinned_one_stops_the_build(tmp_path: Path) -> None:
    hub, bin_dir = tmp_path / "hub", tmp_path / "bin"
    (hub / "org/r/resolve/main").mkdir(parents=True)
    bin_dir.mkdir()
    executable(bin_dir / "curl", CURL)
    (hub / "org/r/resolve/main/m.gguf").write_bytes(b"something else")
    script = f"source <(sed -n '/^fetch_served()/,/^}}/p' {SCRIPT}); fetch_served {tmp_path}/served.gguf"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_HUB": str(hub),
           "SERVED_ARTIFACT": "hf://org/r/m.gguf@main", "SERVED_SHA256": "0" * 64}
    result = subprocess.run(["bash", "-c", f"set -euo pipefail; {script}"], env=env, capture_output=True,
                            text=True, check=False)
    assert result.returncode != 0 and "is not the pinned GGUF" in result.stderr
